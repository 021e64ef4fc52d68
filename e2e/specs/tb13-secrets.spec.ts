/**
 * TB13 — secrets: each service reads only its own keys. Locally every service runs as the same OS
 * user, so file modes cannot separate them; the runner starts each one under Node's permission
 * model with read access to its own secrets folder only. The running services are not asked to
 * misbehave (nothing from outside can make them read a file); instead this spec reads the flags
 * the live orders-api process actually runs with, checks what they allow, and runs a process
 * under exactly those flags, as orders-api, through the same secret loader the services use: its
 * own key is read; payments-api's signing key and the retail CA's private key are refused by the
 * runtime (`ERR_ACCESS_DENIED`, reported as `ERR_SECRET_ACCESS_DENIED`) and audited on TB13 with
 * reason `secrets.access_denied`, naming no content.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SECRET_FILES, TRUST_DOMAINS, stackPaths } from '@mythical/stack'
import { expect, test } from '../support/fixtures.ts'
import { runConfinedAs, runningConfinement } from '../support/service-confinement.ts'

const paths = stackPaths()
const SERVICE = 'orders-api'
const SECRET_LOADER = join(paths.root, 'packages', 'config', 'src', 'index.ts')

/** A module that reads `file` in `dir` with the services' secret loader and prints the outcome. */
const readAttempt = (dir: string, file: string) => `
  const { readSecretFile } = await import(${JSON.stringify(SECRET_LOADER)})
  try {
    console.log(JSON.stringify({ read: readSecretFile(${JSON.stringify(dir)}, ${JSON.stringify(file)}).length }))
  } catch (err) {
    console.log(JSON.stringify({ refused: err.code, name: err.name }))
  }
  // The audit line is written asynchronously: let it reach stdout before the process ends.
  await new Promise((resolve) => setTimeout(resolve, 200))
`

test.describe('TB13 secrets', () => {
  test('the live orders-api process may read its own secrets folder and no other key material', () => {
    const { flags } = runningConfinement(SERVICE)
    expect(flags).toContain('--permission')
    const readable = flags
      .filter((flag) => flag.startsWith('--allow-fs-read='))
      .map((flag) => flag.slice('--allow-fs-read='.length))
    expect(readable).toContain(paths.secrets(SERVICE))
    const secretsRoot = join(paths.stack, 'secrets')
    expect(readable.filter((path) => path.startsWith(secretsRoot))).toEqual([
      paths.secrets(SERVICE),
    ])
    for (const domain of TRUST_DOMAINS) {
      expect(readable.some((path) => path.startsWith(join(paths.pki, domain, 'private')))).toBe(
        false,
      )
    }
    expect(
      flags.some((flag) => /^--allow-(fs-write|child-process|worker|addons|wasi)/.test(flag)),
    ).toBe(false)
  })

  test('under those flags, as orders-api: its own key is read', async () => {
    const lines = await runConfinedAs(
      SERVICE,
      readAttempt(paths.secrets(SERVICE), SECRET_FILES.tlsKey),
    )
    const own = readFileSync(join(paths.secrets(SERVICE), SECRET_FILES.tlsKey), 'utf8')
    expect(lines.filter((line) => 'read' in line || 'refused' in line)).toEqual([
      { read: own.length },
    ])
    expect(lines.filter((line) => line.audit === true)).toEqual([])
  })

  const foreignKeys = {
    'payments-api’s signing key': [paths.secrets('payments-api'), SECRET_FILES.signingKey],
    'the retail CA’s private key': [join(paths.pki, 'retail', 'private'), 'ca-key.pem'],
  } as const
  for (const [title, [dir, file]] of Object.entries(foreignKeys)) {
    test(`under those flags, as orders-api: ${title} is refused and audited`, async () => {
      const lines = await runConfinedAs(SERVICE, readAttempt(dir, file))
      expect(lines.filter((line) => 'read' in line || 'refused' in line)).toEqual([
        { refused: 'ERR_SECRET_ACCESS_DENIED', name: 'SecretFileError' },
      ])
      const audit = lines.filter((line) => line.audit === true)
      expect(audit).toHaveLength(1)
      expect(audit[0]).toMatchObject({
        service: SERVICE,
        boundary: 'TB13',
        decision: 'deny',
        reason: 'secrets.access_denied',
      })
      expect(String(audit[0]?.traceId)).toMatch(/^[0-9a-f]{32}$/)
      const key = readFileSync(join(dir, file), 'utf8')
      const body = key
        .replace(/-----[A-Z ]+-----/g, '')
        .trim()
        .slice(0, 24)
      expect(JSON.stringify(lines).includes(body), 'no key material in the output').toBe(false)
    })
  }
})
