/**
 * The Compose CLI this machine has: `docker compose` (v2 plugin) where it exists, else the v1
 * `docker-compose` (Debian 12's package). Both read the same generated docker-compose.yml.
 */
import { DockerToolMissing } from '../docker/errors.ts'
import { run } from '../docker/run.ts'
import { which } from '../docker/which.ts'

/** The command and its leading arguments, e.g. `['docker', 'compose']`. */
export async function composeCommand(env: NodeJS.ProcessEnv): Promise<string[]> {
  const v2 = await run('docker', ['compose', 'version'], { env }).then(
    () => true,
    () => false,
  )
  if (v2) return ['docker', 'compose']
  if (await which('docker-compose')) return ['docker-compose']
  throw new DockerToolMissing(
    'neither `docker compose` (v2) nor `docker-compose` (v1) is installed',
  )
}
