/** `pnpm start`: the whole stack in the foreground; Ctrl-C stops everything it started. */
import { stackPaths } from '@mythical/stack'
import { runForeground } from '../runner/run-foreground.ts'

process.exit(await runForeground(stackPaths()))
