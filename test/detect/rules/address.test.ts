/**
 * Address and port lists: parsing, variables, negation and nesting, checked against independent oracles.
 *
 * The address oracle is Node's own `net.BlockList` (its parser of addresses and CIDR blocks, its membership
 * test), combined with Suricata's list semantics (plain members minus negated members; only negated members
 * start from "any") evaluated per address, recursively, with no ranges. The port oracle evaluates the same
 * semantics on each of the 65,536 ports. Random lists come from a seeded generator.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { compileAddress, compilePorts, parseIPv4, parseIPv6 } from '../../../src/detect/rules/address.js';
import { RuleError } from '../../../src/detect/rules/rule-error.js';
import { resolveVars } from '../../../src/detect/rules/vars.js';

const vars = resolveVars({});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function v4ToBytes(a: number): number[] {
  return [(a >>> 24) & 255, (a >>> 16) & 255, (a >>> 8) & 255, a & 255];
}
function v4Text(a: number): string {
  return v4ToBytes(a).join('.');
}
function v6Bytes(text: string): Uint8Array {
  const v = parseIPv6(text)!;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number((v >> BigInt(8 * (15 - i))) & 0xffn);
  return out;
}
function v6Text(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

// ---- the oracle: a tree of BlockLists, evaluated per address ----

type Oracle = { neg: boolean } & ({ any: true } | { block: net.BlockList } | { list: Oracle[] });

function oracleMember(o: Oracle, addr: string, family: 'ipv4' | 'ipv6'): boolean {
  let inside: boolean;
  if ('any' in o) inside = true;
  else if ('block' in o) inside = o.block.check(addr, family);
  else {
    const plus = o.list.filter((x) => !x.neg);
    const minus = o.list.filter((x) => x.neg);
    inside =
      (plus.length === 0 || plus.some((x) => oracleMember(x, addr, family))) &&
      !minus.some((x) => oracleMember({ ...x, neg: false }, addr, family));
  }
  return o.neg ? !inside : inside;
}

/** A random address list as rule text and as an oracle tree. */
function randomList(r: () => number, depth: number): { text: string; oracle: Oracle } {
  const neg = r() < 0.3;
  const bang = neg ? '!' : '';
  const pick = r();
  if (depth > 0 && pick < 0.3) {
    const n = 1 + Math.floor(r() * 4);
    const items = Array.from({ length: n }, () => randomList(r, depth - 1));
    return { text: `${bang}[${items.map((i) => i.text).join(',')}]`, oracle: { neg, list: items.map((i) => i.oracle) } };
  }
  const block = new net.BlockList();
  if (pick < 0.75) {
    // IPv4 CIDR in a small space (10.0.0.0/16) so that lists overlap often.
    const prefix = 16 + Math.floor(r() * 17);
    const a = (0x0a000000 | Math.floor(r() * 65536)) >>> 0;
    block.addSubnet(v4Text(a), prefix, 'ipv4');
    return { text: `${bang}${v4Text(a)}/${prefix}`, oracle: { neg, block } };
  }
  if (pick < 0.85) {
    const a = (0x0a000000 | Math.floor(r() * 65536)) >>> 0;
    const b = (a + Math.floor(r() * 300)) >>> 0;
    block.addRange(v4Text(a), v4Text(b), 'ipv4');
    return { text: `${bang}${v4Text(a)}-${v4Text(b)}`, oracle: { neg, block } };
  }
  const prefix = 112 + Math.floor(r() * 17);
  const base = `2001:db8::${Math.floor(r() * 65536).toString(16)}:${Math.floor(r() * 65536).toString(16)}`;
  block.addSubnet(base, prefix, 'ipv6');
  return { text: `${bang}${base}/${prefix}`, oracle: { neg, block } };
}

describe('address text', () => {
  it('parses IPv4 and refuses what is not IPv4', () => {
    expect(parseIPv4('10.1.2.3')).toBe(0x0a010203n);
    for (const bad of ['10.1.2', '10.1.2.256', '1.2.3.4.5', 'a.b.c.d', '', '45.143.203.024', '01.2.3.4'])
      expect(parseIPv4(bad)).toBeNull();
  });

  it.each([
    ['::', '0:0:0:0:0:0:0:0'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['2001:db8::8:800:200c:417a', '2001:db8:0:0:8:800:200c:417a'],
    ['fe80::', 'fe80:0:0:0:0:0:0:0'],
    ['::ffff:192.0.2.128', '0:0:0:0:0:ffff:c000:280'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ])('parses IPv6 %s', (text, full) => {
    expect(v6Text(v6Bytes(text))).toBe(full);
  });

  it('refuses malformed IPv6', () => {
    for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', ':::', 'g::1', '1:2:3:4:5:6:7'])
      expect(parseIPv6(bad)).toBeNull();
  });
});

describe('address lists', () => {
  it('any matches everything; CIDR, netmask, ranges, lists and negation', () => {
    const any = compileAddress('any', vars);
    expect(any.any).toBe(true);
    const m = compileAddress('[10.0.0.0/8,!10.1.0.0/16,192.168.1.5]', vars);
    expect(m.matchesV4(0x0a000001)).toBe(true);
    expect(m.matchesV4(0x0a010001)).toBe(false);
    expect(m.matchesV4(0xc0a80105)).toBe(true);
    expect(m.matchesV4(0xc0a80106)).toBe(false);
    expect(m.matchesV6(v6Bytes('::1'))).toBe(false);
    const mask = compileAddress('192.168.0.0/255.255.255.0', vars);
    expect(mask.matchesV4(0xc0a800ff)).toBe(true);
    expect(mask.matchesV4(0xc0a80100)).toBe(false);
    const range = compileAddress('10.0.0.5-10.0.0.7', vars);
    expect([4, 5, 6, 7, 8].map((x) => range.matchesV4(0x0a000000 + x))).toEqual([false, true, true, true, false]);
    const only = compileAddress('!1.2.3.4', vars);
    expect(only.matchesV4(0x01020304)).toBe(false);
    expect(only.matchesV4(0x01020305)).toBe(true);
    expect(only.matchesV6(v6Bytes('::1'))).toBe(true);
    const v6 = compileAddress('[2001:db8::/32,!2001:db8:1::/48]', vars);
    expect(v6.matchesV6(v6Bytes('2001:db8::1'))).toBe(true);
    expect(v6.matchesV6(v6Bytes('2001:db8:1::1'))).toBe(false);
    expect(v6.matchesV4(0x0a000001)).toBe(false);
  });

  it('resolves $HOME_NET and $EXTERNAL_NET with Suricata defaults, and a caller HOME_NET flows into EXTERNAL_NET', () => {
    const home = compileAddress('$HOME_NET', vars);
    const ext = compileAddress('$EXTERNAL_NET', vars);
    for (const [a, inHome] of [
      [0xc0a80101, true],
      [0x0a0a0a0a, true],
      [0xac100001, true],
      [0xac200001, false],
      [0x08080808, false],
    ] as const) {
      expect(home.matchesV4(a)).toBe(inHome);
      expect(ext.matchesV4(a)).toBe(!inHome);
    }
    expect(compileAddress('$HTTP_SERVERS', vars).matchesV4(0x0a000001)).toBe(true);
    const mine = resolveVars({ HOME_NET: '[100.64.0.0/10]' });
    expect(compileAddress('$EXTERNAL_NET', mine).matchesV4(0x0a000001)).toBe(true);
    expect(compileAddress('$EXTERNAL_NET', mine).matchesV4(0x64400001)).toBe(false);
    expect(() => compileAddress('[$HOME_NET,!$DNS_SERVERS]', mine)).toThrow(/matches no address/);
  });

  it('nested variables and nested lists; a variable is substituted as text, so its "!" negates it in a list', () => {
    const v = resolveVars({ A: '[10.0.0.0/8,$C]', C: '192.168.1.0/24', B: '![192.168.0.0/16,!192.168.1.0/24]' });
    const m = compileAddress('[$A,!10.9.0.0/16]', v);
    expect(m.matchesV4(0x0a010000)).toBe(true);
    expect(m.matchesV4(0x0a090001)).toBe(false);
    expect(m.matchesV4(0xc0a80101)).toBe(true);
    expect(m.matchesV4(0xc0a80201)).toBe(false);
    // $B alone: everything but (192.168/16 minus 192.168.1/24).
    const b = compileAddress('$B', v);
    expect([0xc0a80101, 0xc0a80201, 0x08080808].map((a) => b.matchesV4(a))).toEqual([true, false, true]);
    // Inside a list $B is a negated member, as the text "[192.168.0.0/16,![...]]" is in Suricata: 192.168/16
    // minus (192.168/16 minus 192.168.1/24), which is 192.168.1/24.
    const c = compileAddress('[192.168.0.0/16,$B]', v);
    expect([0xc0a80101, 0xc0a80201, 0x08080808].map((a) => c.matchesV4(a))).toEqual([true, false, false]);
    // The classic: [$HOME_NET,$EXTERNAL_NET] is HOME_NET minus HOME_NET.
    expect(() => compileAddress('[$HOME_NET,$EXTERNAL_NET]', vars)).toThrow(/matches no address/);
  });

  it.each([
    ['$NOPE', 'undefined-variable'],
    ['!any', 'invalid-value'],
    ['[1.2.3.4,!1.2.3.4]', 'invalid-value'],
    ['[1.2.3.4', 'syntax'],
    ['1.2.3.4]', 'syntax'],
    ['1.2.3.4/33', 'syntax'],
    ['1.2.3.4/255.0.255.0', 'syntax'],
    ['10.0.0.9-10.0.0.1', 'syntax'],
    ['hello', 'syntax'],
    ['[1.2.3.4,]', 'syntax'],
    ['2001:db8::/129', 'syntax'],
  ])('refuses %s (%s)', (text, kind) => {
    let err: unknown;
    try {
      compileAddress(text, vars);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).kind).toBe(kind);
  });

  it('refuses a variable that refers to itself', () => {
    const v = resolveVars({ LOOP: '[$LOOP2]', LOOP2: '$LOOP' });
    expect(() => compileAddress('$LOOP', v)).toThrow(/refers to itself/);
  });

  it('agrees with net.BlockList and the list semantics on 300 random nested lists (seeded)', () => {
    const r = rng(20261207);
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const { text, oracle } = randomList(r, 3);
      let m: ReturnType<typeof compileAddress>;
      try {
        m = compileAddress(text, vars);
      } catch (e) {
        // Only an empty result may be refused; then the oracle must find no member among the probes either.
        expect((e as RuleError).message).toMatch(/matches no address/);
        continue;
      }
      const probes: number[] = [];
      for (let k = 0; k < 200; k++) probes.push((0x0a000000 | Math.floor(r() * 65536)) >>> 0);
      for (let k = 0; k < 4; k++) {
        // Bounds of the compiled ranges and their neighbours (edges are where range code breaks).
        const j = Math.floor(r() * (m.v4.length / 2)) * 2;
        if (m.v4.length > 0) probes.push(m.v4[j]!, (m.v4[j]! - 1) >>> 0, m.v4[j + 1]!, (m.v4[j + 1]! + 1) >>> 0);
      }
      for (const a of probes) {
        expect(m.matchesV4(a), `${text} ${v4Text(a)}`).toBe(oracleMember(oracle, v4Text(a), 'ipv4'));
        checked++;
      }
      for (let k = 0; k < 40; k++) {
        const text6 = `2001:db8::${Math.floor(r() * 65536).toString(16)}:${Math.floor(r() * 65536).toString(16)}`;
        expect(m.matchesV6(v6Bytes(text6)), `${text} ${text6}`).toBe(oracleMember(oracle, text6, 'ipv6'));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50000);
  });
});

// ---- ports ----

type PortOracle = { neg: boolean } & ({ lo: number; hi: number } | { list: PortOracle[] });

function portMember(o: PortOracle, p: number): boolean {
  let inside: boolean;
  if ('lo' in o) inside = p >= o.lo && p <= o.hi;
  else {
    const plus = o.list.filter((x) => !x.neg);
    const minus = o.list.filter((x) => x.neg);
    inside = (plus.length === 0 || plus.some((x) => portMember(x, p))) && !minus.some((x) => portMember({ ...x, neg: false }, p));
  }
  return o.neg ? !inside : inside;
}

function randomPorts(r: () => number, depth: number): { text: string; oracle: PortOracle } {
  const neg = r() < 0.3;
  const bang = neg ? '!' : '';
  if (depth > 0 && r() < 0.3) {
    const items = Array.from({ length: 1 + Math.floor(r() * 4) }, () => randomPorts(r, depth - 1));
    return { text: `${bang}[${items.map((i) => i.text).join(',')}]`, oracle: { neg, list: items.map((i) => i.oracle) } };
  }
  const a = Math.floor(r() * 2000);
  const kind = r();
  if (kind < 0.4) return { text: `${bang}${a}`, oracle: { neg, lo: a, hi: a } };
  if (kind < 0.6) return { text: `${bang}${a}:`, oracle: { neg, lo: a, hi: 65535 } };
  if (kind < 0.7) return { text: `${bang}:${a}`, oracle: { neg, lo: 0, hi: a } };
  const b = a + Math.floor(r() * 500);
  return { text: `${bang}${a}:${b}`, oracle: { neg, lo: a, hi: b } };
}

describe('port lists', () => {
  it('any, numbers, ranges, open ranges, lists, negation and variables', () => {
    expect(compilePorts('any', vars).any).toBe(true);
    const m = compilePorts('[80,443,8000:8080,!8008]', vars);
    expect([79, 80, 443, 8000, 8008, 8080, 8081].map((p) => m.matches(p))).toEqual([false, true, true, true, false, true, false]);
    expect(compilePorts('1024:', vars).matches(65535)).toBe(true);
    expect(compilePorts('1024:', vars).matches(1023)).toBe(false);
    expect(compilePorts(':80', vars).matches(0)).toBe(true);
    expect(compilePorts('$HTTP_PORTS', vars).matches(80)).toBe(true);
    expect(compilePorts('$SHELLCODE_PORTS', vars).matches(80)).toBe(false);
    expect(compilePorts('$SHELLCODE_PORTS', vars).matches(81)).toBe(true);
    expect(compilePorts('$FILE_DATA_PORTS', vars).matches(143)).toBe(true);
    expect(compilePorts('[$HTTP_PORTS,$ORACLE_PORTS]', vars).matches(1521)).toBe(true);
  });

  it.each([
    ['65536', 'syntax'],
    ['80:70', 'syntax'],
    [':', 'syntax'],
    ['!any', 'invalid-value'],
    ['$NOPE_PORTS', 'undefined-variable'],
    ['[80,!80]', 'invalid-value'],
    ['http', 'syntax'],
  ])('refuses %s (%s)', (text, kind) => {
    expect(() => compilePorts(text, vars)).toThrow(RuleError);
    try {
      compilePorts(text, vars);
    } catch (e) {
      expect((e as RuleError).kind).toBe(kind);
    }
  });

  it('agrees with the brute-force oracle on every port for 80 random nested lists (seeded)', () => {
    const r = rng(7);
    for (let i = 0; i < 80; i++) {
      const { text, oracle } = randomPorts(r, 3);
      let m: ReturnType<typeof compilePorts>;
      try {
        m = compilePorts(text, vars);
      } catch {
        for (let p = 0; p <= 65535; p++) expect(portMember(oracle, p)).toBe(false);
        continue;
      }
      const got = new Uint8Array(65536);
      const want = new Uint8Array(65536);
      for (let p = 0; p <= 65535; p++) {
        got[p] = m.matches(p) ? 1 : 0;
        want[p] = portMember(oracle, p) ? 1 : 0;
      }
      expect(Buffer.from(got).equals(Buffer.from(want)), text).toBe(true);
    }
  });
});
