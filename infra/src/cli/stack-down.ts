/**
 * `pnpm stack:down [--infrastructure]`: stops the detached stack. PostgreSQL and RabbitMQ are
 * stopped when `stack:up` started them, or always with `--infrastructure`.
 */
import { parseArgs } from 'node:util'
import { stackPaths } from '@mythical/stack'
import { stackDown } from '../runner/stack-down.ts'

const { values } = parseArgs({ options: { infrastructure: { type: 'boolean', default: false } } })

process.exit(
  await stackDown(stackPaths(), {
    log: (line) => console.log(line),
    infrastructure: values.infrastructure ? 'all' : 'owned',
  }),
)
