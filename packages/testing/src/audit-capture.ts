/**
 * Audit capture: a destination for `createAuditLogger` that keeps the records the service
 * writes, exactly as they would reach the log (after redaction), for a test to read.
 */
import { Writable } from 'node:stream'
import type { WrittenAuditRecord } from '@mythical/audit'

export interface AuditCapture {
  /** Pass as `createAuditLogger({ destination })`. */
  readonly destination: Writable
  /** Audit records written so far (log lines without the `audit` marker are left out). */
  readonly records: WrittenAuditRecord[]
}

/**
 * @example
 * ```ts
 * const capture = captureAudit()
 * const audit = createAuditLogger({ service: 'idp', level: 'warn', destination: capture.destination })
 * ```
 */
export function captureAudit(): AuditCapture {
  const records: WrittenAuditRecord[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const parsed = JSON.parse(line) as { audit?: unknown }
        if (parsed.audit === true) records.push(parsed as WrittenAuditRecord)
      }
      done()
    },
  })
  return { destination, records }
}
