/**
 * Content inspection: whether one buffer satisfies a rule's keywords for that buffer (contents, pcre,
 * byte_test, byte_jump, byte_extract, isdataat, bsize), with Suricata's semantics:
 *
 * - Keywords are tried in rule order. A match moves the *cursor* (the end of the last content or pcre match,
 *   or where byte_jump/byte_extract left it); relative keywords (`distance`, `within`, pcre `R`, `relative`)
 *   are placed from the cursor.
 * - When a later keyword fails, an earlier content is tried at its next occurrence only if the keyword after
 *   it depends on where it ended through `within` (a later occurrence cannot help a `distance`-only keyword,
 *   whose window only shrinks); a pcre is retried at its next match when any relative keyword follows it.
 * - A non-relative content that is absent ends the inspection at once.
 * - The work is bounded: at most `RECURSION_LIMIT` keyword evaluations per buffer (Suricata's default
 *   `inspection-recursion-limit`), after which the buffer does not match.
 *
 * Offsets are the rule's numbers: `depth` counts from `offset` (Suricata adds them at load), `within` from the
 * cursor including `distance`.
 */
import type {
  BufferMatch,
  ByteExtractMatch,
  ByteJumpMatch,
  ByteTestMatch,
  ContentMatch,
  NumberBase,
  NumberOrVar,
  PcreMatch,
} from './rules/model.js';
import type { CompiledPcre } from './pcre.js';
import { testNumber } from './rules/values.js';

/** Keyword evaluations per buffer inspection before giving up (Suricata's `inspection-recursion-limit`). */
export const RECURSION_LIMIT = 3000;

const MATCH = 1;
const NO_MATCH = 0;
const DISCONTINUE = -1;
type Outcome = typeof MATCH | typeof NO_MATCH | typeof DISCONTINUE;

/** One buffer's keywords, prepared once per rule: what the inspection needs beyond the model. */
export interface BufferProgram {
  readonly buffer: string;
  readonly steps: readonly BufferMatch[];
  /** Per step: retry this content/pcre at its next occurrence when the rest fails (see the file comment). */
  readonly retry: readonly boolean[];
  /** Per step: pcre compiled for V8 (null for other kinds). */
  readonly pcre: readonly (CompiledPcre | null)[];
  /** Per step: content bytes lower-cased when `nocase` (null for other kinds). */
  readonly folded: readonly (Uint8Array | null)[];
  /** Per step: the content's limits as Suricata holds them after loading (null for other kinds). */
  readonly specs: readonly (ContentSpec | null)[];
}

/**
 * A content's placement as Suricata's engine holds it once loaded: `offset` and `depth` absolute (depth is
 * offset + depth as written), flags for which keywords were given, and the limits `propagateLimits` derived
 * from the contents before it. A value named by a `byte_extract` variable is kept as its name.
 */
export interface ContentSpec {
  hasOffset: boolean;
  hasDepth: boolean;
  hasDistance: boolean;
  hasWithin: boolean;
  offset: number;
  depth: number;
  distance: number;
  within: number;
  offsetVar: string | null;
  depthVar: string | null;
  distanceVar: string | null;
  withinVar: string | null;
  /** Another content placed by `within` (or a negated one by `distance`) follows: retry this one when it fails. */
  withinNext: boolean;
  relativeNext: boolean;
}

function specOf(m: ContentMatch): ContentSpec {
  const v = (x: NumberOrVar | undefined): [number, string | null] =>
    x === undefined ? [0, null] : typeof x === 'number' ? [x, null] : [0, x];
  const [offset, offsetVar] = v(m.offset);
  const [depth0, depthVar] = v(m.depth);
  const [distance, distanceVar] = v(m.distance);
  const [within, withinVar] = v(m.within);
  const spec: ContentSpec = {
    hasOffset: m.offset !== undefined,
    hasDepth: m.depth !== undefined,
    hasDistance: m.distance !== undefined,
    hasWithin: m.within !== undefined,
    offset,
    // depth is counted from the offset when written; Suricata stores the sum.
    depth: m.depth === undefined ? 0 : depthVar === null ? depth0 + (offsetVar === null ? offset : 0) : 0,
    distance,
    within,
    offsetVar,
    depthVar,
    distanceVar,
    withinVar,
    withinNext: false,
    relativeNext: false,
  };
  if (m.startsWith) {
    spec.hasDepth = true;
    spec.depth = m.pattern.length;
  }
  return spec;
}

/**
 * Suricata's load-time propagation of limits along a buffer's contents (its `PropagateLimits`): a first
 * content's distance/within become offset/depth, and a content placed relative to earlier ones gets the
 * smallest offset (and the largest depth) its chain allows, counting a negated content as if it were at its
 * own earliest place. The engine then uses these as floors, so they change results in a few cases (a
 * relative content after a negated one cannot start before the negated content's length): netsieve does
 * the same to find what Suricata finds.
 */
function propagateLimits(steps: readonly BufferMatch[], specs: (ContentSpec | null)[]): void {
  let offset = 0;
  let offsetPlusPat = 0;
  let depth = 0;
  let activeDepthChain = false;
  let hasDepth = false;
  let hasEndsWith = false;
  let endsWithDepth = 0;
  const U16 = 0xffff;
  for (let i = 0; i < steps.length; i++) {
    const m = steps[i]!;
    const cd = specs[i];
    if (m.kind === 'pcre') {
      if (m.relative) depth = 0;
      else offsetPlusPat = offset = depth = 0;
      activeDepthChain = false;
      continue;
    }
    if (m.kind !== 'content' || cd === null || cd === undefined) {
      offsetPlusPat = offset = depth = 0;
      activeDepthChain = false;
      continue;
    }
    if (cd.offsetVar !== null || cd.depthVar !== null || cd.distanceVar !== null || cd.withinVar !== null) {
      // Suricata's arithmetic would run on variable indices; nothing sound to propagate.
      offsetPlusPat = offset = depth = 0;
      activeDepthChain = false;
      continue;
    }
    const len = m.pattern.length;
    if (!cd.hasDepth && !cd.hasOffset && !cd.hasWithin && !cd.hasDistance) {
      offset = depth = 0;
      offsetPlusPat = len;
      activeDepthChain = false;
      continue;
    }
    if (i === 0 && cd.distance >= 0 && cd.distance <= U16 && cd.within >= 0 && cd.within <= U16) {
      if (cd.hasDistance) {
        if (cd.distance > 0) cd.hasOffset = true;
        cd.hasDistance = false;
        cd.offset = cd.distance;
        cd.distance = 0;
      }
      if (cd.hasWithin) {
        cd.hasDepth = true;
        cd.hasWithin = false;
        cd.depth = cd.within + cd.offset;
        cd.within = 0;
      }
    }
    if (m.negated) {
      offset = depth = 0;
      offsetPlusPat = 0;
      activeDepthChain = false;
      continue;
    }
    if (cd.depth !== 0) {
      hasDepth = true;
      activeDepthChain = true;
    }
    if (!cd.hasDepth && !cd.hasWithin) {
      depth = 0;
      activeDepthChain = false;
    }
    if (!cd.hasDistance) offsetPlusPat = offset = 0;
    if (cd.hasDistance) {
      if (cd.distance >= 0) {
        if (offsetPlusPat + cd.distance > U16) return;
        offset = cd.offset = offsetPlusPat + cd.distance;
      } else {
        offset = cd.offset = -cd.distance > offsetPlusPat ? 0 : offsetPlusPat + cd.distance;
        offsetPlusPat = offset + len;
      }
    }
    if (activeDepthChain) {
      if (offsetPlusPat !== 0 && cd.hasWithin && cd.within >= 0) {
        if (depth !== 0 && depth > offsetPlusPat) {
          const dist = cd.hasDistance && cd.distance > 0 ? cd.distance : 0;
          if (depth + cd.within + dist > U16) return;
          depth = cd.depth = depth + cd.within + dist;
        } else {
          if (depth + cd.within > U16) return;
          depth = cd.depth = offset + cd.within;
        }
      } else if (cd.depth === 0 && depth !== 0 && cd.within > 0) {
        if (cd.hasDistance && cd.distance >= 0) {
          if (offsetPlusPat + cd.distance > U16) return;
          cd.offset = offsetPlusPat + cd.distance;
        }
        if (depth + cd.within > U16) return;
        depth = cd.depth = cd.within + depth;
        if (m.endsWith) {
          hasEndsWith = true;
          if (endsWithDepth === 0) endsWithDepth = depth;
          endsWithDepth = Math.min(endsWithDepth, depth);
        }
      }
    }
    if (cd.offset === 0 && cd.hasDistance && cd.distance >= 0) cd.offset = offsetPlusPat;
    const placed = (cd.hasDepth ? 1 : 0) | (cd.hasOffset ? 2 : 0) | (cd.hasWithin ? 4 : 0) | (cd.hasDistance ? 8 : 0);
    if ((placed === (8 | 4) || placed === 8) && cd.distance >= 0) {
      if (offsetPlusPat + cd.distance > U16) return;
      offset = cd.offset = offsetPlusPat + cd.distance;
      offsetPlusPat = offset + len;
    }
    if (cd.hasOffset) {
      offset = cd.offset;
      offsetPlusPat = offset + len;
    }
    if (cd.depth !== 0) {
      depth = cd.depth;
      offsetPlusPat = offset + len;
      if (m.endsWith) {
        hasEndsWith = true;
        if (endsWithDepth === 0) endsWithDepth = depth;
        endsWithDepth = Math.min(endsWithDepth, depth);
      }
    }
    if (!cd.hasWithin && !cd.hasDepth) {
      activeDepthChain = false;
      depth = 0;
    }
  }
  // An anchored `endswith` bounds every content of the buffer.
  if (hasDepth && hasEndsWith)
    for (const cd of specs) {
      if (cd === null) continue;
      if (cd.depth === 0) cd.depth = endsWithDepth;
      cd.depth = Math.min(endsWithDepth, cd.depth);
      if (cd.depth !== 0) cd.hasDepth = true;
    }
}

const isRelative = (m: BufferMatch): boolean => {
  switch (m.kind) {
    case 'content':
      return m.distance !== undefined || m.within !== undefined;
    case 'pcre':
    case 'byte_test':
    case 'byte_jump':
    case 'byte_extract':
    case 'isdataat':
      return m.relative;
    default:
      return false;
  }
};

/** Builds a buffer's program from its keywords (in rule order) and their compiled pcre. */
export function bufferProgram(
  buffer: string,
  steps: readonly BufferMatch[],
  pcre: (m: PcreMatch) => CompiledPcre,
): BufferProgram {
  const retry = steps.map(() => false);
  const specs = steps.map((m) => (m.kind === 'content' ? specOf(m) : null));
  // What a relative keyword marks on the keyword it is placed from (Suricata's *_NEXT flags, set at load):
  // that one is retried at its next occurrence when the rest fails. A content is marked by a content placed
  // by `within`, a negated content placed by `distance`, and any relative byte_test, byte_jump,
  // byte_extract, isdataat or pcre, but not by a `distance`-only content (a later occurrence cannot help it);
  // a pcre by any relative keyword. Which keyword is "before" differs as in Suricata: contents and pcre look
  // back to the last content or pcre; the byte keywords and isdataat too in a sticky buffer, but on the
  // packet payload to the last keyword of any of these kinds (so a byte_test in between hides the content).
  const payload = buffer === 'pkt_data';
  for (let j = 0; j < steps.length; j++) {
    const m = steps[j]!;
    if (!isRelative(m)) continue;
    const wide = payload && m.kind !== 'content' && m.kind !== 'pcre';
    let prev = -1;
    for (let k = j - 1; k >= 0; k--) {
      const kind = steps[k]!.kind;
      if (kind === 'content' || kind === 'pcre' || (wide && kind !== 'bsize')) {
        prev = k;
        break;
      }
    }
    if (prev < 0) continue;
    const p = steps[prev]!;
    if (p.kind === 'pcre') retry[prev] = true;
    else if (p.kind === 'content') {
      specs[prev]!.relativeNext = true;
      if (m.kind !== 'content' || m.within !== undefined || m.negated) specs[prev]!.withinNext = true;
    }
  }
  propagateLimits(steps, specs);
  return {
    buffer,
    steps,
    retry,
    specs,
    pcre: steps.map((m) => (m.kind === 'pcre' ? pcre(m) : null)),
    folded: steps.map((m) => (m.kind === 'content' ? (m.nocase ? lowerAscii(m.pattern) : m.pattern) : null)),
  };
}

/** ASCII letters lower-cased (what `nocase` compares). */
export function lowerAscii(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out[i] = b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
  }
  return out;
}

/** Byte variables set by `byte_extract`, by name, shared by the buffers of one rule evaluation. */
export type ByteVars = Map<string, bigint>;

/** The state of one inspection: the buffer, its latin1 text for pcre (made on first use), the budget. */
class Inspection {
  cursor = 0;
  budget = RECURSION_LIMIT;
  private text: string | null = null;

  constructor(
    readonly prog: BufferProgram,
    readonly buf: Uint8Array,
    readonly vars: ByteVars,
    readonly streamStart: number,
  ) {}

  latin1(): string {
    if (this.text === null) this.text = latin1(this.buf);
    return this.text;
  }

  num(v: NumberOrVar): number | null {
    if (typeof v === 'number') return v;
    const x = this.vars.get(v);
    return x === undefined ? null : Number(x);
  }

  run(i: number): Outcome {
    if (i >= this.prog.steps.length) return MATCH;
    if (--this.budget <= 0) return DISCONTINUE;
    const m = this.prog.steps[i]!;
    switch (m.kind) {
      case 'content':
        return this.content(i, m);
      case 'pcre':
        return this.pcre(i, m);
      case 'isdataat': {
        const at = this.num(m.offset);
        if (at === null) return NO_MATCH;
        const present = m.relative ? this.cursor + at <= this.buf.length : at < this.buf.length;
        if (present === m.negated) return m.relative || m.negated ? NO_MATCH : DISCONTINUE;
        return this.run(i + 1);
      }
      case 'bsize':
        return numberTest(m.test, this.buf.length) ? this.run(i + 1) : DISCONTINUE;
      case 'byte_test':
        return this.byteTest(m) ? this.run(i + 1) : NO_MATCH;
      case 'byte_jump':
        return this.byteJump(m) ? this.run(i + 1) : NO_MATCH;
      case 'byte_extract':
        return this.byteExtract(m) ? this.run(i + 1) : NO_MATCH;
    }
  }

  /** One content, as Suricata's content inspection runs it (detect-engine-content-inspection.c, 7.0). */
  private content(i: number, m: ContentMatch): Outcome {
    const buf = this.buf;
    const len = buf.length;
    const pat = this.prog.folded[i]!;
    const cd = this.prog.specs[i]!;
    const relative = cd.hasDistance || cd.hasWithin;
    let prevOffset = 0;
    const prevCursor = this.cursor;
    for (;;) {
      let depth = len;
      let offset = 0;
      let prevBufferOffset = prevCursor;
      if (relative) {
        offset = prevBufferOffset;
        let distance = cd.distance;
        if (cd.hasDistance) {
          if (cd.distanceVar !== null) {
            const d = this.num(cd.distanceVar);
            if (d === null) return NO_MATCH;
            distance = d;
          }
          offset = distance < 0 && -distance > offset ? 0 : offset + distance;
        }
        if (cd.hasWithin) {
          const within = cd.withinVar !== null ? this.num(cd.withinVar) : cd.within;
          if (within === null) return NO_MATCH;
          if (depth > prevBufferOffset + within + distance) depth = prevBufferOffset + within + distance;
          if (this.streamStart !== 0 && prevBufferOffset === 0) {
            if (depth <= this.streamStart) return m.negated ? this.run(i + 1) : NO_MATCH;
            if (depth < this.streamStart + len) depth -= this.streamStart;
          }
        }
        if (cd.depthVar !== null) {
          const dv = this.num(cd.depthVar);
          if (dv === null) return NO_MATCH;
          if (dv + prevBufferOffset < depth) depth = prevBufferOffset + dv;
        } else if (cd.depth !== 0 && cd.depth + prevBufferOffset < depth) depth = prevBufferOffset + cd.depth;
        if (cd.offsetVar !== null) {
          const ov = this.num(cd.offsetVar);
          if (ov === null) return NO_MATCH;
          if (ov > offset) offset = ov;
        } else if (cd.offset > offset) offset = cd.offset;
      } else {
        if (cd.depthVar !== null) {
          const dv = this.num(cd.depthVar);
          if (dv === null) return NO_MATCH;
          depth = dv;
        } else if (cd.depth !== 0) depth = cd.depth;
        if (this.streamStart !== 0 && cd.hasDepth) {
          if (depth <= this.streamStart) return m.negated ? this.run(i + 1) : NO_MATCH;
          if (depth < this.streamStart + len) depth -= this.streamStart;
        }
        if (cd.offsetVar !== null) {
          const ov = this.num(cd.offsetVar);
          if (ov === null) return NO_MATCH;
          offset = ov;
        } else offset = cd.offset;
        prevBufferOffset = 0;
      }
      if (cd.offsetVar !== null || cd.depthVar !== null) depth += offset;
      if (prevOffset !== 0) offset = prevOffset;
      if (depth > len) depth = len;
      if (offset > depth || depth <= 0) return m.negated ? this.run(i + 1) : NO_MATCH;
      const windowLen = depth - offset;
      let found = -1;
      if (!(m.endsWith && depth < len) && pat.length <= windowLen) found = search(buf, pat, offset, depth, m.nocase);
      if (found < 0) {
        if (m.negated) return this.run(i + 1);
        return relative ? NO_MATCH : DISCONTINUE;
      }
      const matchOffset = found + pat.length;
      if (m.negated) {
        // Suricata compares the searched window's length with the match's end offset here.
        if (m.endsWith && windowLen !== matchOffset) return this.run(i + 1);
        const single = !cd.hasDistance && !cd.hasWithin && !cd.relativeNext && !cd.hasDepth && !cd.hasOffset;
        return single ? DISCONTINUE : NO_MATCH;
      }
      this.cursor = matchOffset;
      if (!m.endsWith || matchOffset === len) {
        const r = this.run(i + 1);
        if (r !== NO_MATCH) return r;
        if (!cd.withinNext) return DISCONTINUE;
      }
      this.cursor = prevCursor;
      prevOffset = matchOffset - (pat.length - 1);
    }
  }

  private pcre(i: number, m: PcreMatch): Outcome {
    const re = this.prog.pcre[i]!.re;
    const text = this.latin1();
    const base = m.relative ? this.cursor : 0;
    const prevCursor = this.cursor;
    // A relative pcre sees the buffer from the cursor on (its `^` is there), as Suricata passes it.
    const subject = base === 0 ? text : text.slice(base);
    let start = 0;
    for (;;) {
      re.lastIndex = start;
      const hit = start <= subject.length ? re.exec(subject) : null;
      if (hit === null) return m.negated ? this.run(i + 1) : NO_MATCH;
      if (m.negated) return NO_MATCH;
      this.cursor = base + hit.index + hit[0].length;
      if (!this.prog.retry[i]) return this.run(i + 1);
      const r = this.run(i + 1);
      if (r !== NO_MATCH) return r;
      this.cursor = prevCursor;
      start = hit.index + 1;
    }
  }

  /** Where a byte_* keyword reads: the start, or null when its bytes are not all in the buffer. */
  private readAt(offset: NumberOrVar, relative: boolean, nbytes: number): number | null {
    const off = this.num(offset);
    if (off === null) return null;
    const at = (relative ? this.cursor : 0) + off;
    if (relative && this.buf.length - at <= 0) return null;
    if (at < 0 || nbytes > this.buf.length - at) return null;
    return at;
  }

  private read(
    at: number,
    m: { bytes: number; endian: string; string?: NumberBase; bitmask?: number },
  ): { value: bigint; used: number } | null {
    let value: bigint;
    let used: number;
    if (m.string !== undefined) {
      const r = parseDigits(this.buf, at, m.bytes, m.string);
      if (r === null) return null;
      value = r.value;
      used = r.used;
    } else {
      value = 0n;
      for (let k = 0; k < m.bytes; k++) {
        const b = BigInt(this.buf[m.endian === 'little' ? at + m.bytes - 1 - k : at + k]!);
        value = (value << 8n) | b;
      }
      used = m.bytes;
    }
    if (m.bitmask !== undefined) {
      const mask = BigInt(m.bitmask);
      value &= mask;
      if (value !== 0n && mask !== 0n) {
        let shift = 0n;
        while (((mask >> shift) & 1n) === 0n) shift++;
        value >>= shift;
      }
    }
    return { value, used };
  }

  private byteTest(m: ByteTestMatch): boolean {
    const at = this.readAt(m.offset, m.relative, m.bytes);
    if (at === null) return false;
    const r = this.read(at, m);
    if (r === null) return false;
    const target = typeof m.value === 'number' ? BigInt(m.value) : this.vars.get(m.value);
    if (target === undefined) return false;
    const v = r.value;
    let ok: boolean;
    switch (m.op) {
      case '<':
        ok = v < target;
        break;
      case '>':
        ok = v > target;
        break;
      case '=':
        ok = v === target;
        break;
      case '<=':
        ok = v <= target;
        break;
      case '>=':
        ok = v >= target;
        break;
      case '&':
        ok = (v & target) !== 0n;
        break;
      case '^':
        ok = (v ^ target) !== 0n;
        break;
    }
    return ok !== m.negated;
  }

  private byteJump(m: ByteJumpMatch): boolean {
    if (this.buf.length === 0) return false;
    const at = this.readAt(m.offset, m.relative, m.bytes);
    if (at === null) return false;
    const r = this.read(at, m);
    if (r === null) return false;
    let v = r.value * BigInt(m.multiplier);
    if (m.align && v % 4n !== 0n) v += 4n - (v % 4n);
    v += BigInt(m.postOffset);
    const len = BigInt(this.buf.length);
    let to = m.from === 'beginning' ? v : m.from === 'end' ? len + v : BigInt(at + r.used) + v;
    if (to < 0n) to = 0n;
    else if (to > len) return false;
    this.cursor = Number(to);
    return true;
  }

  private byteExtract(m: ByteExtractMatch): boolean {
    if (this.buf.length === 0) return false;
    const at = this.readAt(m.offset, m.relative, m.bytes);
    if (at === null) return false;
    const r = this.read(at, m);
    if (r === null) return false;
    let v = r.value * BigInt(m.multiplier);
    const align = BigInt(m.align);
    if (align > 1n && v % align !== 0n) v += align - (v % align);
    this.vars.set(m.name, v);
    this.cursor = at + r.used;
    return true;
  }
}

/**
 * Parses up to `n` characters at `at` as `strtoull` does in base 10, 16 or 8 (leading spaces, a sign, `0x`
 * for hex; stops at the first character that is not a digit): null when there is no digit or it overflows 64 bits.
 */
function parseDigits(buf: Uint8Array, at: number, n: number, base: NumberBase): { value: bigint; used: number } | null {
  if (n > 23) return null;
  const end = at + n;
  let i = at;
  while (i < end && (buf[i] === 0x20 || (buf[i]! >= 0x09 && buf[i]! <= 0x0d))) i++;
  let negative = false;
  if (i < end && (buf[i] === 0x2b || buf[i] === 0x2d)) {
    negative = buf[i] === 0x2d;
    i++;
  }
  const radix = base === 'hex' ? 16n : base === 'oct' ? 8n : 10n;
  if (
    base === 'hex' &&
    i + 2 < end + 1 &&
    buf[i] === 0x30 &&
    (buf[i + 1] === 0x78 || buf[i + 1] === 0x58) &&
    i + 2 < end &&
    digit(buf[i + 2]!) < 16
  )
    i += 2;
  let value = 0n;
  const start = i;
  while (i < end) {
    const d = digit(buf[i]!);
    if (d >= Number(radix)) break;
    value = value * radix + BigInt(d);
    i++;
  }
  if (i === start || value > 0xffffffffffffffffn) return null;
  if (negative) value = (0x10000000000000000n - value) & 0xffffffffffffffffn;
  return { value, used: i - at };
}

function digit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return 99;
}

/** `NumberTest` as dsize, urilen, bsize and the header tests write it (the rules folder's definition). */
export const numberTest = testNumber;

/** First occurrence of `pat` (lower-cased when `nocase`) in `buf[lo, hi)`, or -1. */
export function search(buf: Uint8Array, pat: Uint8Array, lo: number, hi: number, nocase: boolean): number {
  const n = pat.length;
  if (n === 0) return lo;
  const last = hi - n;
  const first = pat[0]!;
  if (!nocase) {
    for (let i = buf.indexOf(first, lo); i >= 0 && i <= last; i = buf.indexOf(first, i + 1)) {
      let k = 1;
      while (k < n && buf[i + k] === pat[k]) k++;
      if (k === n) return i;
    }
    return -1;
  }
  for (let i = lo; i <= last; i++) {
    let k = 0;
    while (k < n) {
      const b = buf[i + k]!;
      if ((b >= 0x41 && b <= 0x5a ? b | 0x20 : b) !== pat[k]) break;
      k++;
    }
    if (k === n) return i;
  }
  return -1;
}

function latin1(buf: Uint8Array): string {
  // Node's native latin1 decoder, over the same memory (no copy of the bytes): one character per byte.
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
}

/**
 * Whether `buf` satisfies the program's keywords (byte variables are read from and written to `vars`).
 * `streamStart`: for a window of a TCP stream, the stream offset of its first byte (0 for whole buffers).
 */
export function inspectBuffer(prog: BufferProgram, buf: Uint8Array, vars: ByteVars, streamStart = 0): boolean {
  if (prog.steps.length === 0) return true;
  return new Inspection(prog, buf, vars, streamStart).run(0) === MATCH;
}
