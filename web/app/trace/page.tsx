'use client'
import { Loading, ProblemMessage, useApi, when } from '../components/hooks'
import './trace.css'
import { workloadName, type TraceSummary } from './trace-model'

export default function RecentTracesPage() {
  const traces = useApi<{ traces: TraceSummary[] }>('/api/traces')
  return (
    <>
      <h1>Your recent requests</h1>
      <p className="muted small">
        Each request you made, as the shop&apos;s services traced it. Open one to see every hop.
      </p>
      {traces.status === 'loading' ? <Loading what="Loading your requests…" /> : null}
      {traces.status === 'error' ? <ProblemMessage problem={traces.problem} /> : null}
      {traces.status === 'ok' ? (
        traces.data.traces.length === 0 ? (
          <p className="muted">No traced requests yet.</p>
        ) : (
          <ul className="plain" data-testid="recent-traces">
            {traces.data.traces.map((t) => (
              <li key={t.traceId} data-testid="recent-trace" data-trace-id={t.traceId}>
                <a href={`/trace/${t.traceId}`}>
                  <code>{t.name}</code>
                </a>{' '}
                <span className="muted small">
                  {when(t.startTime)} · {t.spanCount} hops · first {workloadName(t.workloadId)}
                </span>
                {t.refusal ? (
                  <span className="problem small" data-testid="recent-refusal">
                    {' '}
                    refused by <strong>{workloadName(t.refusal.workloadId)}</strong>:{' '}
                    <code>{t.refusal.reason}</code>
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        )
      ) : null}
    </>
  )
}
