import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check, type Denial } from '../gateway-context.ts'
import { JsonGuard, JsonLimitExceeded, type JsonLimit } from '../json-guard.ts'

const LIMIT_REASONS: Readonly<Record<JsonLimit, string>> = {
  size: GATEWAY_REASONS.bodyTooLarge,
  depth: GATEWAY_REASONS.jsonDepth,
  keys: GATEWAY_REASONS.jsonKeys,
  array: GATEWAY_REASONS.jsonArray,
  string: GATEWAY_REASONS.jsonString,
}

const JSON_MEDIA_TYPE = /^application\/json\s*(?:;\s*charset=utf-8\s*)?$/i

function limitDenial(err: JsonLimitExceeded): Denial {
  const problem =
    err.limit === 'size'
      ? new GatewayProblems.BodyTooLarge(err.message)
      : new GatewayProblems.JsonThreat(err.message)
  return deny(LIMIT_REASONS[err.limit], problem)
}

/**
 * JSON threat protection, measured while the body streams in (only after the caller is
 * authenticated, so anonymous clients cannot make the gateway read bodies at all): a declared
 * `Content-Length` over the limit is refused before reading; otherwise each chunk goes through
 * the {@link JsonGuard} and the first limit crossed stops the read. Only `application/json`
 * bodies are accepted; a body within every limit must also parse.
 */
export const readJsonBody: Check = async (ctx) => {
  const { request, api } = ctx
  if (!api) throw new TypeError('readJsonBody runs after resolveApi')
  const declared = request.headers['content-length']
  const chunked = request.headers['transfer-encoding'] !== undefined
  if (!chunked && (declared === undefined || declared === '0')) return undefined
  const type = request.headers['content-type']
  if (type === undefined || !JSON_MEDIA_TYPE.test(type)) {
    return deny(GATEWAY_REASONS.unsupportedMediaType, new GatewayProblems.UnsupportedMediaType())
  }
  if (declared !== undefined && Number(declared) > api.json.maxBytes) {
    return deny(GATEWAY_REASONS.bodyTooLarge, new GatewayProblems.BodyTooLarge())
  }
  const guard = new JsonGuard(api.json)
  const chunks: Buffer[] = []
  try {
    for await (const chunk of request.raw) {
      guard.write(chunk as Buffer)
      chunks.push(chunk as Buffer)
    }
  } catch (err) {
    if (err instanceof JsonLimitExceeded) {
      // Stop reading; the connection is closed after the answer so the rest is never read.
      ctx.reply.header('connection', 'close')
      return limitDenial(err)
    }
    throw err
  }
  const body = Buffer.concat(chunks)
  try {
    JSON.parse(body.toString('utf8'))
  } catch {
    return deny(GATEWAY_REASONS.jsonMalformed, new GatewayProblems.JsonMalformed())
  }
  ctx.body = body
  return undefined
}
