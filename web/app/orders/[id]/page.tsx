'use client'
import { useParams } from 'next/navigation'
import { Loading, ProblemMessage, money, useApi } from '../../components/hooks'
import { ItemsTable } from '../../components/items-table'

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
  if (order.status === 'loading') return <Loading />
  if (order.status === 'error') return <ProblemMessage problem={order.problem} />
  const o = order.data
  return (
    <>
      <h1>Order {o.id}</h1>
      <p>
        Status: {o.status} · placed {new Date(o.createdAt).toLocaleString()}
      </p>
      <ItemsTable items={o.items} currency={o.currency} />
      <p>
        Total {money(o.totalCents, o.currency)} · paid with {o.card.brand} ending {o.card.last4}
      </p>
      <p className="muted">Trace {o.traceId}</p>
    </>
  )
}
