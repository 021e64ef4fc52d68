'use client'
import { usePathname } from 'next/navigation'
import { useEffect, useState } from 'react'
import { clearCart } from './cart'

/**
 * Header with the shop's sections and the sign-in state (the name only, from the BFF). The staff
 * app has its own session and its own sign-out.
 */
export function Nav() {
  const staff = usePathname().startsWith('/staff')
  const [session, setSession] = useState<{ signedIn: boolean; name?: string }>()
  useEffect(() => {
    fetch(staff ? '/api/staff/session' : '/api/session')
      .then((r) => r.json())
      .then(setSession)
      .catch(() => setSession({ signedIn: false }))
  }, [staff])
  return (
    <header className="nav">
      <a href={staff ? '/staff' : '/'} className="brand">
        Mythical Retail{staff ? <span className="tag">Staff</span> : null}
      </a>
      <nav aria-label={staff ? 'Staff' : 'Shop'}>
        {staff ? (
          <a href="/">Back to the shop</a>
        ) : (
          <>
            <a href="/">Shop</a>
            <a href="/cart">Cart</a>
            <a href="/orders">Orders</a>
            <a href="/loyalty">Loyalty</a>
          </>
        )}
      </nav>
      {session?.signedIn ? (
        <form
          method="post"
          action={staff ? '/staff/auth/logout' : '/auth/logout'}
          className="who"
          // The cart belongs to the person at the keyboard: it goes with their session.
          onSubmit={staff ? undefined : clearCart}
        >
          <span>{session.name}</span>
          <button type="submit" className="secondary">
            Sign out
          </button>
        </form>
      ) : session && !staff ? (
        <a className="button" href="/auth/login">
          Sign in
        </a>
      ) : (
        <span />
      )}
    </header>
  )
}
