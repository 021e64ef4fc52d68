/** Small answers of the BFF's own routes (problem+json, JSON, redirects). */
import type { ServerResponse } from 'node:http'
import { toProblemDocument, problemHeaders } from '@mythical/problem'

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json',
) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}

/** A refusal as RFC 9457 problem+json; never a stack trace. */
export function sendProblem(res: ServerResponse, err: unknown, traceId: string) {
  const document = toProblemDocument(err, { traceId })
  res.writeHead(document.status, {
    ...problemHeaders(err),
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
  })
  res.end(JSON.stringify(document))
}

export function redirect(res: ServerResponse, location: string, cookies: string[] = []) {
  res.writeHead(303, { location, 'cache-control': 'no-store', 'set-cookie': cookies })
  res.end()
}
