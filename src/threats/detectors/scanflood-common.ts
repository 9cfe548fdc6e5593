/**
 * What the scan, flood and amplification detectors (scan.ts, flood.ts, amplification.ts) share: composite
 * table keys made of numbers, addresses kept as words in table entries (text only when a finding is made),
 * and a per-second rate tracker for one destination.
 */
import { formatAddress } from '../../decode/address.js';
import type { Flow } from '../../flow/flow.js';
import { DistinctCounter, mix32 } from '../tables.js';

const SCRATCH = new Uint32Array(4);

/** An address kept in a table entry as its four words and IP version (no string until a finding). */
export class AddressWords {
  v = 0;
  w0 = 0;
  w1 = 0;
  w2 = 0;
  w3 = 0;

  set(v: number, w0: number, w1: number, w2: number, w3: number): void {
    this.v = v;
    this.w0 = w0;
    this.w1 = w1;
    this.w2 = w2;
    this.w3 = w3;
  }

  setWords(v: number, words: Uint32Array): void {
    this.set(v, words[0]!, words[1]!, words[2]!, words[3]!);
  }

  setFlow(flow: Flow, server: boolean): void {
    if (server) this.set(flow.ipVersion, flow.serverAddr0, flow.serverAddr1, flow.serverAddr2, flow.serverAddr3);
    else this.set(flow.ipVersion, flow.clientAddr0, flow.clientAddr1, flow.clientAddr2, flow.clientAddr3);
  }

  text(): string {
    return wordsText(this.v, this.w0, this.w1, this.w2, this.w3);
  }
}

/**
 * Distinct 32-bit values, exact and inline up to four (no allocation: most table entries only ever see one
 * port, one host or one source), then a `DistinctCounter` (128 bytes of bits) made at the fifth.
 */
export class LazyDistinct {
  private k = 0;
  private v0 = 0;
  private v1 = 0;
  private v2 = 0;
  private v3 = 0;
  private counter: DistinctCounter | null = null;

  /** `keep`: how many of the first values `first()` gives (at most 8). */
  constructor(private readonly keep: number) {}

  /** Adds a value; true when it was certainly not seen before. */
  add(value: number): boolean {
    const x = value >>> 0;
    const c = this.counter;
    if (c !== null) return c.add(x);
    const k = this.k;
    if ((k > 0 && this.v0 === x) || (k > 1 && this.v1 === x) || (k > 2 && this.v2 === x) || (k > 3 && this.v3 === x))
      return false;
    if (k === 0) this.v0 = x;
    else if (k === 1) this.v1 = x;
    else if (k === 2) this.v2 = x;
    else if (k === 3) this.v3 = x;
    else {
      const n = new DistinctCounter(this.keep);
      n.add(this.v0);
      n.add(this.v1);
      n.add(this.v2);
      n.add(this.v3);
      n.add(x);
      this.counter = n;
      return true;
    }
    this.k = k + 1;
    return true;
  }

  /** How many distinct values were added (exact up to four, then the counter's estimate). */
  get estimate(): number {
    return this.counter !== null ? this.counter.estimate + 0 : this.k; // + 0: an empty counter says -0
  }

  /** The first values, in order (up to `keep`): allocates, for findings only. */
  first(): number[] {
    if (this.counter !== null) return this.counter.first.slice(0, this.keep);
    return [this.v0, this.v1, this.v2, this.v3].slice(0, Math.min(this.k, this.keep));
  }

  clear(): void {
    this.k = 0;
    // A counter once made is kept, cleared (no new allocation the next time).
    this.counter?.clear();
  }
}

/** Address text of four words (for findings only). */
export function wordsText(v: number, w0: number, w1: number, w2: number, w3: number): string {
  SCRATCH[0] = w0;
  SCRATCH[1] = w1;
  SCRATCH[2] = w2;
  SCRATCH[3] = w3;
  return formatAddress(SCRATCH, v === 6 ? 6 : 4);
}

/** A table key folded to 32 bits, for a `DistinctCounter` (an IPv4 address key is the address itself). */
export function fold32(key: number): number {
  return key < 0x100000000 ? key >>> 0 : (key >>> 0) ^ mix32(Math.floor(key / 0x100000000));
}

/** Whether four address words are a multicast or the IPv4 limited broadcast address. */
export function isGroupAddress(v: number, w0: number): boolean {
  if (v === 4) return w0 >>> 28 === 14 || w0 >>> 0 === 0xffffffff;
  return w0 >>> 24 === 0xff;
}

/** Whether a TCP flow carried payload in direction `dir` (0 to server, 1 to client). */
export function tcpCarried(flow: Flow, dir: 0 | 1): boolean {
  const tcp = flow.tcp;
  if (tcp === null) return false;
  const s = tcp.stats[dir];
  return s.segments > 0 || s.bytesDelivered > 0;
}

/** Seconds a `RateTrack` remembers: the longest `minSeconds` a flood detector judges over. */
export const RATE_RING = 8;

/**
 * Packet rate into one destination, bucketed by second of capture time over the last `span` seconds
 * (`minSeconds`). The detector adds packets to the current second (`n`, `bytes`) and judges the sum of
 * the `span - 1` seconds before it (`prevN`, `prevAux`, set by `open`) plus the current second so far, as
 * packets come: a flood is reported at the packet that crosses the threshold (a capture may end in the
 * middle of its second), and a 0.9 s burst straddling two seconds weighs what it weighs inside one.
 * `close` ends a second (when a packet falls in a later one, or from `tick`) with the detector's own
 * count for it (`aux`: replies, half-open SYNs) and follows the run of consecutive seconds with packets
 * (its start, packets, bytes, busiest second) for the finding's details. `fire` allows one finding per
 * `window` seconds.
 */
export class RateTrack {
  /** The second being counted (floor of capture time), -1 before the first packet. */
  sec = -1;
  /** Packets and bytes in `sec` so far. */
  n = 0;
  bytes = 0;
  /** Sums of packets and aux counts over the `span - 1` seconds before `sec`. */
  prevN = 0;
  prevAux = 0;
  /** `n` at the last in-second judgment (judged again 64 packets later at the earliest). */
  checkedAt = -1;
  /** Per second, slot `sec % RATE_RING` × 3: which second the slot holds, its packets, its aux count. */
  private readonly ring = new Float64Array(RATE_RING * 3).fill(-1);
  /** The run of consecutive closed seconds with packets: its first second, packets, bytes, busiest second. */
  runStart = -1;
  runPkts = 0;
  runBytes = 0;
  peak = 0;
  private lastClosed = -2;
  /** Second of the last finding, -Infinity before one. */
  reportedAt = Number.NEGATIVE_INFINITY;

  /** Starts counting second `sec`, with the sums of the `span - 1` seconds before it. */
  open(sec: number, span: number): void {
    this.sec = sec;
    this.n = this.bytes = 0;
    this.checkedAt = -1;
    let sn = 0;
    let sa = 0;
    for (let s = sec - span + 1; s < sec; s++) {
      const j = (((s % RATE_RING) + RATE_RING) % RATE_RING) * 3;
      const ring = this.ring;
      if (ring[j] === s) {
        sn += ring[j + 1]!;
        sa += ring[j + 2]!;
      }
    }
    this.prevN = sn;
    this.prevAux = sa;
  }

  /** Ends second `sec` with the detector's count `aux` for it. */
  close(aux: number): void {
    const sec = this.sec;
    const slot = (sec % RATE_RING) * 3;
    const ring = this.ring;
    ring[slot] = sec;
    ring[slot + 1] = this.n;
    ring[slot + 2] = aux;
    if (this.lastClosed !== sec - 1) {
      this.runStart = sec;
      this.runPkts = this.runBytes = this.peak = 0;
    }
    this.lastClosed = sec;
    this.runPkts += this.n;
    this.runBytes += this.bytes;
    if (this.n > this.peak) this.peak = this.n;
    this.n = this.bytes = 0;
  }

  /** Whether the second before `sec` was closed with packets: a run goes on into `sec`. */
  inRun(sec: number): boolean {
    return this.lastClosed === sec - 1;
  }

  /** One finding per `window` seconds: true (and noted) when none was made in the last `window`. */
  fire(window: number): boolean {
    if (this.sec - this.reportedAt < window) return false;
    this.reportedAt = this.sec;
    return true;
  }
}
