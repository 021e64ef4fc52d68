import { access, constants } from 'node:fs/promises'
import { delimiter, join } from 'node:path'

/** The first executable named `name` on the PATH (plus the sbin folders root tools live in). */
export async function which(name: string): Promise<string | undefined> {
  const folders = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin']
  for (const folder of folders) {
    if (folder === '') continue
    const candidate = join(folder, name)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}
