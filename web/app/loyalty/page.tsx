'use client'
import { Loading, ProblemMessage, shortId, useApi, when } from '../components/hooks'

export default function LoyaltyPage() {
  const loyalty = useApi<{
    points: number
    history: { orderId: string | null; points: number; at: string }[]
  }>('/api/loyalty')
  const recommendations = useApi<{ products: { sku: string; name: string; reason: string }[] }>(
    '/api/recommendations',
  )
  return (
    <>
      <h1>Loyalty</h1>
      <div className="checkout">
        <section aria-labelledby="points-heading" className="panel">
          <h2 id="points-heading">Your points</h2>
          {loyalty.status === 'loading' ? <Loading what="Loading your points…" /> : null}
          {loyalty.status === 'error' ? <ProblemMessage problem={loyalty.problem} /> : null}
          {loyalty.status === 'ok' ? (
            <>
              <p className="points" data-testid="loyalty-points">
                <strong>{loyalty.data.points}</strong> points
              </p>
              {loyalty.data.history.length === 0 ? (
                <p className="muted">No points earned yet: every order earns points.</p>
              ) : (
                <ul className="plain">
                  {loyalty.data.history.map((h) => (
                    <li key={`${h.orderId ?? 'bonus'}-${h.at}`}>
                      +{h.points}{' '}
                      {h.orderId ? (
                        <>
                          for order{' '}
                          <a href={`/orders/${encodeURIComponent(h.orderId)}`}>
                            {shortId(h.orderId)}
                          </a>
                        </>
                      ) : (
                        'welcome bonus'
                      )}{' '}
                      <span className="muted">on {when(h.at)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </>
          ) : null}
        </section>
        <section aria-labelledby="recommendations-heading">
          <h2 id="recommendations-heading">Recommended for you</h2>
          {recommendations.status === 'loading' ? <Loading what="Finding ideas for you…" /> : null}
          {recommendations.status === 'error' ? (
            <ProblemMessage problem={recommendations.problem} />
          ) : null}
          {recommendations.status === 'ok' ? (
            recommendations.data.products.length === 0 ? (
              <p className="muted">No recommendations yet: they follow what you buy.</p>
            ) : (
              <ul className="plain" data-testid="recommendations">
                {recommendations.data.products.map((p) => (
                  <li key={p.sku}>
                    <strong>{p.name}</strong> <span className="muted">— {p.reason}</span>
                  </li>
                ))}
              </ul>
            )
          ) : null}
        </section>
      </div>
    </>
  )
}
