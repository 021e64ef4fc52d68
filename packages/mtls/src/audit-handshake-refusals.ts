/**
 * The audit trail of an mTLS listener's refused handshakes. A caller without a valid workload
 * certificate is turned away by TLS before any HTTP request exists, so no route, trace or problem
 * document ever sees it: the refusal is recorded here, from the listener's `tlsClientError`.
 *
 * Each record gets a trace of its own (a handshake carries no `traceparent`), the reason per cause
 * ({@link HANDSHAKE_REASONS}), the boundary and the peer's IP address — nothing of the certificate,
 * which Node has already discarded together with the socket.
 *
 * A handshake flood must not flood the log: each listener writes at most `maxRecordsPerWindow`
 * records per window. Past that it writes one `mtls.handshake_refusals_throttled` record, counts
 * the rest by reason, and writes the counts as one warning when the window ends.
 */
import type { Server as NetServer, Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { childTraceparent, type AuditLogger, type AuditRecord } from '@mythical/audit'
import { HANDSHAKE_REASONS, handshakeRefusalReason } from './handshake-refusal-reason.ts'

/** Records a listener writes per window before it only counts, unless told otherwise. */
export const DEFAULT_HANDSHAKE_AUDIT_BUDGET = 20
/** Length of a counting window in milliseconds, unless told otherwise. */
export const DEFAULT_HANDSHAKE_AUDIT_WINDOW_MS = 60_000

/** Options of {@link auditHandshakeRefusals}. */
export interface HandshakeAuditOptions {
  /** The trust boundary the listener guards, when it guards exactly one. */
  boundary?: AuditRecord['boundary']
  /** Records written per window before refusals are only counted (default 20). */
  maxRecordsPerWindow?: number
  /** Window length in milliseconds (default 60 000). */
  windowMs?: number
}

/** The IP address of every accepted TCP connection, kept until the socket is collected. */
type AddressBook = WeakMap<Socket, string>

/**
 * Node destroys a socket whose certificate failed verification before `tlsClientError` fires,
 * and a destroyed socket no longer knows its peer. The plain TCP socket it wraps (`_parent`,
 * undocumented but what Node's TLS server hands every `TLSSocket`) was seen on `connection`.
 */
function peerAddress(socket: TLSSocket, book: AddressBook): string | undefined {
  const parent = (socket as TLSSocket & { _parent?: Socket })._parent
  return socket.remoteAddress ?? (parent ? book.get(parent) : undefined)
}

function assertPositiveInteger(value: number, option: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`"${option}" option must be a positive integer`)
  }
}

/**
 * Audits every handshake `server` refuses (see the module comment). Call it once per listener
 * that demands a client certificate.
 *
 * @example
 * ```ts
 * const server = https.createServer(mtlsServerOptions(identity), handler)
 * auditHandshakeRefusals(server, audit, { boundary: 'TB04' })
 * ```
 */
export function auditHandshakeRefusals(
  server: NetServer,
  audit: AuditLogger,
  opts: HandshakeAuditOptions = {},
): void {
  const budget = opts.maxRecordsPerWindow ?? DEFAULT_HANDSHAKE_AUDIT_BUDGET
  const windowMs = opts.windowMs ?? DEFAULT_HANDSHAKE_AUDIT_WINDOW_MS
  assertPositiveInteger(budget, 'maxRecordsPerWindow')
  assertPositiveInteger(windowMs, 'windowMs')
  const boundary = opts.boundary ? { boundary: opts.boundary } : {}

  const addresses: AddressBook = new WeakMap()
  server.on('connection', (socket: Socket) => {
    if (socket.remoteAddress) addresses.set(socket, socket.remoteAddress)
  })

  let windowEnds = 0
  let written = 0
  const suppressed = new Map<string, number>()
  let windowTimer: NodeJS.Timeout | undefined

  const closeWindow = () => {
    clearTimeout(windowTimer)
    windowTimer = undefined
    if (suppressed.size > 0) {
      audit.logger.warn(
        { handshakeRefusalsNotAudited: Object.fromEntries(suppressed), windowMs },
        'TLS handshake refusals counted, not audited one by one',
      )
      suppressed.clear()
    }
    windowEnds = 0
  }

  const deny = (reason: string, extra: Pick<AuditRecord, 'address'> = {}) => {
    const { traceId } = childTraceparent().context
    audit.decision({ traceId, ...boundary, ...extra, decision: 'deny', reason })
    return traceId
  }

  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    const authorizationError: unknown = socket.authorizationError
    const reason = handshakeRefusalReason(
      err.code,
      typeof authorizationError === 'string' ? authorizationError : undefined,
    )
    if (reason === undefined) return
    const now = Date.now()
    if (now >= windowEnds) {
      closeWindow()
      windowEnds = now + windowMs
      written = 0
    }
    if (written < budget) {
      written += 1
      const address = peerAddress(socket, addresses)
      const traceId = deny(reason, address ? { address } : {})
      audit.logger.info(
        { traceId, tlsError: authorizationError ?? err.code },
        'TLS handshake refused',
      )
      return
    }
    if (suppressed.size === 0) {
      deny(HANDSHAKE_REASONS.throttled)
      // Unref'd: a quiet listener must not keep the process alive just to report a count.
      windowTimer = setTimeout(closeWindow, windowEnds - now).unref()
    }
    suppressed.set(reason, (suppressed.get(reason) ?? 0) + 1)
  })
  server.on('close', closeWindow)
}
