/**
 * The path of a request URL without its query string, for the problem `instance`: a query may
 * carry tokens or personal data and the body must not echo it.
 */
export function requestPath(url: string): string {
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}
