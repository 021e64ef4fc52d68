import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BrokerCredentials } from '@mythical/broker'
import { SECRET_FILES } from '@mythical/stack'

/** Generated passwords: 32 random bytes, base64url (256 bits, no characters needing URL escapes). */
const newPassword = (): string => randomBytes(32).toString('base64url')

async function existingPassword(file: string): Promise<string | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'))
    const password = (parsed as { password?: unknown }).password
    return typeof password === 'string' && password.length >= 32 ? password : undefined
  } catch {
    return undefined
  }
}

/**
 * Writes `<secretsDir>/amqp.json` (mode 0600) for one broker user and returns its credentials.
 * The password is generated once and kept: re-provisioning reuses it, so running services and
 * the broker never disagree. Location fields are rewritten every time.
 */
export async function writeBrokerCredentials(
  secretsDir: string,
  location: Omit<BrokerCredentials, 'password'>,
): Promise<BrokerCredentials> {
  const file = join(secretsDir, SECRET_FILES.amqp)
  const credentials: BrokerCredentials = {
    ...location,
    password: (await existingPassword(file)) ?? newPassword(),
  }
  await mkdir(secretsDir, { recursive: true, mode: 0o700 })
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 })
  await chmod(file, 0o600)
  return credentials
}
