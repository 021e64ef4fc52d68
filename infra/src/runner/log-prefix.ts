/**
 * `[name] line` output of `pnpm start`: each service's stdout and stderr, line by line, behind
 * its name padded to a common width, in a colour of its own when the terminal supports colour.
 */
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { styleText } from 'node:util'

const COLOURS = ['cyan', 'green', 'yellow', 'blue', 'magenta', 'red'] as const

/**
 * A prefix function for `names`.
 *
 * @example prefixer(['idp', 'gateway'], process.stdout)('idp') // '[idp]    ' (cyan on a TTY)
 */
export function prefixer(names: readonly string[], out: Writable & { isTTY?: boolean }) {
  const width = Math.max(...names.map((n) => n.length)) + 2
  return (name: string): string => {
    const index = names.indexOf(name)
    const label = `[${name}]`.padEnd(width)
    if (index < 0) return label
    // styleText drops the escape codes itself when `out` is not a colour terminal or NO_COLOR is set.
    return styleText(COLOURS[index % COLOURS.length] ?? 'cyan', label, { stream: out })
  }
}

/** Copies `input` to `out` line by line, each line behind `prefix`. */
export function pipeWithPrefix(input: Readable, prefix: string, out: Writable): void {
  createInterface({ input, crlfDelay: Infinity }).on('line', (line) => {
    out.write(`${prefix} ${line}\n`)
  })
}
