import type { ReactNode } from 'react'
import { Nav } from './components/nav'
import './shop.css'

export const metadata = { title: 'Mythical Retail' }
// Every page carries the per-request CSP nonce, so nothing is prerendered.
export const dynamic = 'force-dynamic'

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Nav />
        <main>{children}</main>
      </body>
    </html>
  )
}
