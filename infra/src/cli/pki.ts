/**
 * `pnpm pki`: creates or renews the dev PKI under `.stack/` (trust-domain CAs, workload
 * certificates, per-service JWKs) and prints what it issued, renewed and kept. Safe to re-run at
 * any time; `stack:up` runs it as its first step.
 */
import { stackPaths } from '@mythical/stack'
import { runPkiCommand } from '../pki/run-pki-command.ts'

process.exitCode = await runPkiCommand(stackPaths(), process)
