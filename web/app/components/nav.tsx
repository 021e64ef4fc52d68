'use client'
import { useEffect, useState } from 'react'

/** Header with the shop's sections and the sign-in state (name only, from the BFF). */
export function Nav() {
  const [session, setSession] = useState<{ signedIn: boolean; name?: string }>()
  useEffect(() => {
    fetch('/api/session')
      .then((r) => r.json())
      .then(setSession)
      .catch(() => setSession({ signedIn: false }))
  }, [])
  return (
    <header className="nav">
      <a href="/" className="brand">
        Mythical Retail
      </a>
      <nav aria-label="Shop">
        <a href="/">Shop</a>
        <a href="/cart">Cart</a>
        <a href="/orders">Orders</a>
        <a href="/loyalty">Loyalty</a>
        <a href="/staff">Staff</a>
      </nav>
      {session?.signedIn ? (
        <form method="post" action="/auth/logout">
          <span className="muted">{session.name}</span> <button type="submit">Sign out</button>
        </form>
      ) : (
        <a className="button" href="/auth/login">
          Sign in
        </a>
      )}
    </header>
  )
}
