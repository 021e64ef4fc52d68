'use client'
import { Loading, ProblemMessage, useApi } from '../components/hooks'

export default function LoyaltyPage() {
  const loyalty = useApi<{
    points: number
    history: { orderId: string; points: number; at: string }[]
  }>('/api/loyalty')
  const recommendations = useApi<{ products: { sku: string; name: string; reason: string }[] }>(
    '/api/recommendations',
  )
  return (
    <>
      <h1>Loyalty</h1>
      {loyalty.status === 'loading' ? <Loading /> : null}
      {loyalty.status === 'error' ? <ProblemMessage problem={loyalty.problem} /> : null}
      {loyalty.status === 'ok' ? (
        <>
          <p>
            You have <strong>{loyalty.data.points}</strong> points.
          </p>
          {loyalty.data.history.length === 0 ? (
            <p className="muted">No points earned yet.</p>
          ) : (
            <ul>
              {loyalty.data.history.map((h) => (
                <li key={`${h.orderId}-${h.at}`}>
                  {h.points} points for order {h.orderId} on {new Date(h.at).toLocaleDateString()}
                </li>
              ))}
            </ul>
          )}
        </>
      ) : null}
      <h2>Recommended for you</h2>
      {recommendations.status === 'loading' ? <Loading /> : null}
      {recommendations.status === 'error' ? (
        <ProblemMessage problem={recommendations.problem} />
      ) : null}
      {recommendations.status === 'ok' ? (
        recommendations.data.products.length === 0 ? (
          <p className="muted">No recommendations yet.</p>
        ) : (
          <ul>
            {recommendations.data.products.map((p) => (
              <li key={p.sku}>
                {p.name} <span className="muted">— {p.reason}</span>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </>
  )
}
