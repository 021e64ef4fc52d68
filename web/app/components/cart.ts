'use client'
/** The cart lives in the browser (SKUs, names, prices and quantities only: nothing secret). */
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
    return JSON.parse(localStorage.getItem(KEY) ?? '[]') as CartLine[]
  } catch {
    return []
  }
}

export function writeCart(lines: CartLine[]) {
  localStorage.setItem(KEY, JSON.stringify(lines.filter((l) => l.quantity > 0)))
}

export function addToCart(line: Omit<CartLine, 'quantity'>) {
  const lines = readCart()
  const found = lines.find((l) => l.sku === line.sku)
  if (found) found.quantity += 1
  else lines.push({ ...line, quantity: 1 })
  writeCart(lines)
}
