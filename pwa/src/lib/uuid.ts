function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n)
  crypto.getRandomValues(b)
  return b
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('')
}

function format(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/** RFC 9562 UUIDv4 (crypto.randomUUID is missing on plain-http origins). */
export function uuid4(): string {
  const b = randomBytes(16)
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  return format(hex(b))
}

let lastMs = -1
let lastSeq = 0

/** RFC 9562 UUIDv7: 48-bit Unix ms time, then a 12-bit sequence (monotonic in one context), then random. */
export function uuid7(now: number = Date.now()): string {
  const b = randomBytes(16)
  if (now <= lastMs) {
    lastSeq = (lastSeq + 1) & 0xfff
    if (lastSeq === 0) lastMs += 1
    now = lastMs
  } else {
    lastMs = now
    lastSeq = b[7]! & 0x7ff // random start, headroom for increments
  }
  const ms = BigInt(now)
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn)
  b[6] = 0x70 | ((lastSeq >> 8) & 0x0f)
  b[7] = lastSeq & 0xff
  b[8] = (b[8]! & 0x3f) | 0x80
  return format(hex(b))
}
