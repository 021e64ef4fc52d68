/**
 * `POST /v1/traces`: OTLP/HTTP from retail workloads, binary protobuf (what they send, the
 * standard's default) or JSON, answered in the encoding it came in. The credential is the workload
 * certificate alone (the mTLS listener trusts the retail CA only; the route admits the callers
 * of trace-store in the call graph, audited by the kit's peer identity check). The spans are
 * recorded as exported by the peer's certificate identity, never by what the payload claims.
 *
 * @module
 */
import { Unauthenticated } from '@mythical/problem'
import type { FastifyPluginAsync } from 'fastify'
import type { Pool } from 'pg'
import { exportRequestOfProtobuf, OTLP_PROTOBUF } from '../otlp-protobuf.ts'
import { spansOfExportRequest } from '../otlp-spans.ts'
import { appendSpans } from '../span-store.ts'

/** Options of {@link ingestRoutes}. */
export interface IngestRoutesOptions {
  readonly pool: Pool
  /** SPIFFE ids of the workloads that may export. */
  readonly exporters: readonly string[]
}

/** A batch of at most 2048 spans with their events fits well within this. */
const BODY_LIMIT = 4 * 1024 * 1024

/** `ExportTraceServiceResponse` with nothing rejected: `{}` in JSON, no bytes in protobuf. */
const ACCEPTED_PROTOBUF = Buffer.alloc(0)

export const ingestRoutes: FastifyPluginAsync<IngestRoutesOptions> = async (app, opts) => {
  app.addContentTypeParser(
    OTLP_PROTOBUF,
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
    (_request, body, done) => {
      try {
        done(null, exportRequestOfProtobuf(body as Buffer))
      } catch (error) {
        done(error as Error)
      }
    },
  )
  app.post(
    '/v1/traces',
    { config: { allowedCallers: opts.exporters }, bodyLimit: BODY_LIMIT },
    async (request, reply) => {
      if (request.peerId === undefined) throw new Unauthenticated()
      const spans = spansOfExportRequest(request.body)
      const db = await opts.pool.connect()
      try {
        await appendSpans(db, request.peerId, spans)
      } finally {
        db.release()
      }
      return request.headers['content-type']?.toLowerCase().startsWith(OTLP_PROTOBUF)
        ? reply.code(200).type(OTLP_PROTOBUF).send(ACCEPTED_PROTOBUF)
        : reply.code(200).send({})
    },
  )
}
