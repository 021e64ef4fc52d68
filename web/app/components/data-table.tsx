import type { ReactNode } from 'react'

/**
 * The pages' one table markup: a header row of column headings (`scope="col"`, so screen readers
 * announce each cell's column), the rows given as children, an optional caption and footer.
 */
export function DataTable({
  columns,
  caption,
  footer,
  children,
}: {
  columns: readonly string[]
  caption?: ReactNode
  /** Rows of a `<tfoot>`, e.g. a total. */
  footer?: ReactNode
  /** The body rows (`<tr>` elements). */
  children: ReactNode
}) {
  return (
    <table>
      {caption ? <caption className="muted small">{caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
      {footer ? <tfoot>{footer}</tfoot> : null}
    </table>
  )
}
