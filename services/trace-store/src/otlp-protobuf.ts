/**
 * OTLP/HTTP binary protobuf (`application/x-protobuf`, the standard's default encoding and the
 * one retail workloads export with) → the same `ExportTraceServiceRequest` object model as
 * OTLP/JSON, so one validator (`otlp-spans.ts`) reads both. protobufjs decodes against the
 * opentelemetry-proto messages (`proto/otlp-trace.proto`); ids stay bytes here and become hex in
 * the validator, 64-bit integers become decimal strings, as in OTLP/JSON.
 *
 * @module
 */
import { fileURLToPath } from 'node:url'
import { ValidationFailed } from '@mythical/problem'
import protobuf from 'protobufjs'

/** The media type of an OTLP/HTTP protobuf request and of its response. */
export const OTLP_PROTOBUF = 'application/x-protobuf'

const schema = fileURLToPath(new URL('../proto/otlp-trace.proto', import.meta.url))
const request = protobuf
  .loadSync(schema)
  .lookupType('opentelemetry.proto.ExportTraceServiceRequest')

/**
 * The export request a protobuf body holds.
 *
 * @throws `ValidationFailed` (400) for a body that is not a protobuf `ExportTraceServiceRequest`
 *   (the decoder's own message is not echoed: it can quote the payload).
 */
export function exportRequestOfProtobuf(body: Uint8Array): unknown {
  try {
    return request.toObject(request.decode(body), { longs: String, enums: Number })
  } catch {
    throw new ValidationFailed('body must be a protobuf ExportTraceServiceRequest')
  }
}
