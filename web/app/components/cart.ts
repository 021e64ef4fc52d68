'use client'
/**
 * The cart lives in the tab's `sessionStorage`: SKUs, names, display prices and quantities only.
 * Nothing in it is a credential or personal data, and it decides nothing — the order call sends
 * SKUs and quantities, and order-fulfillment-api prices them from the catalogue.
 * `sessionStorage` rather than `localStorage`: it ends with the tab and is cleared at sign-out,
 * so the next person at a shared computer does not find the last shopper's basket. Reasoning in
 * docs/patterns/backend-for-frontend.md ("The cart").
 */
export interface CartLine {
  sku: string
  name: string
  priceCents: number
  currency: string
  quantity: number
}
const KEY = 'mythical-cart'

export function readCart(): CartLine[] {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? '[]') as CartLine[]
  } catch {
    return []
  }
}

export function writeCart(lines: CartLine[]) {
  sessionStorage.setItem(KEY, JSON.stringify(lines.filter((l) => l.quantity > 0)))
}

/** Empties the cart: after checkout, and when the shopper signs out. */
export function clearCart() {
  sessionStorage.removeItem(KEY)
}

export function addToCart(line: Omit<CartLine, 'quantity'>) {
  const lines = readCart()
  const found = lines.find((l) => l.sku === line.sku)
  if (found) found.quantity += 1
  else lines.push({ ...line, quantity: 1 })
  writeCart(lines)
}
