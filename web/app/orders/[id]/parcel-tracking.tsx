'use client'
import { useState } from 'react'
import { Loading, ProblemMessage, useApi, when } from '../../components/hooks'

interface Parcel {
  orderId: string
  status: string
  events: { status: string; at: string }[]
}

/** `label-created` / `in_transit` → `Label created` / `In transit`. */
const statusText = (status: string) => {
  const words = status.replace(/[-_]+/g, ' ').trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/**
 * The parcel as our shipping partner reports it. The BFF exchanges the shopper's token at the
 * partner's IdP and asks the partner's tracking API; no partner token reaches this page.
 */
export function ParcelTracking({ orderId }: { orderId: string }) {
  const [version, setVersion] = useState(0)
  const tracking = useApi<{ parcels?: Parcel[] }>(
    `/api/orders/${encodeURIComponent(orderId)}/tracking`,
    version,
  )
  const parcels = tracking.status === 'ok' ? (tracking.data.parcels ?? []) : []
  // The partner answers 404 until it has a parcel for this order: not an error for the shopper.
  const notYet =
    (tracking.status === 'ok' && parcels.length === 0) ||
    (tracking.status === 'error' && tracking.problem.status === 404)
  return (
    <section aria-labelledby="tracking-heading" className="panel">
      <div className="panel-head">
        <h2 id="tracking-heading">Delivery</h2>
        <button type="button" className="secondary" onClick={() => setVersion((v) => v + 1)}>
          Refresh tracking
        </button>
      </div>
      {tracking.status === 'loading' ? <Loading what="Asking our shipping partner…" /> : null}
      {notYet ? (
        <p role="status" data-testid="tracking-state">
          Not yet shipped. Our shipping partner will show the parcel here once it has it.
        </p>
      ) : null}
      {tracking.status === 'error' && !notYet ? (
        <ProblemMessage problem={tracking.problem} />
      ) : null}
      {parcels.map((parcel, index) => (
        <div key={`${parcel.orderId}-${index}`} className="parcel">
          <p role="status" data-testid="tracking-state">
            Parcel status: <strong>{statusText(parcel.status)}</strong>
          </p>
          <ol className="timeline" aria-label="Parcel events">
            {parcel.events.map((event) => (
              <li key={`${event.status}-${event.at}`}>
                <span>{statusText(event.status)}</span>{' '}
                <time className="muted" dateTime={event.at}>
                  {when(event.at)}
                </time>
              </li>
            ))}
          </ol>
        </div>
      ))}
    </section>
  )
}
