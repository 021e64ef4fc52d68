/**
 * Certificates are backdated a little so a workload whose clock runs slightly behind the issuer's
 * (another container, a VM) does not reject a certificate that was just issued as "not yet valid".
 */
const CLOCK_SKEW_MS = 5 * 60 * 1000

/** X.509 times have one-second precision: truncate so the encoded dates equal what we computed. */
const toSecond = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000)

/** `[notBefore, notAfter]` for a certificate issued at `now` that lives `lifetimeMs` from then. */
export function validityWindow(now: Date, lifetimeMs: number): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: toSecond(now.getTime() - CLOCK_SKEW_MS),
    notAfter: toSecond(now.getTime() + lifetimeMs),
  }
}

/** Throws a `TypeError` naming the option unless `value` is a positive finite number. */
export function assertPositive(value: number, option: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`"${option}" option must be a positive number`)
  }
}

/** Throws a `TypeError` naming the option unless `value` is a valid `Date`. */
export function assertDate(value: Date, option: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TypeError(`"${option}" option must be a valid Date`)
  }
}
