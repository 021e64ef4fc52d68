/** The subset of the Compose Specification this generator writes. */

export interface VolumeMount {
  readonly type: 'volume' | 'bind'
  readonly source: string
  readonly target: string
  readonly read_only: boolean
}

export interface ComposeService {
  readonly image: string
  readonly build?: { readonly context: string; readonly dockerfile: string }
  readonly command?: readonly string[]
  readonly user: string
  readonly read_only: true
  readonly tmpfs: readonly string[]
  readonly cap_drop: readonly ['ALL']
  readonly security_opt: readonly ['no-new-privileges:true']
  readonly mem_limit?: string
  readonly environment?: Readonly<Record<string, string>>
  readonly volumes: readonly VolumeMount[]
  readonly ports?: readonly string[]
  readonly expose?: readonly string[]
  readonly healthcheck?: {
    readonly test: readonly string[]
    readonly interval: string
    readonly timeout: string
    readonly retries: number
    readonly start_period: string
  }
  readonly depends_on?: Readonly<
    Record<string, { readonly condition: 'service_healthy' | 'service_completed_successfully' }>
  >
  readonly restart?: string
}

export interface ComposeDocument {
  readonly services: Readonly<Record<string, ComposeService>>
  readonly volumes: Readonly<Record<string, Record<string, never>>>
}
