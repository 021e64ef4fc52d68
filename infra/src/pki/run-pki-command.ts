import type { StackPaths } from '@mythical/stack'
import { ensurePki } from './ensure-pki.ts'

/** Where the command writes: `process.stdout`/`process.stderr`, or a capture in tests. */
export interface CommandOutput {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
}

/**
 * `pnpm pki` without the process around it: runs {@link ensurePki} on `paths`, prints what was
 * issued and renewed (by name) and how much was kept, and returns the exit code. A failure is one
 * line on stderr naming the PKI folder, the cause and its stable code, and exit code 1.
 *
 * @example
 * ```ts
 * process.exitCode = await runPkiCommand(stackPaths(), process)
 * ```
 */
export async function runPkiCommand(paths: StackPaths, output: CommandOutput): Promise<number> {
  try {
    const { issued, renewed, kept } = await ensurePki(paths)
    const listed = (label: string, items: string[]) =>
      `${label.padEnd(8)} ${String(items.length).padStart(2)}${items.length ? `  ${items.join(', ')}` : ''}`
    output.stdout.write(
      [
        `PKI in ${paths.pki}, secrets in ${paths.secrets('')}`,
        listed('issued', issued),
        listed('renewed', renewed),
        `kept     ${String(kept.length).padStart(2)}  (still valid)`,
        '',
      ].join('\n'),
    )
    return 0
  } catch (error) {
    const code = (error as { code?: unknown }).code
    const reason = error instanceof Error ? error.message : String(error)
    output.stderr.write(
      `pki: failed to set up ${paths.pki}: ${reason}${code ? ` (${String(code)})` : ''}\n`,
    )
    return 1
  }
}
