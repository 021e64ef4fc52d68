import type { Infrastructure } from '@mythical/stack'
import type { StackState } from './bring-up.ts'
import type { StackManifest } from './manifest-file.ts'

/**
 * Infrastructure the stack is responsible for stopping: what this run started, plus what an
 * earlier run recorded as started by the stack (re-running `stack:up` must not disown it).
 */
export function ownedInfrastructure(
  state: StackState,
  previous?: StackManifest,
): Record<Infrastructure, boolean> {
  const owned = { ...state.infrastructureStarted }
  for (const record of previous?.infrastructure ?? []) {
    if (record.startedByStack) owned[record.name] = true
  }
  return owned
}

export const ownedNames = (owned: Record<Infrastructure, boolean>): Infrastructure[] =>
  (Object.keys(owned) as Infrastructure[]).filter((name) => owned[name])
