/** `pnpm stack:status`: health, pid and resident memory of every service; non-zero if any is down. */
import { stackPaths } from '@mythical/stack'
import { stackStatus } from '../runner/stack-status.ts'

process.exit(await stackStatus(stackPaths(), { log: (line) => console.log(line) }))
