import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BrokerCredentials } from '@mythical/broker'
import { SECRET_FILES } from '@mythical/stack'

/**
 * Writes `<secretsDir>/amqp.json` (mode 0600) for one broker user: where the broker is and the
 * user name its certificate carries. It holds no secret (the login is the workload certificate,
 * SASL EXTERNAL); 0600 all the same, like every file of a secrets folder. Rewritten every time, so
 * a file from the password era loses its password.
 */
export async function writeBrokerCredentials(
  secretsDir: string,
  credentials: BrokerCredentials,
): Promise<BrokerCredentials> {
  const file = join(secretsDir, SECRET_FILES.amqp)
  await mkdir(secretsDir, { recursive: true, mode: 0o700 })
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 })
  await chmod(file, 0o600)
  return credentials
}
