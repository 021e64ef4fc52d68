'use client'
import { useEffect, useState, type FormEvent } from 'react'
import { api, ApiProblem } from '../components/api'
import { clearCart, readCart, writeCart, type CartLine } from '../components/cart'
import { ProblemMessage, money } from '../components/hooks'
import { ItemsTable } from '../components/items-table'

/** `12/30` → month 12, year 2030. */
function parseExpiry(value: string): { expMonth: number; expYear: number } | undefined {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(value)
  if (!match) return undefined
  const year = Number(match[2])
  return { expMonth: Number(match[1]), expYear: year < 100 ? 2000 + year : year }
}

/** Cart and checkout. The card number goes to the BFF in the order call only, never stored here. */
export default function CartPage() {
  const [lines, setLines] = useState<CartLine[]>()
  const [problem, setProblem] = useState<ApiProblem>()
  const [busy, setBusy] = useState(false)
  // One key per checkout attempt: a retried click never charges twice.
  const [idempotencyKey] = useState(() => crypto.randomUUID())
  useEffect(() => setLines(readCart()), [])
  const changeQuantity = (line: CartLine, by: number) => {
    writeCart((lines ?? []).map((l) => (l === line ? { ...l, quantity: l.quantity + by } : l)))
    setLines(readCart())
  }
  const total = (lines ?? []).reduce((sum, l) => sum + l.priceCents * l.quantity, 0)
  const currency = lines?.[0]?.currency

  async function checkout(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const expiry = parseExpiry(String(form.get('expiry')))
    setProblem(undefined)
    if (!expiry) {
      setProblem(new ApiProblem(400, { detail: 'Enter the expiry date as MM/YY, e.g. 12/30.' }))
      return
    }
    setBusy(true)
    try {
      const order = await api<{ id: string }>('/api/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify({
          items: (lines ?? []).map((l) => ({ sku: l.sku, quantity: l.quantity })),
          card: {
            number: String(form.get('number')).replace(/\s+/g, ''),
            ...expiry,
            cvc: String(form.get('cvc')),
          },
        }),
      })
      clearCart()
      location.assign(`/orders/${encodeURIComponent(order.id)}`)
    } catch (err) {
      setProblem(
        err instanceof ApiProblem
          ? err
          : new ApiProblem(0, { detail: 'The order could not be sent. Please try again.' }),
      )
      setBusy(false)
    }
  }

  if (!lines) return <h1>Cart</h1>
  if (lines.length === 0)
    return (
      <>
        <h1>Cart</h1>
        <p>
          Your cart is empty. <a href="/">Browse the shop</a>.
        </p>
      </>
    )
  return (
    <>
      <h1>Cart</h1>
      <div className="checkout">
        <section aria-labelledby="items-heading">
          <h2 id="items-heading">Your items</h2>
          <ItemsTable
            items={lines}
            currency={currency}
            quantityCell={(l) => (
              <span className="stepper">
                <button
                  type="button"
                  className="secondary"
                  aria-label={`One ${l.name} less`}
                  onClick={() => changeQuantity(l, -1)}
                >
                  −
                </button>
                <output aria-live="polite">{l.quantity}</output>
                <button
                  type="button"
                  className="secondary"
                  aria-label={`One ${l.name} more`}
                  onClick={() => changeQuantity(l, +1)}
                >
                  +
                </button>
              </span>
            )}
            footer={
              <tr>
                <th scope="row" colSpan={2}>
                  Total
                </th>
                <td className="price">{money(total, currency)}</td>
              </tr>
            }
          />
        </section>
        <section aria-labelledby="pay-heading" className="panel">
          <h2 id="pay-heading">Pay by card</h2>
          <p className="muted small">
            Your card number goes straight to our card vault and is never stored by the shop.
          </p>
          <form onSubmit={checkout}>
            <label>
              Card number
              <input
                name="number"
                inputMode="numeric"
                autoComplete="cc-number"
                required
                pattern="[0-9 ]{12,23}"
              />
            </label>
            <div className="row">
              <label>
                Expiry (MM/YY)
                <input
                  name="expiry"
                  inputMode="numeric"
                  autoComplete="cc-exp"
                  required
                  pattern="\s*[0-9]{1,2}\s*/\s*([0-9]{2}|[0-9]{4})\s*"
                />
              </label>
              <label>
                CVC
                <input
                  name="cvc"
                  inputMode="numeric"
                  autoComplete="cc-csc"
                  required
                  pattern="[0-9]{3,4}"
                />
              </label>
            </div>
            <button type="submit" disabled={busy} className="wide">
              {busy ? 'Placing your order…' : `Place order · ${money(total, currency)}`}
            </button>
          </form>
          {problem ? <ProblemMessage problem={problem} /> : null}
        </section>
      </div>
    </>
  )
}
