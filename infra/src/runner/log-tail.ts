import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StackPaths } from '@mythical/stack'

/** `.stack/logs/<name>.log`, where a detached service writes stdout and stderr. */
export const logFile = (paths: StackPaths, name: string): string => join(paths.logs, `${name}.log`)

/** Longer lines (JSON logs with stack traces) are cut so the tail fits on a screen. */
const MAX_LINE = 400

/**
 * The last `lines` lines of a service's log ('' when there is none), each cut at 400 characters,
 * for the failure report of `stack:up`.
 */
export function logTail(paths: StackPaths, name: string, lines = 20): string {
  let text: string
  try {
    text = readFileSync(logFile(paths, name), 'utf8')
  } catch {
    return ''
  }
  return text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)} …` : line))
    .join('\n')
}
