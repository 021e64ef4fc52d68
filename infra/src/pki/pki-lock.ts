import { withFileLock } from '../file-lock.ts'
import { PkiLockTimeout } from './errors.ts'

/** Runs `fn` holding the PKI lock; a full PKI run takes well under a second, so wait a minute. */
export const withPkiLock = <T>(file: string, fn: () => Promise<T>): Promise<T> =>
  withFileLock(
    file,
    {
      waitMs: 60_000,
      timeoutError: (f) =>
        new PkiLockTimeout(`${f} is held by another process: is a PKI run stuck?`),
    },
    fn,
  )
