import { execFile } from 'node:child_process'
import { chown } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { PostgresCommandFailed, PostgresSetupError } from './errors.ts'

/** The Debian package's service account: initdb and postgres refuse to run as root. */
export const POSTGRES_OS_USER = 'postgres'

/** The OS account the server runs as. */
export interface ServerUser {
  name: string
  uid: number
  gid: number
  /** Running as root: commands go through `runuser` and files are chowned to this account. */
  switchUser: boolean
}

/** Exit code and combined output of a command run as the server user. */
export interface CommandResult {
  code: number
  output: string
}

/**
 * The account to run PostgreSQL as: the current user, or the `postgres` OS user when running as
 * root (PostgreSQL refuses root so that a server compromise is not a root compromise).
 */
export async function serverUser(): Promise<ServerUser> {
  if (process.getuid?.() !== 0) {
    const me = userInfo()
    return { name: me.username, uid: me.uid, gid: me.gid, switchUser: false }
  }
  const [uid, gid] = await Promise.all(
    ['-u', '-g'].map(async (flag) => {
      const result = await spawnCommand('id', [flag, POSTGRES_OS_USER])
      if (result.code !== 0) {
        throw new PostgresSetupError(
          `running as root needs the "${POSTGRES_OS_USER}" OS user (created by the Debian package postgresql)`,
        )
      }
      return Number(result.output.trim())
    }),
  )
  return { name: POSTGRES_OS_USER, uid: uid ?? NaN, gid: gid ?? NaN, switchUser: true }
}

/** Makes `path` belong to the server user (no-op unless running as root). */
export async function giveToServerUser(user: ServerUser, path: string): Promise<void> {
  if (user.switchUser) await chown(path, user.uid, user.gid)
}

/** Runs `command` as the server user and reports its exit code instead of throwing. */
export function spawnAsServerUser(
  user: ServerUser,
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<CommandResult> {
  return user.switchUser
    ? spawnCommand('runuser', ['-u', user.name, '--', command, ...args], cwd)
    : spawnCommand(command, args, cwd)
}

/**
 * Runs `command` as the server user.
 *
 * @throws `PostgresCommandFailed` with the end of its output when it exits non-zero.
 */
export async function runAsServerUser(
  user: ServerUser,
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<string> {
  const result = await spawnAsServerUser(user, command, args, cwd)
  if (result.code !== 0) {
    throw new PostgresCommandFailed(
      `${command} ${args[0] ?? ''} exited with ${result.code}: ${result.output.trim().slice(-800)}`,
    )
  }
  return result.output
}

function spawnCommand(command: string, args: readonly string[], cwd?: string) {
  return new Promise<CommandResult>((resolve, reject) => {
    execFile(
      command,
      args,
      // A clean environment: no PGPASSWORD/PGDATA/PGHOST of the caller leaks into pg_ctl, and
      // messages stay in English for the error text.
      { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`
        if (error === null) return resolve({ code: 0, output })
        if (typeof error.code === 'number') return resolve({ code: error.code, output })
        reject(
          new PostgresCommandFailed(`cannot run ${command}: ${error.message}`, { cause: error }),
        )
      },
    )
  })
}
