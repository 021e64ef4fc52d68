/**
 * One exclusive lock file per piece of stack state (the PKI, PostgreSQL, RabbitMQ), so `stack:up`,
 * `pnpm start` and parallel test files never run the same set-up at once: two concurrent PKI runs
 * would leave leaves signed by one CA beside the other's `ca.pem`; two `initdb`s or two RabbitMQ
 * boots on one data directory hang or corrupt it.
 */
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** A lock file younger than this may still be waiting for its holder's pid to be written. */
const FRESH_MS = 5_000
const POLL_MS = 100

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for a live holder before giving up. */
  waitMs: number
  /** The typed error to throw when a live holder keeps the lock past `waitMs`. */
  timeoutError: (file: string) => Error
}

/**
 * Runs `fn` while holding `file` as an exclusive lock (`O_EXCL` create, holder pid inside). A lock
 * left by a dead process is taken over; the lock is released however `fn` ends.
 *
 * @example
 * ```ts
 * await withFileLock(layout.lock, { waitMs: 120_000, timeoutError: (f) => new LockTimeout(f) }, start)
 * ```
 */
export async function withFileLock<T>(
  file: string,
  options: FileLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  await mkdir(dirname(file), { recursive: true })
  const deadline = Date.now() + options.waitMs
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o600)
      await handle.writeFile(String(process.pid))
      await handle.close()
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (await isStale(file)) {
      await rm(file, { force: true })
      continue
    }
    if (Date.now() > deadline) throw options.timeoutError(file)
    await sleep(POLL_MS)
  }
  try {
    return await fn()
  } finally {
    await rm(file, { force: true })
  }
}

async function isStale(file: string): Promise<boolean> {
  const [content, info] = await Promise.all([
    readFile(file, 'utf8').catch(() => ''),
    stat(file).catch(() => undefined),
  ])
  if (!info) return false // released meanwhile: just retry
  const pid = Number(content)
  if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > FRESH_MS
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    // EPERM: the process exists but belongs to another user, so the lock is live.
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
