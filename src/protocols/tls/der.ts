/**
 * A small DER reader (ITU-T X.690 §8 and §10), enough for X.509 certificates: TLV headers read in place,
 * every length checked against its parent, a bounded walk of the whole structure, OIDs, INTEGERs and the
 * string types as text.
 *
 * Nothing here throws and nothing allocates per element: `readTlv` fills a caller's `DerTlv`.
 */

export const DerTag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  VIDEOTEX_STRING: 0x15,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  GRAPHIC_STRING: 0x19,
  VISIBLE_STRING: 0x1a,
  GENERAL_STRING: 0x1b,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Why DER could not be read. 0 is success. */
export const DerError = {
  OK: 0,
  /** The header (identifier or length octets) runs past the end. */
  TRUNCATED: 1,
  /** Length octet 0x80: the indefinite form, which DER forbids (X.690 §10.1). */
  INDEFINITE_LENGTH: 2,
  /** More than 4 length octets (nothing in a certificate is 4 GiB) or the reserved 0xFF. */
  LENGTH_TOO_LONG: 3,
  /** The contents run past the enclosing element (or the buffer). */
  LENGTH_BEYOND_PARENT: 4,
  /** Nesting deeper than the caller's cap. */
  TOO_DEEP: 5,
  /** A high tag number longer than 4 octets. */
  BAD_TAG: 6,
} as const;

/**
 * One TLV as `readTlv` found it. Reused: valid until the next `readTlv` into it.
 */
export class DerTlv {
  /** The first identifier octet: class (bits 8–7), constructed (bit 6), tag (bits 5–1; 31 = high-number form). */
  id = 0;
  /** The tag number (decoded from the following octets in the high-number form). */
  tag = 0;
  /** Offset of the identifier octet. */
  headerStart = 0;
  /** The contents are `[start, end)`. */
  start = 0;
  end = 0;

  get constructed(): boolean {
    return (this.id & 0x20) !== 0;
  }
  /** 0 universal, 1 application, 2 context-specific, 3 private. */
  get tagClass(): number {
    return this.id >> 6;
  }
  get length(): number {
    return this.end - this.start;
  }
}

/**
 * Reads the TLV at `pos`, which must end by `limit`. Returns a `DerError` (0 = read into `out`).
 * Non-minimal length encodings (a BER habit some old CAs kept) are accepted: their lengths are still checked.
 */
export function readTlv(buf: Uint8Array, pos: number, limit: number, out: DerTlv): number {
  if (pos >= limit) return DerError.TRUNCATED;
  out.headerStart = pos;
  const id = buf[pos++]!;
  out.id = id;
  let tag = id & 0x1f;
  if (tag === 0x1f) {
    // X.690 §8.1.2.4: base-128 tag number, high bit = more octets follow.
    tag = 0;
    let n = 0;
    for (;;) {
      if (pos >= limit) return DerError.TRUNCATED;
      const b = buf[pos++]!;
      if (++n > 4) return DerError.BAD_TAG;
      tag = tag * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  out.tag = tag;
  if (pos >= limit) return DerError.TRUNCATED;
  const first = buf[pos++]!;
  let len: number;
  if (first < 0x80) {
    len = first;
  } else if (first === 0x80) {
    return DerError.INDEFINITE_LENGTH;
  } else {
    const count = first & 0x7f;
    if (count > 4) return DerError.LENGTH_TOO_LONG;
    if (pos + count > limit) return DerError.TRUNCATED;
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + buf[pos++]!;
  }
  if (len > limit - pos) return DerError.LENGTH_BEYOND_PARENT;
  out.start = pos;
  out.end = pos + len;
  return DerError.OK;
}

/**
 * Walks every TLV of `[start, end)`, descending into constructed ones, and checks that each fits its
 * parent exactly, that no length is indefinite and that nesting stays within `maxDepth`. Iterative: the
 * stack is one small typed array, so crafted depth cannot exhaust the call stack.
 */
export function validateDer(buf: Uint8Array, start: number, end: number, maxDepth: number, tlv = new DerTlv()): number {
  const ends = new Int32Array(Math.max(1, maxDepth));
  let depth = 0;
  let limit = end;
  let pos = start;
  for (;;) {
    while (pos === limit && depth > 0) limit = ends[--depth]!;
    if (pos === limit) return DerError.OK;
    const err = readTlv(buf, pos, limit, tlv);
    if (err !== DerError.OK) return err;
    if (tlv.constructed) {
      if (depth >= maxDepth) return DerError.TOO_DEEP;
      ends[depth++] = limit;
      limit = tlv.end;
      pos = tlv.start;
    } else {
      pos = tlv.end;
    }
  }
}

/**
 * An OBJECT IDENTIFIER's contents as dotted text ("2.5.4.3"), or null when malformed (empty, an arc whose
 * last octet continues, an arc beyond 2^53).
 */
export function oidToString(buf: Uint8Array, start: number, end: number): string | null {
  if (start >= end) return null;
  let text = '';
  let arc = 0;
  let first = true;
  let pending = false;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    arc = arc * 128 + (b & 0x7f);
    if (arc > Number.MAX_SAFE_INTEGER) return null;
    pending = (b & 0x80) !== 0;
    if (pending) continue;
    if (first) {
      // X.690 §8.19.4: the first subidentifier packs two arcs as 40 * X + Y, X in 0..2.
      const x = arc < 40 ? 0 : arc < 80 ? 1 : 2;
      text = `${x}.${arc - 40 * x}`;
      first = false;
    } else {
      text += `.${arc}`;
    }
    arc = 0;
  }
  return pending ? null : text;
}

/** `true` when `[start, end)` holds exactly the bytes of `expected`. */
export function bytesEqual(buf: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (buf[start + i] !== expected[i]) return false;
  return true;
}

const HEX_UPPER = '0123456789ABCDEF';

/** Bytes as uppercase hex with an optional separator ("0A:FF"). */
export function hexUpper(buf: Uint8Array, start: number, end: number, sep = ''): string {
  let s = '';
  for (let i = start; i < end; i++) {
    if (i > start) s += sep;
    const b = buf[i]!;
    s += HEX_UPPER[b >> 4]! + HEX_UPPER[b & 15]!;
  }
  return s;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf16be = new TextDecoder('utf-16be', { fatal: true });

/**
 * A string-typed value as text, as Suricata's X.509 library renders attribute values: the ASCII-family and
 * UTF8String types as UTF-8, BMPString as UTF-16BE, UniversalString as UTF-32BE. Returns null when the tag
 * is not a string type or the bytes are not valid in it (the caller prints hex instead).
 */
export function derStringValue(buf: Uint8Array, tag: number, start: number, end: number): string | null {
  try {
    switch (tag) {
      case DerTag.UTF8_STRING:
      case DerTag.NUMERIC_STRING:
      case DerTag.PRINTABLE_STRING:
      case DerTag.T61_STRING:
      case DerTag.VIDEOTEX_STRING:
      case DerTag.IA5_STRING:
      case DerTag.GRAPHIC_STRING:
      case DerTag.VISIBLE_STRING:
      case DerTag.GENERAL_STRING:
        return utf8.decode(buf.subarray(start, end));
      case DerTag.BMP_STRING:
        if ((end - start) % 2 !== 0) return null;
        return utf16be.decode(buf.subarray(start, end));
      case DerTag.UNIVERSAL_STRING: {
        if ((end - start) % 4 !== 0) return null;
        let s = '';
        for (let i = start; i < end; i += 4) {
          const cp = ((buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!) >>> 0;
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
          s += String.fromCodePoint(cp);
        }
        return s;
      }
      default:
        return null;
    }
  } catch {
    return null; // invalid UTF-8 / UTF-16
  }
}

/** Bytes as Latin-1 characters (one character per byte): for IA5 names and other ASCII-by-contract fields. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  // Chunks keep String.fromCharCode's argument count small.
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, buf.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return s;
}
