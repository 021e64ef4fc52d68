/**
 * Product pictures as inline SVG data URLs: they render in any browser without a file server,
 * an extra request or a third-party host, and cannot carry script (an `<img>` never runs SVG
 * script, and the markup here is fixed, not user input).
 */

/** What a picture shows: a colour, a simple shape and a short label. */
export interface ProductArt {
  readonly background: string
  readonly foreground: string
  /** SVG path data of the shape, drawn in a 200×150 view box. */
  readonly shape: string
  /** One or two words under the shape. */
  readonly label: string
}

/**
 * @example
 * ```ts
 * productImage({ background: '#dbeafe', foreground: '#1d4ed8', shape: 'M40 100h120v20H40z', label: 'Shoe' })
 * // 'data:image/svg+xml,%3Csvg…'
 * ```
 */
export function productImage(art: ProductArt): string {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 150" role="img" aria-label="${art.label}">` +
    `<rect width="200" height="150" rx="12" fill="${art.background}"/>` +
    `<path d="${art.shape}" fill="${art.foreground}"/>` +
    `<text x="100" y="138" font-family="system-ui,sans-serif" font-size="14" text-anchor="middle" fill="${art.foreground}">${art.label}</text>` +
    `</svg>`
  return `data:image/svg+xml,${encodeURIComponent(svg)}`
}
