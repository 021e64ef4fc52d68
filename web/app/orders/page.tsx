'use client'
import { Loading, ProblemMessage, money, useApi } from '../components/hooks'

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
      {orders.status === 'loading' ? <Loading /> : null}
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
              <th>Order</th>
              <th>Status</th>
              <th>Total</th>
              <th>Placed</th>
            </tr>
          </thead>
          <tbody>
            {orders.data.orders.map((o) => (
              <tr key={o.id}>
                <td>
                  <a href={`/orders/${encodeURIComponent(o.id)}`}>{o.id}</a>
                </td>
                <td>{o.status}</td>
                <td>{money(o.totalCents, o.currency)}</td>
                <td>{new Date(o.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  )
}
