'use client'
import { useState } from 'react'
import { addToCart } from './components/cart'
import { Loading, ProblemMessage, money, useApi } from './components/hooks'

interface Product {
  sku: string
  name: string
  description: string
  priceCents: number
  currency: string
  imageUrl: string
}

export default function ShopPage() {
  const products = useApi<{ products: Product[] }>('/api/products')
  const [added, setAdded] = useState<string>()
  return (
    <>
      <h1>Shop</h1>
      <p aria-live="polite" className="muted">
        {added ? `${added} added to your cart.` : ''}
      </p>
      {products.status === 'loading' ? <Loading /> : null}
      {products.status === 'error' ? <ProblemMessage problem={products.problem} /> : null}
      {products.status === 'ok' && products.data.products.length === 0 ? (
        <p>No products yet.</p>
      ) : null}
      {products.status === 'ok' ? (
        <ul className="grid">
          {products.data.products.map((p) => (
            <li key={p.sku} className="card">
              <img src={p.imageUrl} alt={p.name} />
              <h2>{p.name}</h2>
              <p className="muted">{p.description}</p>
              <p>{money(p.priceCents, p.currency)}</p>
              <button
                type="button"
                onClick={() => {
                  addToCart(p)
                  setAdded(p.name)
                }}
              >
                Add {p.name} to cart
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  )
}
