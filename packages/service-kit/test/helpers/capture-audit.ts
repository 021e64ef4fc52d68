import { createAuditLogger, type AuditLogger } from '@mythical/audit'

/** An audit logger whose lines are kept in memory; `records()` returns the decisions only. */
export function captureAudit(service = 'test-service'): {
  audit: AuditLogger
  records: () => Record<string, unknown>[]
  lines: () => Record<string, unknown>[]
} {
  const lines: Record<string, unknown>[] = []
  const audit = createAuditLogger({
    service,
    level: 'warn',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  })
  return {
    audit,
    lines: () => lines,
    records: () => lines.filter((l) => l.audit === true),
  }
}
