import { money } from './hooks'

/** Lines of an order: product, quantity, line price. */
export function ItemsTable({
  items,
  currency,
}: {
  items: { sku: string; name?: string; quantity: number; priceCents: number }[]
  currency?: string
}) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Product</th>
          <th scope="col">Quantity</th>
          <th scope="col">Price</th>
        </tr>
      </thead>
      <tbody>
        {items.map((i) => (
          <tr key={i.sku}>
            <td>{i.name ?? i.sku}</td>
            <td>{i.quantity}</td>
            <td>{money(i.priceCents * i.quantity, currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
