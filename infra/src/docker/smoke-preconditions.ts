/**
 * Whether `pnpm test` can take the harness's Docker path on this machine. It needs Debian's
 * engine and debootstrap (the stand-in images), and the infrastructure ports free: the smoke's
 * containers listen on the same ports as the local PostgreSQL and RabbitMQ, so beside a running
 * stack the Docker path is skipped (the local path still runs every suite).
 */
import { createConnection } from 'node:net'
import { INFRASTRUCTURE } from '@mythical/stack'
import { which } from './which.ts'

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.once('connect', () => resolve(socket.destroy() !== undefined))
    socket.once('error', () => resolve(false))
  })

/** Why the Docker path cannot run here, or `undefined` when it can. */
export async function dockerSmokeBlocker(): Promise<string | undefined> {
  for (const tool of ['dockerd', 'debootstrap']) {
    if ((await which(tool)) === undefined) return `${tool} is not installed`
  }
  for (const [name, { port }] of Object.entries(INFRASTRUCTURE)) {
    if (await listening(port)) return `${name} already listens on port ${port} (a running stack)`
  }
  return undefined
}
