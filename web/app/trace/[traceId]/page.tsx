'use client'
import { useParams } from 'next/navigation'
import { Loading, ProblemMessage, useApi, when } from '../../components/hooks'
import '../trace.css'
import { hopsOf, workloadName, type Hop, type TraceSpan } from '../trace-model'

function HopCard({ hop, index }: { hop: Hop; index: number }) {
  const refused = hop.status !== undefined && hop.status >= 400
  return (
    <li className={`panel trace-hop${refused ? ' refused' : ''}`} data-testid="trace-hop">
      <p className="small muted">
        {index + 1}. {hop.kind === 'message' ? 'message' : 'request'} · {hop.durationMs} ms
        {hop.status === undefined ? '' : ` · ${hop.status}`}
      </p>
      <h2 className="trace-route">
        <span data-testid="hop-caller" title={hop.caller}>
          {hop.caller ? workloadName(hop.caller) : 'outside'}
        </span>{' '}
        →{' '}
        <span data-testid="hop-callee" title={hop.callee}>
          {workloadName(hop.callee)}
        </span>{' '}
        <code>{hop.name}</code>
      </h2>
      <dl className="trace-facts">
        <dt>certificate</dt>
        <dd data-testid="hop-certificate">
          {hop.caller ?? 'no client certificate'} → {hop.callee}
        </dd>
        {hop.claims.map((c) => (
          <div key={c.label} className="trace-fact" data-testid={`claim-${c.label.split(' ')[0]}`}>
            <dt>{c.label}</dt>
            <dd>{c.value}</dd>
          </div>
        ))}
        {hop.envelope.map((c) => (
          <div
            key={c.label}
            className="trace-fact"
            data-testid={`envelope-${c.label.replace(' ', '-')}`}
          >
            <dt>{c.label}</dt>
            <dd>{c.value}</dd>
          </div>
        ))}
      </dl>
      {hop.decisions.length > 0 ? (
        <ul className="plain small" aria-label="decisions">
          {hop.decisions.map((d, i) => (
            <li key={i} data-testid="hop-decision">
              <span className={`badge ${d.decision === 'allow' ? 'paid' : 'cancelled'}`}>
                {d.decision}
              </span>{' '}
              <code>{d.reason}</code>
              {d.boundary ? <span className="muted"> · {d.boundary}</span> : null}
              {d.policy ? <span className="muted"> · {d.policy}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {hop.refusal ? (
        <p className="problem small" data-testid="hop-refusal">
          refused: <code>{hop.refusal}</code>
        </p>
      ) : null}
    </li>
  )
}

export default function TracePage() {
  const { traceId } = useParams<{ traceId: string }>()
  const trace = useApi<{ traceId: string; spans: TraceSpan[] }>(
    `/api/traces/${encodeURIComponent(traceId)}`,
  )
  return (
    <>
      <p className="small">
        <a href="/trace">← Your recent requests</a>
      </p>
      <h1>Trust trace</h1>
      <p className="muted small">
        Trace {traceId}: every retail hop as it proved itself — who called whom with which
        certificate and token, and what each service decided. The card vault and the shipping
        partner keep their own traces; their hops show here as retail saw them.
      </p>
      {trace.status === 'loading' ? <Loading what="Loading the trace…" /> : null}
      {trace.status === 'error' ? <ProblemMessage problem={trace.problem} /> : null}
      {trace.status === 'ok' ? (
        <>
          <p className="small">
            {trace.data.spans.length} hops · started{' '}
            {when(trace.data.spans[0]?.startTime ?? new Date().toISOString())}
          </p>
          <ol className="plain trace-timeline" data-testid="trace-timeline">
            {hopsOf(trace.data.spans).map((hop, i) => (
              <HopCard key={hop.spanId} hop={hop} index={i} />
            ))}
          </ol>
        </>
      ) : null}
    </>
  )
}
