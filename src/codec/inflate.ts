/**
 * A streaming DEFLATE decoder (RFC 1951) with the gzip (RFC 1952) and zlib (RFC 1950) wrappers, for HTTP
 * bodies that arrive in pieces of any size.
 *
 * Why not `node:zlib`: its synchronous calls take a whole buffer and throw on damaged or oversized output,
 * losing what was decoded before the fault, and its streams are asynchronous while parsers must emit their
 * records synchronously. Inspection needs the opposite: decode each piece as it arrives, keep what decoded
 * before a fault, stop exactly at a size cap (bombs), and hold no more than the 32 KiB window plus a short
 * carry of undecoded input.
 *
 * Resumption: decoding proceeds in atomic steps (one literal, one length/distance pair, one block header).
 * A step that runs out of input is rolled back to its start and the unread tail of the piece (at most a
 * block header, ~600 bytes) is copied into `carry`; the next piece tops the carry up and decoding continues
 * there until it has moved past the old tail, then reads the piece in place. Output goes to a 64 KiB ring
 * (twice the window) and is handed to the sink every 32 KiB and at the end of each call.
 *
 * Integrity checks (gzip CRC-32, zlib Adler-32) are not verified: the decoder serves inspection, and a
 * client renders what decoded whatever the checksum says.
 */

/** Where decoded bytes go. Returning false stops decoding for good (a cap was reached). */
export interface InflateSink {
  write(data: Uint8Array, start: number, end: number): boolean;
}

/** Wrapper around the DEFLATE data. `deflate` is HTTP's "deflate" coding: zlib, or raw DEFLATE as some servers send (browsers accept both). */
export type InflateFormat = 'gzip' | 'zlib' | 'raw' | 'deflate';

export const InflateStatus = {
  /** All input consumed (what is incomplete waits in the carry). */
  OK: 0,
  /** The compressed stream ended; later input is ignored. */
  DONE: 1,
  /** The data is not valid DEFLATE (or a wrapper is wrong); `error` says why. */
  ERROR: 2,
  /** The sink refused more output. */
  STOPPED: 3,
} as const;
export type InflateStatus = (typeof InflateStatus)[keyof typeof InflateStatus];

// RFC 1951 §3.2.5: base lengths and extra bits of length codes 257..285 and distance codes 0..29.
const LEN_BASE = Uint16Array.of(
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
);
const LEN_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
const DIST_BASE = Uint16Array.of(
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
);
const DIST_EXTRA = Uint8Array.of(
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
);
// RFC 1951 §3.2.7: order of the code length code lengths.
const CLEN_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

const FAST_BITS = 9;
const FAST_MASK = (1 << FAST_BITS) - 1;
const RING = 65536;
const RING_MASK = RING - 1;
const WINDOW = 32768;
const CARRY_CAP = 4096;

/**
 * A canonical Huffman code: a FAST_BITS lookup table for short codes (entry = symbol << 4 | length, 0 for
 * codes longer than FAST_BITS) and the per-length counts and sorted symbols for the rest.
 */
class Huffman {
  readonly fast = new Uint16Array(1 << FAST_BITS);
  readonly count = new Uint16Array(16);
  readonly symbol: Uint16Array;
  constructor(maxSymbols: number) {
    this.symbol = new Uint16Array(maxSymbols);
  }

  /** Builds the code from code lengths; false when the lengths over-subscribe the code space. */
  build(lengths: Uint8Array, n: number): boolean {
    const count = this.count;
    count.fill(0);
    for (let i = 0; i < n; i++) count[lengths[i]!]!++;
    count[0] = 0;
    let left = 1;
    for (let len = 1; len <= 15; len++) {
      left = (left << 1) - count[len]!;
      if (left < 0) return false;
    }
    // Incomplete codes are allowed (a lone distance code is common); a code that maps to nothing is an error when met.
    const offs = new Uint16Array(16);
    for (let len = 1; len < 15; len++) offs[len + 1] = offs[len]! + count[len]!;
    for (let i = 0; i < n; i++) if (lengths[i] !== 0) this.symbol[offs[lengths[i]!]!++] = i;
    const fast = this.fast;
    fast.fill(0);
    let code = 0;
    let idx = 0;
    for (let len = 1; len <= FAST_BITS; len++) {
      for (let k = 0; k < count[len]!; k++) {
        // Codes are sent most significant bit first into a least-significant-first bit stream: reverse.
        let rev = 0;
        for (let b = 0; b < len; b++) rev |= ((code >>> b) & 1) << (len - 1 - b);
        const entry = (this.symbol[idx]! << 4) | len;
        for (let j = rev; j < 1 << FAST_BITS; j += 1 << len) fast[j] = entry;
        code++;
        idx++;
      }
      code <<= 1;
    }
    return true;
  }
}

let fixedLit: Huffman | null = null;
let fixedDist: Huffman | null = null;
function fixedTables(): [Huffman, Huffman] {
  if (fixedLit === null || fixedDist === null) {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144);
    l.fill(9, 144, 256);
    l.fill(7, 256, 280);
    l.fill(8, 280, 288);
    fixedLit = new Huffman(288);
    fixedLit.build(l, 288);
    const d = new Uint8Array(30).fill(5);
    fixedDist = new Huffman(30);
    fixedDist.build(d, 30);
  }
  return [fixedLit, fixedDist];
}

// Decoder modes.
const M = {
  DETECT: 0, // `deflate` format: waiting for two bytes to tell zlib from raw
  GZ_HEAD: 1, // the 10 fixed bytes of a gzip member header
  GZ_XLEN: 2,
  GZ_EXTRA: 3,
  GZ_NAME: 4,
  GZ_COMMENT: 5,
  GZ_HCRC: 6,
  ZLIB_HEAD: 7,
  BLOCK: 8, // at a block header
  STORED: 9, // inside a stored block (storedLeft bytes to copy)
  CODES: 10, // inside a Huffman block
  TRAILER: 11, // gzip (8 bytes) or zlib (4 bytes) trailer, skipped
  GZ_NEXT: 12, // after a gzip member: another member may follow
  END: 13,
  FAILED: 14,
} as const;

/**
 * Buffers of finished decoders, kept for the next ones: most bodies are small, and zeroing a fresh 68 KiB
 * per body costs more than decoding it. Shared by all flows (the engine is single-threaded).
 */
const SPARE: { ring: Uint8Array; carry: Uint8Array }[] = [];
const MAX_SPARE = 8;
const EMPTY = new Uint8Array(0);

/** Stream decoder for one body: about 70 KiB of buffers, taken from the spares when there are some (`release`). */
export class Inflater {
  private mode: number;
  private readonly gzip: boolean;
  private zlibWrapped = false;
  /** Bytes still to read in the current header field or trailer. */
  private left = 0;
  private gzFlags = 0;
  private lastBlock = false;
  private storedLeft = 0;
  private lit: Huffman | null = null;
  private dist: Huffman | null = null;
  private dynLit: Huffman | null = null;
  private dynDist: Huffman | null = null;
  private bitBuf = 0;
  private bitCnt = 0;
  private ring: Uint8Array;
  /** Total bytes decoded, and how many of them were handed to the sink. */
  private outPos = 0;
  private flushed = 0;
  private carry: Uint8Array;
  private carryLen = 0;
  /** Compressed bytes received (an empty body is not a truncated stream). */
  private fed = 0;
  private readonly sink: InflateSink;
  /** Why decoding failed, when it did. */
  error: string | null = null;
  /** Decoded bytes so far. */
  get total(): number {
    return this.outPos;
  }

  constructor(format: InflateFormat, sink: InflateSink) {
    const spare = SPARE.pop();
    this.ring = spare?.ring ?? new Uint8Array(RING);
    this.carry = spare?.carry ?? new Uint8Array(CARRY_CAP);
    this.sink = sink;
    this.gzip = format === 'gzip';
    this.mode = format === 'gzip' ? M.GZ_HEAD : format === 'zlib' ? M.ZLIB_HEAD : format === 'raw' ? M.BLOCK : M.DETECT;
    if (this.mode === M.GZ_HEAD) this.left = 10;
  }

  /**
   * The decoder is done with (its owner will not call it again): its buffers go back to the spares for the
   * next body. Stale bytes in a reused ring are never read: a distance beyond what this stream wrote fails.
   */
  release(): void {
    if (this.ring.length === 0) return;
    if (SPARE.length < MAX_SPARE) SPARE.push({ ring: this.ring, carry: this.carry });
    this.ring = EMPTY;
    this.carry = EMPTY;
    this.mode = M.FAILED;
  }

  get status(): InflateStatus {
    if (this.mode === M.FAILED) return this.error === null ? InflateStatus.STOPPED : InflateStatus.ERROR;
    if (this.mode === M.END) return InflateStatus.DONE;
    return InflateStatus.OK;
  }

  /** Decodes the next piece of compressed input. */
  push(data: Uint8Array, start: number, end: number): InflateStatus {
    if (this.mode >= M.END) return this.status;
    this.fed += end - start;
    let s = start;
    if (this.carryLen > 0) {
      const old = this.carryLen;
      const take = Math.min(end - s, CARRY_CAP - old);
      this.carry.set(data.subarray(s, s + take), old);
      const total = old + take;
      const p = this.run(this.carry, 0, total, false);
      if (this.mode >= M.END) {
        this.carryLen = 0;
        this.flush();
        return this.status;
      }
      if (p < old) {
        // Still inside the old tail: everything read so far stays in the carry.
        if (take < end - s) return this.fail('a block header longer than the carry');
        this.carry.copyWithin(0, p, total);
        this.carryLen = total - p;
        this.flush();
        return this.status;
      }
      this.carryLen = 0;
      s += p - old;
    }
    const p = this.run(data, s, end, false);
    if (this.mode < M.END && p < end) {
      if (end - p > CARRY_CAP) return this.fail('a block header longer than the carry');
      this.carry.set(data.subarray(p, end), 0);
      this.carryLen = end - p;
    }
    this.flush();
    return this.status;
  }

  /**
   * No more input. Decodes what waits in the carry; a stream that stops before its last block is
   * reported as an ERROR ('truncated'), with everything before the cut already delivered.
   */
  finish(): InflateStatus {
    if (this.mode < M.END) {
      this.run(this.carry, 0, this.carryLen, true);
      this.carryLen = 0;
      this.flush();
      if (this.mode < M.END) {
        // A gzip member whose trailer (or the wait for a next member) was cut is complete enough.
        if (this.mode === M.TRAILER || this.mode === M.GZ_NEXT) this.mode = M.END;
        else if (this.fed === 0) this.mode = M.END;
        else this.fail('truncated');
      }
    }
    return this.status;
  }

  private fail(why: string): InflateStatus {
    this.mode = M.FAILED;
    this.error = why;
    this.carryLen = 0;
    this.flush();
    return InflateStatus.ERROR;
  }

  /** Hands decoded bytes not yet delivered to the sink. */
  private flush(): void {
    while (this.flushed < this.outPos) {
      const from = this.flushed & RING_MASK;
      const n = Math.min(this.outPos - this.flushed, RING - from);
      this.flushed += n;
      if (!this.sink.write(this.ring, from, from + n)) {
        if (this.mode !== M.FAILED) {
          this.mode = M.FAILED;
          this.error = null;
        }
        this.flushed = this.outPos;
        return;
      }
    }
  }

  /**
   * Decodes `buf[pos, end)`; returns the position of the first byte not consumed (the start of an
   * incomplete step). `final`: no more input will come, so running out is truncation.
   */
  private run(buf: Uint8Array, pos: number, end: number, final: boolean): number {
    for (;;) {
      switch (this.mode) {
        case M.DETECT: {
          if (end - pos < 2) return pos;
          // RFC 1950 §2.2: CM = 8, CINFO ≤ 7, FCHECK makes the 16-bit value a multiple of 31.
          const cmf = buf[pos]!;
          const flg = buf[pos + 1]!;
          this.mode = (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0 ? M.ZLIB_HEAD : M.BLOCK;
          break;
        }
        case M.ZLIB_HEAD: {
          if (end - pos < 2) return pos;
          const cmf = buf[pos]!;
          const flg = buf[pos + 1]!;
          if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) return this.failAt(pos, 'bad zlib header');
          if (flg & 0x20) return this.failAt(pos, 'zlib preset dictionary');
          pos += 2;
          this.zlibWrapped = true;
          this.mode = M.BLOCK;
          break;
        }
        case M.GZ_HEAD: {
          if (end - pos < 10) return pos;
          if (buf[pos] !== 0x1f || buf[pos + 1] !== 0x8b || buf[pos + 2] !== 8) return this.failAt(pos, 'bad gzip header');
          this.gzFlags = buf[pos + 3]!;
          if (this.gzFlags & 0xe0) return this.failAt(pos, 'reserved gzip flags');
          pos += 10;
          this.mode = M.GZ_XLEN;
          break;
        }
        case M.GZ_XLEN: {
          if (!(this.gzFlags & 4)) {
            this.mode = M.GZ_NAME;
            break;
          }
          if (end - pos < 2) return pos;
          this.left = buf[pos]! | (buf[pos + 1]! << 8);
          pos += 2;
          this.mode = M.GZ_EXTRA;
          break;
        }
        case M.GZ_EXTRA: {
          const n = Math.min(this.left, end - pos);
          pos += n;
          this.left -= n;
          if (this.left > 0) return pos;
          this.mode = M.GZ_NAME;
          break;
        }
        case M.GZ_NAME:
        case M.GZ_COMMENT: {
          const flag = this.mode === M.GZ_NAME ? 8 : 16;
          if (this.gzFlags & flag) {
            while (pos < end && buf[pos] !== 0) pos++;
            if (pos === end) return end; // the zero-terminated field goes on in the next piece
            pos++;
            this.gzFlags &= ~flag;
          }
          if (this.mode === M.GZ_NAME) this.mode = M.GZ_COMMENT;
          else {
            this.mode = M.GZ_HCRC;
            this.left = this.gzFlags & 2 ? 2 : 0;
          }
          break;
        }
        case M.GZ_HCRC: {
          const n = Math.min(this.left, end - pos);
          pos += n;
          this.left -= n;
          if (this.left > 0) return pos;
          this.mode = M.BLOCK;
          break;
        }
        case M.BLOCK:
          pos = this.blockHeader(buf, pos, end, final);
          if (this.mode === M.BLOCK || this.mode === M.FAILED) return pos;
          break;
        case M.STORED:
          pos = this.stored(buf, pos, end);
          if (this.mode === M.STORED) return pos;
          break;
        case M.CODES:
          pos = this.codes(buf, pos, end, final);
          if (this.mode === M.CODES || this.mode === M.FAILED) return pos;
          break;
        case M.TRAILER: {
          const n = Math.min(this.left, end - pos);
          pos += n;
          this.left -= n;
          if (this.left > 0) return pos;
          this.mode = this.gzip ? M.GZ_NEXT : M.END;
          break;
        }
        case M.GZ_NEXT: {
          // RFC 1952 §2.2: members may be concatenated. Anything else after a member is ignored, as gzip(1) does.
          if (end - pos < 2) {
            if (end - pos === 1 && buf[pos] !== 0x1f) this.mode = M.END;
            return pos;
          }
          if (buf[pos] === 0x1f && buf[pos + 1] === 0x8b) {
            this.mode = M.GZ_HEAD;
            this.left = 10;
          } else this.mode = M.END;
          break;
        }
        default:
          return end;
      }
    }
  }

  private failAt(pos: number, why: string): number {
    this.mode = M.FAILED;
    this.error = why;
    return pos;
  }

  /** Called after the last block: give back whole bytes read ahead, align, go to the trailer. */
  private endOfData(pos: number): number {
    pos -= this.bitCnt >>> 3;
    this.bitBuf = 0;
    this.bitCnt = 0;
    if (this.gzip) {
      this.mode = M.TRAILER;
      this.left = 8;
    } else if (this.zlibWrapped) {
      this.mode = M.TRAILER;
      this.left = 4;
    } else this.mode = M.END;
    return pos;
  }

  /** Reads a block header (with its code tables, for a dynamic block) as one atomic step. */
  private blockHeader(buf: Uint8Array, pos: number, end: number, final: boolean): number {
    const save = pos;
    const saveBuf = this.bitBuf;
    const saveCnt = this.bitCnt;
    let bb = this.bitBuf;
    let bc = this.bitCnt;
    let over = false;
    const need = (n: number): number => {
      while (bc < n) {
        if (pos >= end) {
          over = true;
          return 0;
        }
        bb |= buf[pos++]! << bc;
        bc += 8;
      }
      const v = bb & ((1 << n) - 1);
      bb >>>= n;
      bc -= n;
      return v;
    };
    const rollback = (): number => {
      if (final) return this.failAt(end, 'truncated');
      this.bitBuf = saveBuf;
      this.bitCnt = saveCnt;
      return this.normalize(save);
    };
    const hdr = need(3);
    if (over) return rollback();
    const type = hdr >>> 1;
    if (type === 0) {
      // Stored: skip to the byte boundary, then LEN and NLEN.
      bb >>>= bc & 7;
      bc -= bc & 7;
      const len = need(16);
      const nlen = need(16);
      if (over) return rollback();
      if ((len ^ 0xffff) !== nlen) return this.failAt(pos, 'stored block length check');
      this.storedLeft = len;
      this.lastBlock = (hdr & 1) === 1;
      // The stored bytes follow byte-aligned: whole bytes still in the bit buffer go back to the input.
      pos -= bc >>> 3;
      this.bitBuf = 0;
      this.bitCnt = 0;
      this.mode = M.STORED;
      return pos;
    }
    if (type === 1) {
      [this.lit, this.dist] = fixedTables();
    } else if (type === 2) {
      const hlit = need(5) + 257;
      const hdist = need(5) + 1;
      const hclen = need(4) + 4;
      if (over) return rollback();
      if (hlit > 286 || hdist > 30) return this.failAt(pos, 'too many length or distance codes');
      const clens = new Uint8Array(19);
      for (let i = 0; i < hclen; i++) clens[CLEN_ORDER[i]!] = need(3);
      if (over) return rollback();
      const clh = new Huffman(19);
      if (!clh.build(clens, 19)) return this.failAt(pos, 'bad code length code');
      const lens = new Uint8Array(hlit + hdist);
      let i = 0;
      while (i < hlit + hdist) {
        while (bc < 15 && pos < end) {
          bb |= buf[pos++]! << bc;
          bc += 8;
        }
        let sym = slowDecode(clh, bb, bc);
        if (sym === -1) return rollback();
        if (sym === -2) return this.failAt(pos, 'bad code length symbol');
        bb >>>= sym >>> 16;
        bc -= sym >>> 16;
        sym &= 0xffff;
        if (sym < 16) lens[i++] = sym;
        else {
          let rep: number;
          let val = 0;
          if (sym === 16) {
            if (i === 0) return this.failAt(pos, 'repeat with no previous length');
            val = lens[i - 1]!;
            rep = 3 + need(2);
          } else if (sym === 17) rep = 3 + need(3);
          else rep = 11 + need(7);
          if (over) return rollback();
          if (i + rep > hlit + hdist) return this.failAt(pos, 'code lengths overflow');
          lens.fill(val, i, i + rep);
          i += rep;
        }
      }
      if (lens[256] === 0) return this.failAt(pos, 'no end-of-block code');
      this.dynLit ??= new Huffman(288);
      this.dynDist ??= new Huffman(30);
      if (!this.dynLit.build(lens.subarray(0, hlit), hlit)) return this.failAt(pos, 'bad literal/length code');
      if (!this.dynDist.build(lens.subarray(hlit), hdist)) return this.failAt(pos, 'bad distance code');
      this.lit = this.dynLit;
      this.dist = this.dynDist;
    } else return this.failAt(pos, 'reserved block type');
    this.lastBlock = (hdr & 1) === 1;
    this.bitBuf = bb;
    this.bitCnt = bc;
    this.mode = M.CODES;
    return pos;
  }

  /** Copies stored-block bytes into the ring, a window's worth at a time. */
  private stored(buf: Uint8Array, pos: number, end: number): number {
    while (this.storedLeft > 0 && pos < end) {
      const room = WINDOW - (this.outPos - this.flushed);
      if (room <= 0) {
        this.flush();
        if (this.mode === M.FAILED) return end;
        continue;
      }
      const at = this.outPos & RING_MASK;
      const n = Math.min(this.storedLeft, end - pos, room, RING - at);
      this.ring.set(buf.subarray(pos, pos + n), at);
      this.outPos += n;
      this.storedLeft -= n;
      pos += n;
    }
    if (this.storedLeft === 0) {
      if (this.lastBlock) return this.endOfData(pos);
      this.mode = M.BLOCK;
    }
    return pos;
  }

  /** Gives back whole bytes held in the bit buffer so that each call ends with fewer than 8 bits held. */
  private normalize(pos: number): number {
    const back = this.bitCnt >>> 3;
    if (back > 0) {
      pos -= back;
      this.bitCnt -= back * 8;
      this.bitBuf &= (1 << this.bitCnt) - 1;
    }
    return pos;
  }

  /** The literal/length/distance loop of a Huffman block: the hot path. */
  private codes(buf: Uint8Array, pos: number, end: number, final: boolean): number {
    const lit = this.lit!;
    const dist = this.dist!;
    const litFast = lit.fast;
    const distFast = dist.fast;
    const ring = this.ring;
    let bb = this.bitBuf;
    let bc = this.bitCnt;
    let out = this.outPos;
    for (;;) {
      if (out - this.flushed >= WINDOW) {
        this.outPos = out;
        this.flush();
        if (this.mode === M.FAILED) return end;
      }
      // Step start: everything up to here is committed.
      const savePos = pos;
      const saveBb = bb;
      const saveBc = bc;
      while (bc < 15 && pos < end) {
        bb |= buf[pos++]! << bc;
        bc += 8;
      }
      let sym: number;
      let e = litFast[bb & FAST_MASK]!;
      if (e !== 0 && (e & 15) <= bc) {
        bb >>>= e & 15;
        bc -= e & 15;
        sym = e >>> 4;
      } else {
        sym = slowDecode(lit, bb, bc);
        if (sym < 0) {
          if (sym === -2 || final) {
            this.outPos = out;
            return this.failAt(pos, sym === -2 ? 'bad literal/length code' : 'truncated');
          }
          return this.suspend(savePos, saveBb, saveBc, out);
        }
        const len = sym >>> 16;
        sym &= 0xffff;
        bb >>>= len;
        bc -= len;
      }
      if (sym < 256) {
        ring[out & RING_MASK] = sym;
        out++;
        continue;
      }
      if (sym === 256) {
        this.outPos = out;
        this.bitBuf = bb;
        this.bitCnt = bc;
        if (this.lastBlock) return this.endOfData(pos);
        this.mode = M.BLOCK;
        return this.normalize(pos);
      }
      sym -= 257;
      if (sym >= 29) {
        this.outPos = out;
        return this.failAt(pos, 'bad length symbol');
      }
      let length = LEN_BASE[sym]!;
      let extra = LEN_EXTRA[sym]!;
      if (extra > 0) {
        while (bc < extra && pos < end) {
          bb |= buf[pos++]! << bc;
          bc += 8;
        }
        if (bc < extra) {
          if (final) {
            this.outPos = out;
            return this.failAt(pos, 'truncated');
          }
          return this.suspend(savePos, saveBb, saveBc, out);
        }
        length += bb & ((1 << extra) - 1);
        bb >>>= extra;
        bc -= extra;
      }
      while (bc < 15 && pos < end) {
        bb |= buf[pos++]! << bc;
        bc += 8;
      }
      let dsym: number;
      e = distFast[bb & FAST_MASK]!;
      if (e !== 0 && (e & 15) <= bc) {
        bb >>>= e & 15;
        bc -= e & 15;
        dsym = e >>> 4;
      } else {
        dsym = slowDecode(dist, bb, bc);
        if (dsym < 0) {
          if (dsym === -2 || final) {
            this.outPos = out;
            return this.failAt(pos, dsym === -2 ? 'bad distance code' : 'truncated');
          }
          return this.suspend(savePos, saveBb, saveBc, out);
        }
        const len = dsym >>> 16;
        dsym &= 0xffff;
        bb >>>= len;
        bc -= len;
      }
      if (dsym >= 30) {
        this.outPos = out;
        return this.failAt(pos, 'bad distance symbol');
      }
      let distance = DIST_BASE[dsym]!;
      extra = DIST_EXTRA[dsym]!;
      if (extra > 0) {
        while (bc < extra && pos < end) {
          bb |= buf[pos++]! << bc;
          bc += 8;
        }
        if (bc < extra) {
          if (final) {
            this.outPos = out;
            return this.failAt(pos, 'truncated');
          }
          return this.suspend(savePos, saveBb, saveBc, out);
        }
        distance += bb & ((1 << extra) - 1);
        bb >>>= extra;
        bc -= extra;
      }
      if (distance > out || distance > WINDOW) {
        this.outPos = out;
        return this.failAt(pos, 'distance too far back');
      }
      let from = out - distance;
      const stop = out + length;
      while (out < stop) ring[out++ & RING_MASK] = ring[from++ & RING_MASK]!;
    }
  }

  /** An incomplete step: roll back to its start and wait for more input. */
  private suspend(pos: number, bb: number, bc: number, out: number): number {
    this.outPos = out;
    this.bitBuf = bb;
    this.bitCnt = bc;
    return this.normalize(pos);
  }
}

/**
 * Canonical decode bit by bit for codes the fast table does not hold. Returns symbol | length << 16, -1 when
 * the bits run out before a code completes, -2 when the bits match no code.
 */
function slowDecode(h: Huffman, bb: number, bc: number): number {
  let code = 0;
  let first = 0;
  let index = 0;
  const count = h.count;
  for (let len = 1; len <= 15; len++) {
    if (len > bc) return -1;
    code |= (bb >>> (len - 1)) & 1;
    const c = count[len]!;
    if (code - c < first) return h.symbol[index + (code - first)]! | (len << 16);
    index += c;
    first += c;
    first <<= 1;
    code <<= 1;
  }
  return -2;
}
