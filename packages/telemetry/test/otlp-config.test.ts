/**
 * The OpenTelemetry standard variables of the export, validated once: no endpoint, no tracing;
 * protobuf unless the protocol variables say JSON (the traces-specific one first); anything else
 * stops the start-up instead of exporting in an encoding nobody asked for.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '@mythical/config'
import { otlpExportOf } from '../src/config.ts'

const endpoint = 'https://127.0.0.1:7110'

describe('otlpExportOf', () => {
  it('is off without an endpoint, or with an empty one', () => {
    assert.equal(otlpExportOf({}), undefined)
    assert.equal(otlpExportOf({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }), undefined)
  })

  it('exports OTLP/HTTP protobuf by default, as the standard says', () => {
    assert.deepEqual(otlpExportOf({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }), {
      endpoint,
      protocol: 'http/protobuf',
    })
  })

  it('takes the traces protocol before the general one', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }
    assert.equal(otlpExportOf(env)?.protocol, 'http/json')
    assert.equal(
      otlpExportOf({ ...env, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' })?.protocol,
      'http/protobuf',
    )
  })

  it('refuses grpc and unknown protocols, and an endpoint that is not https', () => {
    for (const env of [
      { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'json' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
    ]) {
      assert.throws(() => otlpExportOf(env), ConfigError)
    }
  })
})
