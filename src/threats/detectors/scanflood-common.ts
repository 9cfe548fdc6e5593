/**
 * What the scan, flood and amplification detectors (scan.ts, flood.ts, amplification.ts) share: composite
 * table keys made of numbers, addresses kept as words in table entries (text only when a finding is made),
 * and a per-second rate tracker for one destination.
 */
import { formatAddress } from '../../decode/address.js';
import type { Flow } from '../../flow/flow.js';
import { mix32 } from '../tables.js';

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

/** Address text of four words (for findings only). */
export function wordsText(v: number, w0: number, w1: number, w2: number, w3: number): string {
  SCRATCH[0] = w0;
  SCRATCH[1] = w1;
  SCRATCH[2] = w2;
  SCRATCH[3] = w3;
  return formatAddress(SCRATCH, v === 6 ? 6 : 4);
}

/**
 * One table key (a 53-bit number) for a pair of keys (two `addressKey`s, or an address key and a service
 * number). Two pairs colliding is as unlikely as two flows colliding in the flow table, and only merges
 * two counters.
 */
export function pairKey(a: number, b: number): number {
  const aLo = a >>> 0;
  const aHi = Math.floor(a / 0x100000000);
  const bLo = b >>> 0;
  const bHi = Math.floor(b / 0x100000000);
  const hi = mix32(aLo ^ mix32(bHi ^ 0x27d4eb2f) ^ Math.imul(aHi, 0x165667b1));
  const lo = mix32(bLo ^ mix32(aLo ^ 0x9e3779b9) ^ Math.imul(bHi ^ aHi, 0x85ebca6b));
  return (hi & 0x1fffff) * 0x100000000 + lo;
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

/**
 * Packet rate into one destination, bucketed by second of capture time, with a streak of consecutive
 * seconds at or above a rate and the once-per-window reporting of a sustained flood. The detector adds
 * packets with `add`; `roll` closes the current second (called when a packet falls in a later second, and
 * from `tick` for the last second of a burst) and says whether the flood is to be reported now.
 */
export class RateTrack {
  /** The second being counted (floor of capture time), -1 before the first packet. */
  sec = -1;
  /** Packets in `sec`. */
  n = 0;
  /** Bytes in `sec`. */
  bytes = 0;
  /** Consecutive hot seconds ending at `lastHot`. */
  streak = 0;
  lastHot = -2;
  /** Since the streak began: packets, bytes, the highest one-second count, the first hot second. */
  streakPkts = 0;
  streakBytes = 0;
  peak = 0;
  streakStart = 0;
  /** Second of the last finding, -Infinity before one. */
  reportedAt = Number.NEGATIVE_INFINITY;

  /**
   * Closes second `sec` whose count was judged `hot` (the caller's rate test); returns true when the
   * streak reached `minSeconds` and no finding was made in the last `window` seconds.
   */
  close(hot: boolean, minSeconds: number, window: number): boolean {
    let fire = false;
    if (hot) {
      if (this.lastHot === this.sec - 1 && this.streak > 0) this.streak++;
      else {
        this.streak = 1;
        this.streakPkts = this.streakBytes = this.peak = 0;
        this.streakStart = this.sec;
      }
      this.lastHot = this.sec;
      this.streakPkts += this.n;
      this.streakBytes += this.bytes;
      if (this.n > this.peak) this.peak = this.n;
      if (this.streak >= minSeconds && this.sec - this.reportedAt >= window) {
        this.reportedAt = this.sec;
        fire = true;
      }
    } else this.streak = 0;
    this.n = this.bytes = 0;
    return fire;
  }

  /** Starts counting second `sec` (after `close`, or for a fresh entry). */
  open(sec: number): void {
    if (this.sec >= 0 && sec > this.sec + 1) this.streak = 0; // a silent second broke the streak
    this.sec = sec;
    this.n = this.bytes = 0;
  }
}
