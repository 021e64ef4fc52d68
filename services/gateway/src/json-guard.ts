/**
 * JSON threat protection measured while the body streams in: a byte-level scanner tracks nesting
 * depth, keys per object, items per array, string length and total size chunk by chunk, and
 * stops at the first limit crossed — a 50 MB array of empty objects is refused after a few
 * kilobytes, before anything is parsed or buffered in full. Well-formedness is checked by
 * `JSON.parse` afterwards, on a body already known to be within every limit.
 *
 * @module
 */

/** Structural limits (from the API's `json` policy). */
export interface JsonLimits {
  readonly maxBytes: number
  readonly maxDepth: number
  readonly maxKeys: number
  readonly maxArrayLength: number
  readonly maxStringLength: number
}

/** Which limit a body crossed. */
export type JsonLimit = 'size' | 'depth' | 'keys' | 'array' | 'string'

/** Thrown by {@link JsonGuard.write} when a limit is crossed. */
export class JsonLimitExceeded extends Error {
  readonly code = 'ERR_JSON_LIMIT'
  readonly limit: JsonLimit
  constructor(limit: JsonLimit, message: string) {
    super(message)
    this.name = this.constructor.name
    this.limit = limit
  }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09

interface Container {
  readonly object: boolean
  items: number
}

/**
 * An incremental scanner over one body. Feed it every chunk with {@link JsonGuard.write}; it
 * throws {@link JsonLimitExceeded} at the first limit crossed. It counts, it does not validate:
 * malformed JSON within the limits is left to the parser.
 *
 * @example
 * ```ts
 * const guard = new JsonGuard(limits)
 * for await (const chunk of request.raw) guard.write(chunk)
 * ```
 */
export class JsonGuard {
  readonly #limits: JsonLimits
  readonly #stack: Container[] = []
  #bytes = 0
  #inString = false
  #escaped = false
  #stringLength = 0
  /** Right after `[`, `{` or `,`: the next token starts an item (a key, in an object). */
  #itemStart = false

  constructor(limits: JsonLimits) {
    this.#limits = limits
  }

  /** Bytes scanned so far. */
  get bytes(): number {
    return this.#bytes
  }

  write(chunk: Uint8Array): void {
    this.#bytes += chunk.length
    if (this.#bytes > this.#limits.maxBytes) {
      throw new JsonLimitExceeded('size', `body exceeds ${this.#limits.maxBytes} bytes`)
    }
    for (const byte of chunk) this.#scan(byte)
  }

  #scan(byte: number): void {
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false
      else if (byte === BACKSLASH) this.#escaped = true
      else if (byte === QUOTE) {
        this.#inString = false
        return
      }
      // Bytes, not characters: a limit on what the upstream has to hold in memory.
      if (++this.#stringLength > this.#limits.maxStringLength) {
        throw new JsonLimitExceeded(
          'string',
          `a string exceeds ${this.#limits.maxStringLength} bytes`,
        )
      }
      return
    }
    if (isSpace(byte)) return
    const top = this.#stack.at(-1)
    if (this.#itemStart && top && byte !== CLOSE_ARRAY && byte !== CLOSE_OBJECT) {
      this.#countItem(top)
    }
    this.#itemStart = false
    switch (byte) {
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (this.#stack.length >= this.#limits.maxDepth) {
          throw new JsonLimitExceeded('depth', `nesting exceeds ${this.#limits.maxDepth} levels`)
        }
        this.#stack.push({ object: byte === OPEN_OBJECT, items: 0 })
        this.#itemStart = true
        break
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        this.#stack.pop()
        break
      case COMMA:
        this.#itemStart = true
        break
      case QUOTE:
        this.#inString = true
        this.#stringLength = 0
        break
    }
  }

  #countItem(container: Container): void {
    container.items++
    if (container.object && container.items > this.#limits.maxKeys) {
      throw new JsonLimitExceeded('keys', `an object has more than ${this.#limits.maxKeys} keys`)
    }
    if (!container.object && container.items > this.#limits.maxArrayLength) {
      throw new JsonLimitExceeded(
        'array',
        `an array has more than ${this.#limits.maxArrayLength} items`,
      )
    }
  }
}
