import type { ReactNode } from 'react'
import { DataTable } from './data-table'
import { money } from './hooks'

/** One line of an order or of the cart. */
export interface ItemLine {
  sku: string
  name?: string
  quantity: number
  priceCents: number
}

/**
 * Lines of an order or of the cart: product, quantity, line price. The cart passes what differs:
 * its quantity stepper and a total row.
 */
export function ItemsTable<Line extends ItemLine>({
  items,
  currency,
  quantityCell = (line) => line.quantity,
  footer,
}: {
  items: readonly Line[]
  currency?: string
  /** What the quantity column shows for a line; default the number. */
  quantityCell?: (line: Line) => ReactNode
  /** Rows below the lines, e.g. the total. */
  footer?: ReactNode
}) {
  return (
    <DataTable columns={['Product', 'Quantity', 'Price']} footer={footer}>
      {items.map((line) => (
        <tr key={line.sku}>
          <td>{line.name ?? line.sku}</td>
          <td>{quantityCell(line)}</td>
          <td>{money(line.priceCents * line.quantity, currency)}</td>
        </tr>
      ))}
    </DataTable>
  )
}
