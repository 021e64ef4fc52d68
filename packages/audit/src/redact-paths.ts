/**
 * pino `redact` paths: the places secrets usually sit in a log record, censored while the
 * line is serialized. `maskRecord` covers the rest, at any depth.
 *
 * @module
 */

/** Keys whose values are secrets wherever they appear at the top two levels. */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'subject_token',
  'actor_token',
  'client_assertion',
  'client_secret',
  'password',
  'pan',
  'cardNumber',
  'cvc',
]

/** Header properties (bracket notation for names with dashes) in serialized requests/responses. */
const SECRET_HEADERS = ['.authorization', '.cookie', '["proxy-authorization"]', '["set-cookie"]']

/** Every path handed to pino's `redact.paths`. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...['headers', 'req.headers', 'res.headers', 'request.headers', 'response.headers'].flatMap(
    (prefix) => SECRET_HEADERS.map((header) => `${prefix}${header}`),
  ),
]
