'use client'
import { useParams } from 'next/navigation'
import { Loading, ProblemMessage, money, shortId, useApi, when } from '../../components/hooks'
import { ItemsTable } from '../../components/items-table'
import { ParcelTracking } from './parcel-tracking'

interface OrderDetail {
  id: string
  status: string
  totalCents: number
  currency: string
  createdAt: string
  traceId: string
  items: { sku: string; quantity: number; priceCents: number }[]
  card: { brand: string; last4: string }
}

export default function OrderPage() {
  const { id } = useParams<{ id: string }>()
  const order = useApi<OrderDetail>(`/api/orders/${encodeURIComponent(id)}`)
  // Orders name their products by SKU; the catalogue gives the names (the SKU when it cannot).
  const catalogue = useApi<{ products: { sku: string; name: string }[] }>('/api/products')
  const nameOf = (sku: string) =>
    catalogue.status === 'ok' ? catalogue.data.products.find((p) => p.sku === sku)?.name : undefined
  if (order.status === 'loading')
    return (
      <>
        <h1>Your order</h1>
        <Loading what="Loading your order…" />
      </>
    )
  if (order.status === 'error')
    return (
      <>
        <h1>Your order</h1>
        <ProblemMessage problem={order.problem} />
        <p>
          <a href="/orders">All your orders</a>
        </p>
      </>
    )
  const o = order.data
  return (
    <>
      <p className="small">
        <a href="/orders">← All your orders</a>
      </p>
      <h1>Order {shortId(o.id)}</h1>
      <p>
        <span className={`badge ${o.status}`}>{o.status}</span> · placed {when(o.createdAt)}
      </p>
      <div className="checkout">
        <section aria-labelledby="order-items">
          <h2 id="order-items">Items</h2>
          <ItemsTable
            items={o.items.map((item) => ({ ...item, name: nameOf(item.sku) }))}
            currency={o.currency}
          />
          <p>
            Total <strong className="price">{money(o.totalCents, o.currency)}</strong> · paid with{' '}
            {o.card.brand} ending {o.card.last4}
          </p>
          <p className="muted small">
            Order {o.id} · trace {o.traceId}
          </p>
          {o.traceId ? (
            <p>
              <a href={`/trace/${encodeURIComponent(o.traceId)}`}>
                See the trust trace of this order
              </a>
            </p>
          ) : null}
        </section>
        <ParcelTracking orderId={o.id} />
      </div>
    </>
  )
}
