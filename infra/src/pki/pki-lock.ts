import { open, readFile, rm, stat } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { PkiLockTimeout } from './errors.ts'

/** How long to wait for another run: a full PKI takes well under a second on a laptop. */
const WAIT_MS = 60_000
/** A lock file younger than this may still be waiting for its holder's pid to be written. */
const FRESH_MS = 5_000
const POLL_MS = 100

/**
 * Runs `fn` while holding `file` as an exclusive lock (`O_EXCL` create, holder pid inside).
 * `stack:up`, the infrastructure start-up and parallel test files may all call `ensurePki` on the
 * same tree; without the lock two of them could each create a CA and leave leaves signed by one
 * next to the `ca.pem` of the other. A lock left by a dead process is taken over.
 *
 * @throws `PkiLockTimeout` when a live holder keeps the lock longer than a minute.
 */
export async function withPkiLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o644)
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
    if (Date.now() > deadline) {
      throw new PkiLockTimeout(`${file} is held by another process: is a PKI run stuck?`)
    }
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
