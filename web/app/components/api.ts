'use client'
/**
 * The pages' only way to the shop: same-origin calls to the BFF's `/api/*` (the session cookie
 * goes along; no token ever reaches this code). A problem+json answer becomes an `ApiProblem`.
 */
export class ApiProblem extends Error {
  readonly status: number
  readonly code: string
  readonly traceId: string | undefined
  constructor(
    status: number,
    body: { title?: string; detail?: string; code?: string; traceId?: string },
  ) {
    super(body.detail ?? body.title ?? 'Something went wrong.')
    this.status = status
    this.code = body.code ?? 'ZT_ERR_UNKNOWN'
    this.traceId = body.traceId
  }
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, {
    ...init,
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...init.headers },
  })
  const body = (await response.json().catch(() => ({}))) as T & { title?: string }
  if (!response.ok) throw new ApiProblem(response.status, body)
  return body
}
