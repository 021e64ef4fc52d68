'use client'
import { Loading, ProblemMessage, money, shortId, useApi, when } from '../components/hooks'

interface Order {
  id: string
  status: string
  totalCents: number
  currency: string
  createdAt: string
}

export default function OrdersPage() {
  const orders = useApi<{ orders: Order[] }>('/api/orders')
  return (
    <>
      <h1>Your orders</h1>
      {orders.status === 'loading' ? <Loading what="Loading your orders…" /> : null}
      {orders.status === 'error' ? <ProblemMessage problem={orders.problem} /> : null}
      {orders.status === 'ok' && orders.data.orders.length === 0 ? (
        <p>
          No orders yet. <a href="/">Start shopping</a>.
        </p>
      ) : null}
      {orders.status === 'ok' && orders.data.orders.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Status</th>
              <th scope="col">Total</th>
              <th scope="col">Placed</th>
            </tr>
          </thead>
          <tbody>
            {orders.data.orders.map((o) => (
              <tr key={o.id}>
                <td>
                  <a href={`/orders/${encodeURIComponent(o.id)}`}>{shortId(o.id)}</a>
                </td>
                <td>
                  <span className={`badge ${o.status}`}>{o.status}</span>
                </td>
                <td>{money(o.totalCents, o.currency)}</td>
                <td>{when(o.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  )
}
