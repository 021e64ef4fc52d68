/**
 * Defensive masking, applied to every log record after pino's path-based `redact` could not
 * know where a secret sits:
 *
 * - any value under a sensitive key (`authorization`, `password`, `pan`…), at any depth;
 * - any JWS/JWE compact serialization inside a string (they all start with `eyJ`, i.e. `{"`);
 * - the values of credential parameters in URLs and form bodies (`?access_token=…&code=…`);
 * - any Luhn-valid run of 13-19 digits (spaces or dashes allowed) inside a string or number;
 * - the same patterns in the finished line (`maskLine`), whatever serializer produced them.
 *
 * @module
 */
import { isLuhnValid } from './luhn.ts'

/** What replaces a masked value or substring. */
export const REDACTED = '[REDACTED]'

/** Key names (lower-case, without `-`/`_`) whose values are secrets whatever they look like. */
const SENSITIVE_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'subjecttoken',
  'actortoken',
  'logintoken',
  'clientassertion',
  'clientsecret',
  'codeverifier',
  'password',
  'passphrase',
  'secret',
  'privatekey',
  'apikey',
  'xapikey',
  'otp',
  'pan',
  'cardnumber',
  'cvc',
  'cvv',
])

const JOSE_COMPACT = /eyJ[\w-]+(?:\.[\w-]*){2,4}/g
/** Values of URL query/form parameters that carry credentials, opaque or not. */
const SECRET_PARAMETER =
  /(?<![\w-])((?:access_token|refresh_token|id_token|token|code|code_verifier|client_secret|client_assertion|password|pan)=)[^&#\s"\\]+/gi
/**
 * A maximal digit sequence with optional single space/dash separators. Letters around it do
 * not matter: `pan4111111111111111` is still a card number.
 */
const DIGIT_SEQUENCE = /(?<!\d)\d(?:[ -]?\d)*/
/**
 * Identifiers that are hexadecimal by construction — W3C trace ids (32) and span ids (16), UUIDs —
 * kept whole: their digit runs can pass Luhn by chance (a masked trace id breaks every lookup by
 * trace). At least one letter a-f is required, so an all-digit 16-character value (a card number)
 * is never taken for a span id. A dash may precede one (`katie-<uuid>`), a letter or digit not.
 */
const HEX_IDENTIFIER =
  /(?<!\w)(?=[\d-]*[a-f])(?:[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}|[\da-f]{32}|[\da-f]{16})(?![\w-])/
const IDENTIFIER_OR_DIGITS = new RegExp(`(${HEX_IDENTIFIER.source})|${DIGIT_SEQUENCE.source}`, 'g')
/**
 * Every major card scheme starts with 2-6; millisecond timestamps (13 digits starting with 1)
 * would otherwise be masked one time in ten.
 */
const CARD_LEADING_DIGIT = /^[2-6]/
/** Objects nested deeper than this are replaced rather than walked. */
const MAX_DEPTH = 8

/** `true` if the key names a secret, e.g. `Authorization`, `client_secret`, `cardNumber`. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''))
}

/** `true` if some consecutive groups of the sequence form a plausible card number. */
function containsCardNumber(sequence: string): boolean {
  const groups = sequence.split(/[ -]/)
  for (let start = 0; start < groups.length; start++) {
    let digits = ''
    for (let end = start; end < groups.length && digits.length < 19; end++) {
      digits += groups[end]
      if (looksLikeCardNumber(digits)) return true
    }
  }
  return false
}

function looksLikeCardNumber(digits: string): boolean {
  return (
    digits.length >= 13 &&
    digits.length <= 19 &&
    CARD_LEADING_DIGIT.test(digits) &&
    isLuhnValid(digits)
  )
}

/**
 * Masks JWTs/JWEs and card numbers inside free text.
 *
 * @example
 * ```ts
 * maskText('card 4111 1111 1111 1111') // 'card [REDACTED]'
 * ```
 */
export function maskText(text: string): string {
  return text
    .replace(SECRET_PARAMETER, `$1${REDACTED}`)
    .replace(JOSE_COMPACT, REDACTED)
    .replace(IDENTIFIER_OR_DIGITS, (match, identifier: string | undefined) =>
      identifier === undefined && containsCardNumber(match) ? REDACTED : match,
    )
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Returns a masked copy of a log value. Only strings, numbers, arrays and plain objects are
 * inspected; class instances (requests, errors) are left to their pino serializers, whose output
 * is masked separately.
 */
export function maskValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskText(value)
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && looksLikeCardNumber(String(Math.abs(value)))
      ? REDACTED
      : value
  }
  if (typeof value !== 'object' || value === null) return value
  if (!Array.isArray(value) && !isPlainObject(value)) return value
  if (depth >= MAX_DEPTH) return '[Object]'
  if (Array.isArray(value)) return value.map((item) => maskValue(item, depth + 1))
  return maskRecord(value, depth)
}

/** Masks a plain object: sensitive keys wholesale, every other value by content. */
export function maskRecord(record: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) {
    out[key] = isSensitiveKey(key) && value != null ? REDACTED : maskValue(value, depth + 1)
  }
  return out
}

/**
 * Masks a finished JSON log line. Lines without a JWT or card number are returned untouched;
 * the others are parsed, masked and re-serialized, so a masked number stays valid JSON.
 */
export function maskLine(line: string): string {
  if (maskText(line) === line) return line
  try {
    return `${JSON.stringify(maskValue(JSON.parse(line)))}\n`
  } catch {
    return maskText(line)
  }
}
