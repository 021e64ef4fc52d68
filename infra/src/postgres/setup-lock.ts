import { withFileLock } from '../file-lock.ts'
import { PostgresLockTimeout } from './errors.ts'

/**
 * Runs `fn` holding PostgreSQL's set-up lock: the runner and parallel test files never run
 * `initdb`, `pg_ctl` or provisioning at the same time. Two minutes fit initdb plus migrations.
 */
export const withSetupLock = <T>(file: string, fn: () => Promise<T>): Promise<T> =>
  withFileLock(
    file,
    {
      waitMs: 120_000,
      timeoutError: (f) =>
        new PostgresLockTimeout(`${f} is held by another process: is a set-up still running?`),
    },
    fn,
  )
