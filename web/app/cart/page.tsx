'use client'
import { useEffect, useState, type FormEvent } from 'react'
import { api, ApiProblem } from '../components/api'
import { readCart, writeCart, type CartLine } from '../components/cart'
import { ProblemMessage, money } from '../components/hooks'
import { ItemsTable } from '../components/items-table'

/** Cart and checkout. The card number goes to the BFF in the order call only, never stored here. */
export default function CartPage() {
  const [lines, setLines] = useState<CartLine[]>([])
  const [problem, setProblem] = useState<ApiProblem>()
  const [busy, setBusy] = useState(false)
  // One key per checkout attempt: a retried click never charges twice.
  const [idempotencyKey] = useState(() => crypto.randomUUID())
  useEffect(() => setLines(readCart()), [])
  const total = lines.reduce((sum, l) => sum + l.priceCents * l.quantity, 0)

  async function checkout(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setBusy(true)
    setProblem(undefined)
    try {
      const order = await api<{ id: string }>('/api/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify({
          items: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
          card: {
            number: String(form.get('number')).replace(/\s+/g, ''),
            expMonth: Number(form.get('expMonth')),
            expYear: Number(form.get('expYear')),
            cvc: String(form.get('cvc')),
          },
        }),
      })
      writeCart([])
      location.assign(`/orders/${encodeURIComponent(order.id)}`)
    } catch (err) {
      setProblem(
        err instanceof ApiProblem
          ? err
          : new ApiProblem(0, { detail: 'The order could not be sent.' }),
      )
      setBusy(false)
    }
  }

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
      <ItemsTable items={lines} currency={lines[0]?.currency} />
      <p>Total {money(total, lines[0]?.currency)}</p>
      <h2>Pay by card</h2>
      <form onSubmit={checkout} autoComplete="off">
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
        <label>
          Expiry month
          <input name="expMonth" inputMode="numeric" required pattern="[0-9]{1,2}" />
        </label>
        <label>
          Expiry year
          <input name="expYear" inputMode="numeric" required pattern="[0-9]{2,4}" />
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
        <button type="submit" disabled={busy}>
          {busy ? 'Placing order…' : 'Place order'}
        </button>
      </form>
      {problem ? <ProblemMessage problem={problem} /> : null}
    </>
  )
}
