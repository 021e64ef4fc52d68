/**
 * Renewal rule for every certificate of the dev PKI: renew once less than a third of its lifetime
 * is left. Re-running `pnpm pki` (every `stack:up` does) at least once per third of the lifetime
 * thus always leaves a valid certificate, with a margin for workloads that read it later.
 *
 * A certificate that is not valid yet (the clock went backwards) is renewed too.
 *
 * @example
 * ```ts
 * isDueForRenewal({ notBefore, notAfter }, new Date()) // true from 2/3 of the lifetime on
 * ```
 */
export function isDueForRenewal(validity: { notBefore: Date; notAfter: Date }, now: Date): boolean {
  const lifetime = validity.notAfter.getTime() - validity.notBefore.getTime()
  const renewFrom = validity.notAfter.getTime() - lifetime / 3
  return now.getTime() < validity.notBefore.getTime() || now.getTime() >= renewFrom
}
