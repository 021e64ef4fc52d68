import type { ReactNode } from 'react'
import { Nav } from './components/nav'
import './shop.css'

export const metadata = {
  title: 'Mythical Retail',
  description: 'Shoes, bikes and more — with every hop secured.',
}
export const viewport = { width: 'device-width', initialScale: 1 }
// Every page carries the per-request CSP nonce, so nothing is prerendered.
export const dynamic = 'force-dynamic'

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip" href="#content">
          Skip to content
        </a>
        <Nav />
        <main id="content">{children}</main>
        <footer className="footer muted small">
          Mythical Retail · a zero-trust reference shop · tokens stay on the server
        </footer>
      </body>
    </html>
  )
}
