import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileErlang } from './commands.ts'
import type { RabbitmqLayout } from './layout.ts'

/**
 * The broker's TLS `verify_fun`: applies the URI name constraints of the CA that issued a client
 * certificate, which Erlang/OTP's path validation skips for a trust anchor. Without it the
 * partner's CA could mint retail's SPIFFE id and, since the broker user is that URI SAN, log in
 * as a retail service. See `erlang/mythical_anchor_constraints.erl`.
 */
export const VERIFY_MODULE = 'mythical_anchor_constraints'

const SOURCE = fileURLToPath(new URL(`./erlang/${VERIFY_MODULE}.erl`, import.meta.url))

/** The compiled module, as the node's code path (`-pa <ebin>`) finds it. */
export const verifyModuleFile = (layout: RabbitmqLayout): string =>
  join(layout.ebin, `${VERIFY_MODULE}.beam`)

/** Compiles the module in a scratch folder and returns the `.beam` bytes. */
export async function compileVerifyModule(): Promise<Buffer> {
  const out = await mkdtemp(join(tmpdir(), 'mythical-erlc-'))
  try {
    await compileErlang(SOURCE, out)
    return await readFile(join(out, `${VERIFY_MODULE}.beam`))
  } finally {
    await rm(out, { recursive: true, force: true })
  }
}
