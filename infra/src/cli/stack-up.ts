/** `pnpm stack:up`: the whole stack, detached; exits 0 once every service is ready. */
import { stackPaths } from '@mythical/stack'
import { stackUp } from '../runner/stack-up.ts'

process.exit(await stackUp(stackPaths(), { log: (line) => console.log(line) }))
