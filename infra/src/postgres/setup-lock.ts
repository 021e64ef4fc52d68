import { mkdir, open, readFile, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { PostgresLockTimeout } from './errors.ts'

/** How long to wait for another process's start/provision (initdb + migrations fit easily). */
const WAIT_MS = 120_000
/** A lock file younger than this may still be waiting for its holder's pid to be written. */
const FRESH_MS = 5_000

/**
 * Runs `fn` while holding an exclusive lock file (`O_EXCL` create, holder pid inside), so the
 * runner and parallel test files never run `initdb`, `pg_ctl` or provisioning at the same time.
 * A lock left by a dead process is taken over.
 *
 * @throws `PostgresLockTimeout` when a live holder keeps it longer than two minutes.
 */
export async function withSetupLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(dirname(file), { recursive: true })
  const deadline = Date.now() + WAIT_MS
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
    if (Date.now() > deadline) {
      throw new PostgresLockTimeout(
        `${file} is held by another process: is a set-up still running?`,
      )
    }
    await sleep(200)
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
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
