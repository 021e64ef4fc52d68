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

/** The catalogue: open to visitors (the BFF uses the web's own client token for them). */
export default function ShopPage() {
  const products = useApi<{ products: Product[] }>('/api/products')
  const [added, setAdded] = useState<string>()
  return (
    <>
      <section className="hero">
        <h1>Shop</h1>
        <p className="muted">
          Hand-picked shoes, bikes and gear, delivered by our shipping partner.
        </p>
      </section>
      <p role="status" className="notice">
        {added ? (
          <>
            {added} added to your cart. <a href="/cart">Go to checkout</a>
          </>
        ) : null}
      </p>
      {products.status === 'loading' ? <Loading what="Loading the catalogue…" /> : null}
      {products.status === 'error' ? <ProblemMessage problem={products.problem} /> : null}
      {products.status === 'ok' && products.data.products.length === 0 ? (
        <p>The shelves are empty right now. Please come back soon.</p>
      ) : null}
      {products.status === 'ok' ? (
        <ul className="grid" aria-label="Products">
          {products.data.products.map((p) => (
            <li key={p.sku} className="card">
              <img src={p.imageUrl} alt="" width={200} height={150} />
              <h2>{p.name}</h2>
              <p className="muted">{p.description}</p>
              <p className="price">{money(p.priceCents, p.currency)}</p>
              <button
                type="button"
                onClick={() => {
                  addToCart(p)
                  setAdded(p.name)
                }}
              >
                Add to cart<span className="visually-hidden">: {p.name}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  )
}
