/**
 * Container hardening every container of the stack gets (microservices-demo's pod security
 * settings mapped to compose): no root, an immutable root filesystem with a private /tmp, no
 * Linux capabilities, and no way to regain privileges through setuid binaries.
 */
import { RUNTIME_USER } from './images.ts'

export const HARDENING = {
  user: RUNTIME_USER,
  read_only: true,
  cap_drop: ['ALL'],
  security_opt: ['no-new-privileges:true'],
} as const

/** `/tmp` as a private tmpfs owned by the runtime user, plus any further writable paths. */
export const tmpfsMounts = (...paths: string[]): string[] =>
  ['/tmp', ...paths].map((path) => `${path}:uid=1000,gid=1000,mode=0700`)
