import type { NextConfig } from 'next'

/**
 * The web app's pages. Every security header is set by the BFF server (src/server.ts) on every
 * response, Next.js pages included, so it is not repeated here.
 */
const config: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // The BFF, not Next, owns every non-page route (sign-in, /api/*); no image optimizer process.
  images: { unoptimized: true },
}

export default config
