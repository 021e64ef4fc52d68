/**
 * A minimal HTTPS client for the tests: trusts the retail CA only (verification stays on),
 * optionally presents a workload certificate, never follows redirects, keeps cookies per jar.
 */
import { readFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { join } from 'node:path'
import { SECRET_FILES, type TrustDomain } from '@mythical/stack'
import { paths } from './stack.ts'

export interface Response {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json<T = Record<string, unknown>>(): T
}

/** Client certificate of a workload, read from its secrets folder. */
export function workloadCert(service: string): { cert: string; key: string } {
  const dir = paths.secrets(service)
  return {
    cert: readFileSync(join(dir, SECRET_FILES.tlsCert), 'utf8'),
    key: readFileSync(join(dir, SECRET_FILES.tlsKey), 'utf8'),
  }
}

/** The CA a server's certificate must chain to: the retail one unless the request names another. */
const caOf = (domain: TrustDomain) => readFileSync(paths.caCert(domain), 'utf8')

/** Cookies by name, updated from `set-cookie`. */
export class CookieJar {
  readonly cookies = new Map<string, string>()
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
  update(setCookie: string | string[] | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      const [pair = ''] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }
}

export interface RequestOptions {
  method?: string
  headers?: Record<string, string>
  /** Form fields (sent urlencoded). */
  form?: Record<string, string>
  jar?: CookieJar
  /** Present this workload's certificate. */
  as?: string
  /** Send from this local address (e.g. `127.0.0.2`: another client address on loopback). */
  localAddress?: string
  /** Trust domain of the server (its CA anchors TLS): `shipping` for the partner; default retail. */
  trust?: TrustDomain
}

/** One HTTPS request. */
export function request(url: string, opts: RequestOptions = {}): Promise<Response> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined
  const headers: Record<string, string> = { ...opts.headers }
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
  if (opts.jar && opts.jar.cookies.size > 0) headers.cookie = opts.jar.header()
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        ca: caOf(opts.trust ?? 'retail'),
        agent: false,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
        ...(opts.as ? workloadCert(opts.as) : {}),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          opts.jar?.update(res.headers['set-cookie'])
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          })
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}
