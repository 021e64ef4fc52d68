/**
 * An internet client of the gateway with its own source address. Playwright's `request` fixture
 * always connects from 127.0.0.1, but the gateway keys its IP lists and its feedback loop by the
 * client address: each test calls from its own loopback address (all of 127.0.0.0/8 is local on
 * Linux), so one test's authentication failures never block the next one, and the deny list can
 * be proven with a real denied source address. TLS is verified against the retail CA.
 */
import { randomInt } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Agent, request as httpsRequest } from 'node:https'
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { text as readText } from 'node:stream/consumers'
import { stackPaths } from '@mythical/stack'

/** The gateway's public origin (public contract): what a DPoP proof's `htu` names. */
export const GATEWAY_ORIGIN = 'https://localhost:8443'
const GATEWAY_PORT = 8443

/** Read on first use: the PKI may only be created by the global set-up's `stack:up`. */
let retailCa: string | undefined
const trustedCa = () => (retailCa ??= readFileSync(stackPaths().caCert('retail'), 'utf8'))

export interface EdgeResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
  json<T = Record<string, unknown>>(): T
}

export interface EdgeRequest {
  readonly method?: string
  /** Path and query at the gateway, e.g. `/shopping/products`. */
  readonly path: string
  readonly headers?: Record<string, string>
  readonly body?: string | Buffer
}

/**
 * A client of the gateway calling from `sourceAddress` (a 127.x.y.z address), its TLS
 * connections kept alive between requests like a real client's. `close()` ends them.
 */
export class EdgeClient {
  readonly sourceAddress: string
  readonly #agent: Agent
  constructor(sourceAddress: string) {
    this.sourceAddress = sourceAddress
    this.#agent = new Agent({
      keepAlive: true,
      localAddress: sourceAddress,
      ca: trustedCa(),
      servername: 'localhost',
    })
  }

  close(): void {
    this.#agent.destroy()
  }

  /**
   * Opens one request and leaves its body open: write to `body`, end
   * it (or not — a client that never finishes is part of the threat model) and await `response`.
   */
  open(req: Omit<EdgeRequest, 'body'>): { body: ClientRequest; response: Promise<EdgeResponse> } {
    const body = httpsRequest({
      host: '127.0.0.1',
      port: GATEWAY_PORT,
      servername: 'localhost',
      agent: this.#agent,
      method: req.method ?? 'GET',
      path: req.path,
      headers: { host: `localhost:${GATEWAY_PORT}`, ...req.headers },
    })
    const response = new Promise<EdgeResponse>((resolve, reject) => {
      body.on('error', reject)
      body.on('response', (res: IncomingMessage) => {
        readText(res).then((text) => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          })
        }, reject)
      })
    })
    return { body, response }
  }

  /** One whole request. */
  send(req: EdgeRequest): Promise<EdgeResponse> {
    const { body, response } = this.open(req)
    body.end(req.body)
    return response
  }
}

/**
 * This run's loopback block, 127.<run>.0.0/16 (`<run>` ≥ 1, so never the policy file's
 * 127.0.0.66), drawn once by the global set-up and inherited by every worker — also by one
 * Playwright restarts after a failure. A second run against the same gateway does not inherit
 * the first run's counters or blocks.
 */
const runOctet = Number(process.env.E2E_SOURCE_OCTET ?? randomInt(1, 255))
const used = new Set<string>()

/** Draws this run's source octet; the global set-up calls it before any worker starts. */
export function chooseRunSourceBlock(): void {
  process.env.E2E_SOURCE_OCTET = String(randomInt(1, 255))
}

/** Whether `address` belongs to this run's block. */
export const isThisRunsAddress = (address: string): boolean =>
  address.startsWith(`127.${runOctet}.`)

/** A loopback address of this run's block that this worker has not used yet. */
export function freshSourceAddress(): string {
  for (;;) {
    const address = `127.${runOctet}.${randomInt(0, 256)}.${randomInt(1, 255)}`
    if (used.has(address)) continue
    used.add(address)
    return address
  }
}
