/**
 * Address and port lists of rule headers: parsing (with variables, `[..]` lists, nesting and `!`), set algebra
 * at load time, and matchers that are cheap per packet.
 *
 * Semantics (Suricata's): a list is the union of its plain members minus the union of its negated members; a
 * list with only negated members starts from "any". `!x` alone is "any" minus x. A variable stands for its text,
 * as in Suricata: with `EXTERNAL_NET = !$HOME_NET`, `[$HOME_NET,$EXTERNAL_NET]` reads `[[...],!$HOME_NET]` (a
 * negated member), which is empty. A list that ends up empty
 * (`!any`, `[1.2.3.4,!1.2.3.4]`) is refused, as Suricata refuses it.
 *
 * Compiled form: IPv4 as sorted, disjoint, non-adjacent `[lo, hi]` pairs of u32 in a Uint32Array; IPv6 as
 * sorted ranges of 8 u32 words (lo as 4 big-endian words, then hi); ports as sorted `[lo, hi]` pairs. Lookups
 * are a binary search, allocation-free. The set algebra runs on bigint ranges once per rule, never per packet.
 */
import { RuleError } from './rule-error.js';
import { MAX_VAR_DEPTH } from './vars.js';

/** Most members one address or port list may expand to (after variables); larger lists are refused. */
export const MAX_LIST_MEMBERS = 65536;

type Range = [bigint, bigint];

interface AddrSet {
  v4: Range[];
  v6: Range[];
}

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;

/** Sorts and merges overlapping or adjacent ranges. */
function normalize(ranges: Range[]): Range[] {
  if (ranges.length <= 1) return ranges.slice();
  const sorted = ranges.slice().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Range[] = [[sorted[0]![0], sorted[0]![1]]];
  for (let i = 1; i < sorted.length; i++) {
    const r = sorted[i]!;
    const last = out[out.length - 1]!;
    if (r[0] <= last[1] + 1n) {
      if (r[1] > last[1]) last[1] = r[1];
    } else out.push([r[0], r[1]]);
  }
  return out;
}

/** `a` minus `b`, both normalized. */
function subtract(a: Range[], b: Range[]): Range[] {
  const out: Range[] = [];
  for (const [lo0, hi] of a) {
    let lo = lo0;
    for (const [blo, bhi] of b) {
      if (bhi < lo || blo > hi) continue;
      if (blo > lo) out.push([lo, blo - 1n]);
      lo = bhi + 1n;
      if (lo > hi) break;
    }
    if (lo <= hi) out.push([lo, hi]);
  }
  return out;
}

// ---- the list syntax shared by addresses and ports ----

type ListNode =
  | { negated: boolean; kind: 'any' }
  | { negated: boolean; kind: 'item'; text: string }
  | { negated: boolean; kind: 'list'; items: ListNode[] };

class ListParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly what: string,
    private readonly vars: ReadonlyMap<string, string>,
    private readonly depth: number,
    private readonly count: { n: number },
  ) {}

  parseAll(): ListNode {
    const node = this.parseElement();
    this.skipSpace();
    if (this.pos < this.text.length) throw this.error(`unexpected "${this.text.slice(this.pos)}"`);
    return node;
  }

  private error(message: string): RuleError {
    return new RuleError('syntax', `${this.what} "${this.text}": ${message}`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++;
  }

  private parseElement(): ListNode {
    this.skipSpace();
    let negated = false;
    while (this.text[this.pos] === '!') {
      negated = !negated;
      this.pos++;
      this.skipSpace();
    }
    if (this.pos >= this.text.length) throw this.error('missing value');
    if (++this.count.n > MAX_LIST_MEMBERS)
      throw new RuleError('too-large', `${this.what} has more than ${MAX_LIST_MEMBERS} members`);
    const c = this.text[this.pos];
    if (c === '[') {
      this.pos++;
      const items: ListNode[] = [];
      for (;;) {
        items.push(this.parseElement());
        this.skipSpace();
        const d = this.text[this.pos];
        if (d === ',') {
          this.pos++;
          continue;
        }
        if (d === ']') {
          this.pos++;
          break;
        }
        throw this.error(d === undefined ? 'missing "]"' : `unexpected "${d}"`);
      }
      return { negated, kind: 'list', items };
    }
    const start = this.pos;
    while (this.pos < this.text.length && !',[] \t!'.includes(this.text[this.pos]!)) this.pos++;
    const word = this.text.slice(start, this.pos);
    if (word === '') throw this.error(`unexpected "${c}"`);
    // Suricata refuses an address followed by a space inside a list ("1.2.3.4 ,..."); after a comma is fine.
    if (this.what.startsWith('address') && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t'))
      throw this.error(`a space after "${word}"`);
    if (word.toLowerCase() === 'any') return { negated, kind: 'any' };
    if (word.startsWith('$')) {
      const name = word.slice(1);
      const value = this.vars.get(name);
      if (value === undefined) throw new RuleError('undefined-variable', `undefined variable "${word}" in ${this.what}`);
      if (this.depth >= MAX_VAR_DEPTH)
        throw new RuleError(
          'invalid-value',
          `variable "${word}" refers to itself, or variables nest deeper than ${MAX_VAR_DEPTH}`,
        );
      const inner = new ListParser(value, `${this.what} (${word})`, this.vars, this.depth + 1, this.count).parseAll();
      return negated ? { negated: true, kind: 'list', items: [inner] } : inner;
    }
    return { negated, kind: 'item', text: word };
  }
}

/** Evaluates a list node: `universe` is "any", `item` turns one member into ranges. */
function evaluate<S>(node: ListNode, ops: SetOps<S>): S {
  let value: S;
  if (node.kind === 'any') value = ops.all();
  else if (node.kind === 'item') value = ops.item(node.text);
  else {
    const plus = node.items.filter((n) => !n.negated);
    const minus = node.items.filter((n) => n.negated);
    let pos = plus.length === 0 ? ops.all() : ops.none();
    for (const n of plus) pos = ops.union(pos, evaluate(n, ops));
    for (const n of minus) pos = ops.minus(pos, evaluate({ ...n, negated: false } as ListNode, ops));
    value = pos;
  }
  return node.negated ? ops.minus(ops.all(), value) : value;
}

interface SetOps<S> {
  all(): S;
  none(): S;
  item(text: string): S;
  union(a: S, b: S): S;
  minus(a: S, b: S): S;
}

// ---- addresses ----

/** Parses dotted IPv4 text into a number, or null. */
export function parseIPv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    // No leading zeros ("024"): inet_pton refuses them, and so does Suricata.
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

/** Parses IPv6 text (with `::` and a trailing dotted IPv4) into a 128-bit number, or null. */
export function parseIPv6(text: string): bigint | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return null;
  let groups: number[] = [];
  let tailV4: bigint | null = null;
  let body = text;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tailV4 = parseIPv4(text.slice(lastColon + 1));
    if (tailV4 === null) return null;
    body = text.slice(0, lastColon + 1);
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
  }
  const want = tailV4 === null ? 8 : 6;
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const parseHalf = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parseHalf(halves[0]!);
  if (head === null) return null;
  if (halves.length === 2) {
    const tail = parseHalf(halves[1]!);
    if (tail === null || head.length + tail.length > want - 1) return null;
    groups = [...head, ...new Array<number>(want - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== want) return null;
    groups = head;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (tailV4 !== null) v = (v << 32n) | tailV4;
  return v;
}

function addressItem(text: string): AddrSet {
  const fail = (why: string) => new RuleError('syntax', `address "${text}": ${why}`);
  // Ranges `a-b` (Suricata accepts them for both families).
  const dash = text.indexOf('-');
  if (dash > 0) {
    const lo = addressItem(text.slice(0, dash));
    const hi = addressItem(text.slice(dash + 1));
    if (lo.v4.length === 1 && hi.v4.length === 1 && lo.v6.length === 0 && hi.v6.length === 0) {
      if (lo.v4[0]![0] > hi.v4[0]![1]) throw fail('the range ends before it starts');
      return { v4: [[lo.v4[0]![0], hi.v4[0]![1]]], v6: [] };
    }
    if (lo.v6.length === 1 && hi.v6.length === 1 && lo.v4.length === 0 && hi.v4.length === 0) {
      if (lo.v6[0]![0] > hi.v6[0]![1]) throw fail('the range ends before it starts');
      return { v4: [], v6: [[lo.v6[0]![0], hi.v6[0]![1]]] };
    }
    throw fail('a range needs two addresses of the same family');
  }
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const maskText = slash < 0 ? undefined : text.slice(slash + 1);
  const v4 = parseIPv4(addrText);
  if (v4 !== null) {
    let prefix = 32;
    if (maskText !== undefined) {
      if (/^\d{1,2}$/.test(maskText)) prefix = Number(maskText);
      else {
        // A dotted netmask (255.255.255.0) must be contiguous ones.
        const m = parseIPv4(maskText);
        if (m === null) throw fail('bad netmask');
        const hostBits = ~m & V4_MAX;
        if ((hostBits & (hostBits + 1n)) !== 0n) throw fail('bad netmask (the ones must come first)');
        prefix = 32 - (hostBits === 0n ? 0 : hostBits.toString(2).length);
      }
      if (prefix > 32) throw fail('prefix longer than 32');
    }
    const size = 1n << BigInt(32 - prefix);
    const lo = v4 & ~(size - 1n) & V4_MAX;
    return { v4: [[lo, lo + size - 1n]], v6: [] };
  }
  const v6 = parseIPv6(addrText);
  if (v6 !== null) {
    let prefix = 128;
    if (maskText !== undefined) {
      if (!/^\d{1,3}$/.test(maskText) || Number(maskText) > 128) throw fail('bad prefix length');
      prefix = Number(maskText);
    }
    const size = 1n << BigInt(128 - prefix);
    const lo = v6 & ~(size - 1n) & V6_MAX;
    return { v4: [], v6: [[lo, lo + size - 1n]] };
  }
  throw fail('not an IPv4 or IPv6 address, a CIDR block, "any" or a $variable');
}

const ADDRESS_OPS: SetOps<AddrSet> = {
  all: () => ({ v4: [[0n, V4_MAX]], v6: [[0n, V6_MAX]] }),
  none: () => ({ v4: [], v6: [] }),
  item: addressItem,
  union: (a, b) => ({ v4: normalize([...a.v4, ...b.v4]), v6: normalize([...a.v6, ...b.v6]) }),
  minus: (a, b) => ({ v4: subtract(normalize(a.v4), normalize(b.v4)), v6: subtract(normalize(a.v6), normalize(b.v6)) }),
};

/** A compiled address list. */
export class AddressMatcher {
  /** True when the list is every address of both families (then `matches*` is always true). */
  readonly any: boolean;
  /** Sorted disjoint IPv4 ranges: lo0, hi0, lo1, hi1, ... */
  readonly v4: Uint32Array;
  /** Sorted disjoint IPv6 ranges: 8 words each, lo (4 big-endian u32) then hi. */
  readonly v6: Uint32Array;
  /** The list as written in the rule. */
  readonly text: string;

  constructor(text: string, v4: Range[], v6: Range[]) {
    this.text = text;
    this.v4 = new Uint32Array(v4.length * 2);
    v4.forEach(([lo, hi], i) => {
      this.v4[i * 2] = Number(lo);
      this.v4[i * 2 + 1] = Number(hi);
    });
    this.v6 = new Uint32Array(v6.length * 8);
    v6.forEach(([lo, hi], i) => {
      for (let w = 0; w < 4; w++) {
        const shift = BigInt(96 - 32 * w);
        this.v6[i * 8 + w] = Number((lo >> shift) & 0xffffffffn);
        this.v6[i * 8 + 4 + w] = Number((hi >> shift) & 0xffffffffn);
      }
    });
    this.any =
      v4.length === 1 && v4[0]![0] === 0n && v4[0]![1] === V4_MAX && v6.length === 1 && v6[0]![0] === 0n && v6[0]![1] === V6_MAX;
  }

  /** Whether an IPv4 address (as an unsigned 32-bit number) is in the list. */
  matchesV4(addr: number): boolean {
    if (this.any) return true;
    const r = this.v4;
    let lo = 0;
    let hi = (r.length >> 1) - 1;
    // The last range whose start is <= addr.
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid * 2]! <= addr) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && addr <= r[hi * 2 + 1]!;
  }

  /**
   * Whether an IPv6 address is in the list: its 16 bytes at `offset` of `bytes` (network order), so that a
   * packet's header can be tested in place.
   */
  matchesV6(bytes: Uint8Array, offset = 0): boolean {
    if (this.any) return true;
    const r = this.v6;
    let lo = 0;
    let hi = (r.length >> 3) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (compare6(bytes, offset, r, mid * 8) >= 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && compare6(bytes, offset, r, hi * 8 + 4) <= 0;
  }
}

/** Compares 16 address bytes with 4 words of a range table: <0, 0, >0. */
function compare6(bytes: Uint8Array, offset: number, words: Uint32Array, at: number): number {
  for (let w = 0; w < 4; w++) {
    const o = offset + w * 4;
    const v = ((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 0;
    const t = words[at + w]!;
    if (v !== t) return v < t ? -1 : 1;
  }
  return 0;
}

/** Parses and compiles an address list of a rule header. Throws RuleError. */
export function compileAddress(text: string, vars: ReadonlyMap<string, string>): AddressMatcher {
  const node = new ListParser(text, 'address', vars, 0, { n: 0 }).parseAll();
  const set = evaluate(node, ADDRESS_OPS);
  const v4 = normalize(set.v4);
  const v6 = normalize(set.v6);
  if (v4.length === 0 && v6.length === 0) throw new RuleError('invalid-value', `address "${text}" matches no address`);
  return new AddressMatcher(text, v4, v6);
}

// ---- ports ----

function portNumber(text: string, whole: string): bigint {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new RuleError('syntax', `port "${whole}": "${text}" is not a port (0-65535)`);
  return BigInt(text);
}

function portItem(text: string): Range[] {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = portNumber(text, text);
    return [[p, p]];
  }
  const a = text.slice(0, colon);
  const b = text.slice(colon + 1);
  if (a === '' && b === '') throw new RuleError('syntax', `port "${text}": a range needs a bound`);
  const lo = a === '' ? 0n : portNumber(a, text);
  const hi = b === '' ? 65535n : portNumber(b, text);
  if (lo > hi) throw new RuleError('syntax', `port "${text}": the range ends before it starts`);
  return [[lo, hi]];
}

const PORT_OPS: SetOps<Range[]> = {
  all: () => [[0n, 65535n]],
  none: () => [],
  item: portItem,
  union: (a, b) => normalize([...a, ...b]),
  minus: (a, b) => subtract(normalize(a), normalize(b)),
};

/** A compiled port list. */
export class PortMatcher {
  readonly any: boolean;
  /** Sorted disjoint ranges: lo0, hi0, lo1, hi1, ... */
  readonly ranges: Uint32Array;
  readonly text: string;

  constructor(text: string, ranges: Range[]) {
    this.text = text;
    this.ranges = new Uint32Array(ranges.flatMap(([lo, hi]) => [Number(lo), Number(hi)]));
    this.any = ranges.length === 1 && ranges[0]![0] === 0n && ranges[0]![1] === 65535n;
  }

  matches(port: number): boolean {
    if (this.any) return true;
    const r = this.ranges;
    let lo = 0;
    let hi = (r.length >> 1) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid * 2]! <= port) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && port <= r[hi * 2 + 1]!;
  }
}

/** Parses and compiles a port list of a rule header. Throws RuleError. */
export function compilePorts(text: string, vars: ReadonlyMap<string, string>): PortMatcher {
  const node = new ListParser(text, 'port', vars, 0, { n: 0 }).parseAll();
  const ranges = normalize(evaluate(node, PORT_OPS));
  if (ranges.length === 0) throw new RuleError('invalid-value', `port "${text}" matches no port`);
  return new PortMatcher(text, ranges);
}
