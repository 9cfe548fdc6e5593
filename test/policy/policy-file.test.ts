/**
 * The policy file: CIDR, port and name grammars, every validation rule of checkPolicy with its JSON path and
 * severity, parsePolicy's NS_ERR_POLICY, readPolicyFile's line and column, and no throw on any input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/decode/address.js';
import { isNetsieveError, type NetsieveError } from '../../src/errors.js';
import { cidrContains, formatCidr, parseCidr, parseCidrDetail } from '../../src/policy/cidr.js';
import { findJsonSyntaxError } from '../../src/policy/json-syntax.js';
import {
  checkPolicy,
  defaultKnownApps,
  memberPath,
  parseFqdn,
  parsePolicy,
  parsePort,
  readPolicyFile,
} from '../../src/policy/policy-file.js';
import type { PolicyProblem } from '../../src/policy/types.js';
import { mulberry32 } from '../helpers/packets.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-policy-file-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The issue's example, which must pass without a problem. */
const EXAMPLE = {
  mode: 'monitor',
  default: 'deny',
  groups: {
    web: { cidrs: ['10.0.0.0/24', 'fd00::/64'] },
    gh: { fqdns: ['github.com', '*.github.com'] },
    any: { cidrs: ['0.0.0.0/0', '::/0'] },
  },
  rules: [
    { id: 'r1', from: 'web', to: 'gh', ports: ['tcp/443', 'udp/53', 'tcp/8000-8100'], apps: ['tls', 'http'], action: 'allow' },
  ],
};

/** The problems of `doc` as [path, severity] pairs. */
function problemsOf(doc: unknown): [string, string][] {
  return checkPolicy(doc).problems.map((p) => [p.path, p.severity]);
}

/** The one problem of `doc` (fails when there are more or none). */
function only(doc: unknown): PolicyProblem {
  const { problems } = checkPolicy(doc);
  expect(problems, JSON.stringify(problems)).toHaveLength(1);
  return problems[0]!;
}

/** A document with one group `g` of the given spec and nothing else. */
const group = (spec: unknown) => ({ groups: { g: spec } });
/** A document with groups a and b and the given rules. */
const withRules = (...rules: unknown[]) => ({ groups: { a: { cidrs: ['10.0.0.0/8'] }, b: { fqdns: ['example.com'] } }, rules });

function addressWords(text: string): { version: number; words: Uint32Array } {
  const words = new Uint32Array(4);
  const version = parseAddress(text, words);
  return { version, words };
}

describe('parseCidr', () => {
  it('parses IPv4 blocks, and one address as a /32', () => {
    expect(parseCidr('10.0.0.0/24')).toEqual({ version: 4, words: [0x0a000000, 0, 0, 0], prefix: 24, text: '10.0.0.0/24' });
    expect(parseCidr('192.168.1.7')).toEqual({ version: 4, words: [0xc0a80107, 0, 0, 0], prefix: 32, text: '192.168.1.7' });
    expect(parseCidr('0.0.0.0/0')).toEqual({ version: 4, words: [0, 0, 0, 0], prefix: 0, text: '0.0.0.0/0' });
    expect(parseCidr('255.255.255.255/32')).toMatchObject({ words: [0xffffffff, 0, 0, 0], prefix: 32 });
  });

  it('parses IPv6 blocks (compressed, full, IPv4-mapped) and one address as a /128', () => {
    expect(parseCidr('fd00::/64')).toEqual({ version: 6, words: [0xfd000000, 0, 0, 0], prefix: 64, text: 'fd00::/64' });
    expect(parseCidr('::/0')).toMatchObject({ version: 6, words: [0, 0, 0, 0], prefix: 0 });
    expect(parseCidr('2001:DB8:0:0:0:0:0:1')).toMatchObject({ version: 6, words: [0x20010db8, 0, 0, 1], prefix: 128 });
    expect(parseCidr('::ffff:10.0.0.0/120')).toMatchObject({ version: 6, words: [0, 0, 0xffff, 0x0a000000], prefix: 120 });
    expect(parseCidr('2001:db8::/127')).toMatchObject({ prefix: 127 });
  });

  it('clears host bits and says they were set (the network is used)', () => {
    expect(parseCidrDetail('10.0.0.5/24')).toEqual({
      cidr: { version: 4, words: [0x0a000000, 0, 0, 0], prefix: 24, text: '10.0.0.5/24' },
      hostBits: true,
    });
    expect(parseCidrDetail('10.0.0.0/24')).toMatchObject({ hostBits: false });
    // Host bits in every word of an IPv6 address, masked across word boundaries.
    const r = parseCidrDetail('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/33');
    expect(r).toMatchObject({ cidr: { words: [0x20010db8, 0x80000000, 0, 0], prefix: 33 }, hostBits: true });
    expect(parseCidrDetail('fd00::1/127')).toMatchObject({ cidr: { words: [0xfd000000, 0, 0, 0] }, hostBits: true });
    expect(parseCidrDetail('fd00::1/128')).toMatchObject({ cidr: { words: [0xfd000000, 0, 0, 1] }, hostBits: false });
    expect(formatCidr(parseCidr('fd00:1:2:3::9/48') as never)).toBe('fd00:1:2::/48');
    expect(formatCidr(parseCidr('10.1.2.3/8') as never)).toBe('10.0.0.0/8');
  });

  it('refuses bad addresses, prefixes out of range or badly written, and zone indexes', () => {
    for (const [text, message] of [
      ['', /empty/],
      ['10.0.0.256/24', /not an IPv4 or IPv6 address/],
      ['10.0.0/24', /not an IPv4 or IPv6 address/],
      ['10.0.0.0/33', /more than 32 for an IPv4/],
      ['fd00::/129', /more than 128 for an IPv6/],
      ['10.0.0.0/', /prefix length "" is not a number/],
      ['10.0.0.0/08', /without leading zeros/],
      ['10.0.0.0/+8', /not a number/],
      ['10.0.0.0/8/8', /not a number/],
      ['10.0.0.0 /8', /not an IPv4/],
      ['/8', /not an IPv4/],
      ['fe80::1%eth0/64', /zone index/],
      ['github.com', /not an IPv4/],
      ['1:2:3:4:5:6:7:8:9', /not an IPv4/],
    ] as const) {
      const r = parseCidr(text);
      expect(typeof r, text).toBe('string');
      expect(r, text).toMatch(message);
    }
    expect(parseCidr(42 as unknown as string)).toBe('a CIDR must be a string');
  });

  it('cidrContains: prefix boundaries, both versions, versions never mix', () => {
    const v4 = parseCidr('10.0.0.0/24') as Exclude<ReturnType<typeof parseCidr>, string>;
    const a = (t: string) => addressWords(t);
    const inside = (c: typeof v4, t: string) => cidrContains(c, a(t).version, a(t).words);
    expect(inside(v4, '10.0.0.0')).toBe(true);
    expect(inside(v4, '10.0.0.255')).toBe(true);
    expect(inside(v4, '10.0.1.0')).toBe(false);
    expect(inside(v4, '9.255.255.255')).toBe(false);
    expect(inside(v4, '::ffff:10.0.0.1')).toBe(false);
    const all4 = parseCidr('0.0.0.0/0') as typeof v4;
    expect(inside(all4, '255.1.2.3')).toBe(true);
    expect(inside(all4, '::1')).toBe(false);
    const v6 = parseCidr('2001:db8::/33') as typeof v4;
    expect(inside(v6, '2001:db8:7fff::1')).toBe(true);
    expect(inside(v6, '2001:db8:8000::')).toBe(false);
    expect(inside(v6, '10.0.0.1')).toBe(false);
    const host = parseCidr('fd00::1') as typeof v4;
    expect(inside(host, 'fd00::1')).toBe(true);
    expect(inside(host, 'fd00::2')).toBe(false);
    const all6 = parseCidr('::/0') as typeof v4;
    expect(inside(all6, 'ffff::')).toBe(true);
    // Plain arrays work as well as typed ones.
    expect(cidrContains(v6, 6, [0x20010db8, 0x12345678, 1, 2])).toBe(true);
  });

  it('agrees with a bit-by-bit reference on random blocks and addresses (seeded)', () => {
    const rand = mulberry32(11);
    const word = () => Math.floor(rand() * 0x100000000) >>> 0;
    const bit = (w: ArrayLike<number>, i: number) => (w[i >>> 5]! >>> (31 - (i & 31))) & 1;
    for (let n = 0; n < 2000; n++) {
      const version = rand() < 0.5 ? 4 : 6;
      const bits = version === 4 ? 32 : 128;
      const prefix = Math.floor(rand() * (bits + 1));
      const net = version === 4 ? [word(), 0, 0, 0] : [word(), word(), word(), word()];
      const text = version === 4 ? `${net[0]! >>> 24}.${(net[0]! >>> 16) & 255}.${(net[0]! >>> 8) & 255}.${net[0]! & 255}` : null;
      const c =
        text !== null
          ? (parseCidr(`${text}/${prefix}`) as Exclude<ReturnType<typeof parseCidr>, string>)
          : (parseCidr(
              `${net.map((w) => `${(w >>> 16).toString(16)}:${(w & 0xffff).toString(16)}`).join(':')}/${prefix}`,
            ) as Exclude<ReturnType<typeof parseCidr>, string>);
      // Half the addresses share the prefix, so both answers are exercised.
      const addr = version === 4 ? [word(), 0, 0, 0] : [word(), word(), word(), word()];
      if (rand() < 0.5) for (let i = 0; i < prefix; i++) if (bit(addr, i) !== bit(net, i)) addr[i >>> 5]! ^= 1 << (31 - (i & 31));
      for (let i = 0; i < 4; i++) addr[i] = addr[i]! >>> 0;
      let want = true;
      for (let i = 0; i < prefix; i++) if (bit(addr, i) !== bit(net, i)) want = false;
      expect(cidrContains(c, version, addr), `${c.text} ${addr}`).toBe(want);
      for (let i = prefix; i < bits; i++) expect(bit(c.words, i), c.text).toBe(0);
    }
  });
});

describe('parsePort', () => {
  it('transports with a port, a range or no port; any case', () => {
    expect(parsePort('tcp/443')).toEqual({ proto: 6, lo: 443, hi: 443, text: 'tcp/443' });
    expect(parsePort('udp/53')).toEqual({ proto: 17, lo: 53, hi: 53, text: 'udp/53' });
    expect(parsePort('tcp/8000-8100')).toEqual({ proto: 6, lo: 8000, hi: 8100, text: 'tcp/8000-8100' });
    expect(parsePort('TCP/0-65535')).toEqual({ proto: 6, lo: 0, hi: 65535, text: 'TCP/0-65535' });
    expect(parsePort('Udp')).toEqual({ proto: 17, lo: 0, hi: 65535, text: 'Udp' });
    expect(parsePort('sctp/2905')).toEqual({ proto: 132, lo: 2905, hi: 2905, text: 'sctp/2905' });
    expect(parsePort('sctp')).toMatchObject({ proto: 132, lo: 0, hi: 65535 });
    expect(parsePort('icmp')).toMatchObject({ proto: 1, lo: 0, hi: 65535 });
    expect(parsePort('ICMPv6')).toMatchObject({ proto: 58, lo: 0, hi: 65535 });
    expect(parsePort('ip/47')).toEqual({ proto: 47, lo: 0, hi: 65535, text: 'ip/47' });
    expect(parsePort('IP/0')).toMatchObject({ proto: 0 });
    expect(parsePort('ip/255')).toMatchObject({ proto: 255 });
    expect(parsePort('tcp/7-7')).toMatchObject({ lo: 7, hi: 7 });
  });

  it('refuses bad transports, ports, ranges, and ip/N of a named transport', () => {
    for (const [text, message] of [
      ['tpc/443', /unknown transport "tpc"/],
      ['', /unknown transport ""/],
      ['/443', /unknown transport/],
      ['constructor', /unknown transport/],
      ['tcp/', /"" is not a port/],
      ['tcp/65536', /65536 is more than 65535/],
      ['tcp/99999', /more than 65535/],
      ['tcp/100-65536', /65536 is more than 65535/],
      ['tcp/200-100', /backwards: write 100-200/],
      ['tcp/0443', /not a port/],
      ['tcp/44 3', /not a port/],
      ['tcp/443,80', /not a port/],
      ['tcp/-1', /not a port/],
      ['tcp/443/1', /not a port/],
      ['tcp:443', /unknown transport/],
      ['icmp/8', /icmp has no ports/],
      ['icmpv6/128', /icmpv6 has no ports/],
      ['ip', /needs a protocol number/],
      ['ip/256', /0 to 255/],
      ['ip/x', /0 to 255/],
      ['ip/6', /ip\/6 is tcp: write "tcp" or "tcp\/PORT"/],
      ['ip/17', /write "udp"/],
      ['ip/132', /write "sctp"/],
      ['ip/1', /ip\/1 is icmp: write "icmp"$/],
      ['ip/58', /write "icmpv6"$/],
      [' tcp/443', /unknown transport/],
    ] as const) {
      const r = parsePort(text);
      expect(typeof r, text).toBe('string');
      expect(r, text).toMatch(message);
    }
    expect(parsePort(443)).toMatch(/must be a string like "tcp\/443", not the number 443/);
  });
});

describe('parseFqdn', () => {
  it('lower-cases, drops one trailing dot, and splits off the wildcard', () => {
    expect(parseFqdn('GitHub.COM.')).toEqual({
      pattern: { name: 'github.com', wildcard: false, text: 'GitHub.COM.' },
      warning: null,
    });
    expect(parseFqdn('*.github.com')).toEqual({
      pattern: { name: 'github.com', wildcard: true, text: '*.github.com' },
      warning: null,
    });
    expect(parseFqdn('*.Api.GitHub.com.')).toMatchObject({ pattern: { name: 'api.github.com', wildcard: true } });
    expect(parseFqdn('_dmarc.example.com')).toMatchObject({ pattern: { name: '_dmarc.example.com' } });
    expect(parseFqdn('localhost')).toMatchObject({ pattern: { name: 'localhost' }, warning: null });
    expect(parseFqdn('xn--bcher-kva.example')).toMatchObject({ pattern: { name: 'xn--bcher-kva.example' } });
    expect(parseFqdn('a1.b-2.c3d')).toMatchObject({ pattern: { name: 'a1.b-2.c3d' } });
  });

  it('warns about a wildcard over a single label (every .com name)', () => {
    expect(parseFqdn('*.com')).toEqual({
      pattern: { name: 'com', wildcard: true, text: '*.com' },
      warning: '"*.com" matches every .com name',
    });
  });

  it('length limits: labels of 63, names of 253 (wildcard included)', () => {
    const l63 = 'a'.repeat(63);
    expect(parseFqdn(`${l63}.com`)).toMatchObject({ pattern: { wildcard: false } });
    expect(parseFqdn(`${'a'.repeat(64)}.com`)).toMatch(/64 characters long; 63 at most/);
    const n253 = `${l63}.${l63}.${l63}.${'b'.repeat(61)}`; // 63*3 + 61 + 3 dots = 253
    expect(n253).toHaveLength(253);
    expect(typeof parseFqdn(n253)).toBe('object');
    expect(typeof parseFqdn(`${n253}.`)).toBe('object'); // the root dot is not counted
    expect(parseFqdn(`x${n253}`)).toMatch(/254 characters long; a DNS name has 253 at most/);
    expect(parseFqdn(`*.${n253.slice(2)}`)).toMatchObject({ pattern: { wildcard: true } });
    expect(parseFqdn(`*.${n253}`)).toMatch(/255 characters long/);
  });

  it('refuses wildcards anywhere but the whole leftmost label, IP addresses, and bad labels', () => {
    for (const [text, message] of [
      ['*', /"\*" alone would match every name/],
      ['*.', /"\*" alone/],
      ['*foo.com', /only once, as the whole leftmost label/],
      ['foo.*.com', /only once/],
      ['*.*.com', /only once/],
      ['a*.com', /only once/],
      ['', /an empty name/],
      ['.', /an empty name/],
      ['1.2.3.4', /"1.2.3.4" is an IP address, not a name: put it in cidrs/],
      ['1.2.3.4.', /IP address/],
      ['::1', /IP address/],
      ['FD00::1', /IP address/],
      ['10.0.0.0/8', /IP address/],
      ['*.10.0.0.1', /IP address/],
      ['999.1.1.1', /all-digit label "1"/],
      ['example.123', /all-digit label/],
      ['a..com', /empty label/],
      ['.example.com', /empty label/],
      ['example.com..', /empty label/],
      ['-a.com', /starts or ends with "-"/],
      ['a-.com', /starts or ends with "-"/],
      ['exa mple.com', /a character a DNS name cannot have/],
      ['bücher.de', /xn-- form/],
      ['\u212Aexample.com', /not ASCII/], // the Kelvin sign lower-cases to "k"
      ['exa\u0131mple.com', /not ASCII/],
      ['example.com/path', /cannot have/],
      ['http://example.com', /cannot have/],
    ] as const) {
      const r = parseFqdn(text);
      expect(typeof r, text).toBe('string');
      expect(r, text).toMatch(message);
    }
    expect(parseFqdn(null)).toMatch(/must be a string, not null/);
  });
});

describe('checkPolicy: a valid document', () => {
  it('the issue example has no problem and parses into the spec form', () => {
    const { policy, problems } = checkPolicy(EXAMPLE);
    expect(problems).toEqual([]);
    expect(policy).not.toBeNull();
    expect(policy!.mode).toBe('monitor');
    expect(policy!.defaultAction).toBe('deny');
    expect([...policy!.groups.keys()]).toEqual(['web', 'gh', 'any']);
    expect(policy!.groups.get('web')!.cidrs.map((c) => [c.version, c.prefix, c.text])).toEqual([
      [4, 24, '10.0.0.0/24'],
      [6, 64, 'fd00::/64'],
    ]);
    expect(policy!.groups.get('web')!.fqdns).toEqual([]);
    expect(policy!.groups.get('gh')).toEqual({
      name: 'gh',
      cidrs: [],
      fqdns: [
        { name: 'github.com', wildcard: false, text: 'github.com' },
        { name: 'github.com', wildcard: true, text: '*.github.com' },
      ],
    });
    expect(policy!.rules).toEqual([
      {
        id: 'r1',
        index: 0,
        from: 'web',
        to: 'gh',
        ports: [
          { proto: 6, lo: 443, hi: 443, text: 'tcp/443' },
          { proto: 17, lo: 53, hi: 53, text: 'udp/53' },
          { proto: 6, lo: 8000, hi: 8100, text: 'tcp/8000-8100' },
        ],
        apps: ['tls', 'http'],
        action: 'allow',
      },
    ]);
  });

  it('defaults: an empty object is monitor, deny, no groups, no rules', () => {
    expect(checkPolicy({})).toEqual({
      policy: { mode: 'monitor', defaultAction: 'deny', groups: new Map(), rules: [] },
      problems: [],
    });
  });

  it('every mode and default, $schema and comments are accepted; absent ports and apps are null', () => {
    for (const mode of ['discover', 'monitor', 'protect'])
      for (const action of ['allow', 'deny']) {
        const doc = {
          $schema: './node_modules/netsieve/schema/netsieve-policy.schema.json',
          comment: 'c',
          mode,
          default: action,
          groups: { 'web-1.a:b@c/d_e': { cidrs: ['10.0.0.1'], comment: 'x' } },
          rules: [{ id: 'R/1', from: 'web-1.a:b@c/d_e', to: 'web-1.a:b@c/d_e', action, comment: 'y' }],
        };
        const { policy, problems } = checkPolicy(doc);
        expect(problems).toEqual([]);
        expect(policy).toMatchObject({ mode, defaultAction: action });
        expect(policy!.rules[0]).toMatchObject({ ports: null, apps: null });
      }
  });

  it('knownApps replaces the registry names; the default is the registry', () => {
    expect(defaultKnownApps()).toEqual(['http', 'tls', 'dns', 'mdns', 'llmnr', 'redis', 'stratum']);
    const doc = withRules({ id: 'r', from: 'a', to: 'b', apps: ['quic'], action: 'allow' });
    expect(checkPolicy(doc, { knownApps: ['quic'] }).problems).toEqual([]);
    expect(checkPolicy(doc).problems).toEqual([
      {
        path: '$.rules[0].apps[0]',
        severity: 'error',
        message: 'unknown application "quic": the known ones are http, tls, dns, mdns, llmnr, redis, stratum',
      },
    ]);
  });
});

describe('checkPolicy: the top level', () => {
  it('anything but an object is one error at $, never a throw', () => {
    for (const v of [null, undefined, [], [EXAMPLE], 0, 42, Number.NaN, '', 'policy', true, false, () => 1, Symbol('s'), 10n]) {
      const { policy, problems } = checkPolicy(v);
      expect(policy).toBeNull();
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({
        path: '$',
        severity: 'error',
        message: expect.stringMatching(/must be a JSON object/),
      });
    }
  });

  it('an unknown key is an error at its path naming the allowed keys', () => {
    expect(only({ ...EXAMPLE, rule: [] })).toEqual({
      path: '$.rule',
      severity: 'error',
      message: 'unknown key "rule" in a policy: the keys are $schema, mode, default, groups, rules, comment',
    });
    expect(only({ 'bad key': 1 }).path).toBe('$["bad key"]');
    // An own __proto__ (JSON.parse makes one) is a key like any other, not the prototype.
    expect(only(JSON.parse('{"__proto__": {"mode": "x"}}')).path).toBe('$.__proto__');
  });

  it('mode, default, $schema, comment, groups and rules of the wrong type or value', () => {
    expect(only({ mode: 'enforce' })).toEqual({
      path: '$.mode',
      severity: 'error',
      message: 'mode must be one of discover, monitor, protect, not the string "enforce"',
    });
    expect(only({ mode: 'Monitor' }).path).toBe('$.mode');
    expect(only({ mode: null }).path).toBe('$.mode');
    expect(only({ default: 'drop' })).toMatchObject({
      path: '$.default',
      message: 'default must be allow or deny, not the string "drop"',
    });
    expect(only({ default: true }).path).toBe('$.default');
    expect(only({ $schema: 1 }).path).toBe('$.$schema');
    expect(only({ comment: ['x'] })).toMatchObject({ path: '$.comment', message: 'comment must be a string, not an array' });
    expect(only({ groups: [] })).toMatchObject({ path: '$.groups', message: expect.stringMatching(/must be an object/) });
    expect(only({ groups: null }).path).toBe('$.groups');
    expect(only({ rules: {} })).toMatchObject({ path: '$.rules', message: 'rules must be an array, not an object' });
    expect(only({ rules: 'r1' }).path).toBe('$.rules');
  });
});

describe('checkPolicy: groups', () => {
  it('group names: the pattern, with paths in brackets for names that are not identifiers', () => {
    expect(only({ groups: { 'odd name': { cidrs: ['10.0.0.0/8'] } } })).toEqual({
      path: '$.groups["odd name"]',
      severity: 'error',
      message: 'group name "odd name" must be a letter or digit, then letters, digits and _ . : @ / - (128 characters at most)',
    });
    for (const bad of ['', '-web', '.web', 'a b', 'wéb', 'a'.repeat(129), 'x\n'])
      expect(only({ groups: { [bad]: { cidrs: ['10.0.0.0/8'] } } }).severity, bad).toBe('error');
    expect(problemsOf({ groups: { ['a'.repeat(128)]: { cidrs: ['10.0.0.0/8'] } } })).toEqual([]);
    expect(problemsOf({ groups: { '0': { cidrs: ['10.0.0.0/8'] } } })).toEqual([]);
  });

  it('a group that is not an object, or has an unknown key', () => {
    expect(only(group(['10.0.0.0/8']))).toMatchObject({ path: '$.groups.g', severity: 'error' });
    expect(only(group('10.0.0.0/8')).path).toBe('$.groups.g');
    expect(only(group(null)).path).toBe('$.groups.g');
    expect(only(group({ cidrs: ['10.0.0.0/8'], fqnds: ['a.com'] }))).toEqual({
      path: '$.groups.g.fqnds',
      severity: 'error',
      message: 'unknown key "fqnds" in group "g": the keys are cidrs, fqdns, comment',
    });
    expect(only(group({ cidrs: ['10.0.0.0/8'], comment: 1 })).path).toBe('$.groups.g.comment');
  });

  it('a group with neither cidrs nor fqdns is a warning (setGroups may fill it), and the policy is usable', () => {
    for (const spec of [{}, { cidrs: [] }, { fqdns: [] }, { cidrs: [], fqdns: [], comment: 'filled at run time' }]) {
      const { policy, problems } = checkPolicy(group(spec));
      expect(problems).toEqual([
        {
          path: '$.groups.g',
          severity: 'warning',
          message: 'group "g" has no cidrs and no fqdns: it matches nothing unless given at run time by setGroups',
        },
      ]);
      expect(policy!.groups.get('g')).toEqual({ name: 'g', cidrs: [], fqdns: [] });
    }
  });

  it('cidrs: not an array, not strings, bad entries (errors) at each index', () => {
    expect(only(group({ cidrs: '10.0.0.0/8' }))).toMatchObject({
      path: '$.groups.g.cidrs',
      message: 'cidrs must be an array, not the string "10.0.0.0/8"',
    });
    expect(problemsOf(group({ cidrs: ['10.0.0.0/8', 7, '10.0.0.0/33', 'fd00::/64', 'nope', null] }))).toEqual([
      ['$.groups.g.cidrs[1]', 'error'],
      ['$.groups.g.cidrs[2]', 'error'],
      ['$.groups.g.cidrs[4]', 'error'],
      ['$.groups.g.cidrs[5]', 'error'],
    ]);
  });

  it('cidrs: host bits set and duplicates are warnings; the network is used once', () => {
    const { policy, problems } = checkPolicy(
      group({ cidrs: ['10.0.0.5/24', '10.0.0.0/24', 'FD00::1/64', 'fd00::/64', '10.0.0.0/25'] }),
    );
    expect(problems).toEqual([
      {
        path: '$.groups.g.cidrs[0]',
        severity: 'warning',
        message: '"10.0.0.5/24" has host bits set: the network 10.0.0.0/24 is used',
      },
      { path: '$.groups.g.cidrs[1]', severity: 'warning', message: '"10.0.0.0/24" is the same block as cidrs[0]' },
      {
        path: '$.groups.g.cidrs[2]',
        severity: 'warning',
        message: '"FD00::1/64" has host bits set: the network fd00::/64 is used',
      },
      { path: '$.groups.g.cidrs[3]', severity: 'warning', message: '"fd00::/64" is the same block as cidrs[2]' },
    ]);
    expect(policy!.groups.get('g')!.cidrs.map((c) => formatCidr(c))).toEqual(['10.0.0.0/24', 'fd00::/64', '10.0.0.0/25']);
    expect(policy!.groups.get('g')!.cidrs[0]!.text).toBe('10.0.0.5/24');
  });

  it('fqdns: errors at each index, the *.com warning, duplicates after normalising are warnings', () => {
    const { policy, problems } = checkPolicy(
      group({ fqdns: ['github.com', 'GitHub.com.', '*.com', '*foo.com', '1.2.3.4', '*.github.com', '*.GITHUB.com', 5] }),
    );
    expect(problems).toEqual([
      { path: '$.groups.g.fqdns[1]', severity: 'warning', message: '"GitHub.com." is the same name as fqdns[0]' },
      { path: '$.groups.g.fqdns[2]', severity: 'warning', message: '"*.com" matches every .com name' },
      {
        path: '$.groups.g.fqdns[3]',
        severity: 'error',
        message: expect.stringMatching(/only once, as the whole leftmost label/),
      },
      { path: '$.groups.g.fqdns[4]', severity: 'error', message: '"1.2.3.4" is an IP address, not a name: put it in cidrs' },
      { path: '$.groups.g.fqdns[6]', severity: 'warning', message: '"*.GITHUB.com" is the same name as fqdns[5]' },
      { path: '$.groups.g.fqdns[7]', severity: 'error', message: 'a name must be a string, not the number 5' },
    ]);
    expect(policy).toBeNull();
    const ok = checkPolicy(group({ fqdns: ['github.com', 'GitHub.com.', '*.com', '*.github.com'] })).policy!;
    expect(ok.groups.get('g')!.fqdns.map((f) => [f.name, f.wildcard])).toEqual([
      ['github.com', false],
      ['com', true],
      ['github.com', true],
    ]);
  });

  it('fqdns must be an array', () => {
    expect(only(group({ fqdns: { a: 1 } }))).toMatchObject({ path: '$.groups.g.fqdns', severity: 'error' });
  });
});

describe('checkPolicy: rules', () => {
  const rule = (extra: Record<string, unknown> = {}) => ({ id: 'r1', from: 'a', to: 'b', action: 'allow', ...extra });

  it('a rule that is not an object, and an unknown key', () => {
    for (const r of [null, 1, 'r1', [rule()]])
      expect(only(withRules(r))).toMatchObject({ path: '$.rules[0]', severity: 'error' });
    expect(only(withRules(rule({ port: ['tcp/80'] })))).toEqual({
      path: '$.rules[0].port',
      severity: 'error',
      message: 'unknown key "port" in a rule: the keys are id, from, to, ports, apps, action, comment',
    });
    expect(only(withRules(rule({ comment: 3 }))).path).toBe('$.rules[0].comment');
    // A hole in an array built in code is a rule that is not an object.
    // biome-ignore lint/suspicious/noSparseArray: the hole is the input under test
    expect(only(withRules(...[, rule()])).path).toBe('$.rules[0]');
  });

  it('id, from, to and action are required (error at the rule) and typed (error at the field)', () => {
    for (const key of ['id', 'from', 'to']) {
      const r: Record<string, unknown> = rule();
      delete r[key];
      expect(only(withRules(r)), key).toEqual({ path: '$.rules[0]', severity: 'error', message: `the rule has no ${key}` });
      expect(only(withRules({ ...rule(), [key]: 7 })), key).toMatchObject({
        path: `$.rules[0].${key}`,
        message: `${key} must be a string, not the number 7`,
      });
      expect(only(withRules({ ...rule(), [key]: 'has space' })), key).toMatchObject({
        path: `$.rules[0].${key}`,
        severity: 'error',
      });
      expect(only(withRules({ ...rule(), [key]: '' })), key).toMatchObject({ path: `$.rules[0].${key}`, severity: 'error' });
    }
    const { action: _, ...noAction } = rule();
    expect(only(withRules(noAction))).toEqual({
      path: '$.rules[0]',
      severity: 'error',
      message: 'the rule has no action (allow or deny)',
    });
    expect(only(withRules(rule({ action: 'drop' })))).toEqual({
      path: '$.rules[0].action',
      severity: 'error',
      message: 'action must be allow or deny, not the string "drop"',
    });
    expect(only(withRules(rule({ action: 'Allow' }))).path).toBe('$.rules[0].action');
  });

  it('duplicate ids: an error at the second, naming the first', () => {
    expect(
      problemsOf(withRules(rule({ ports: ['tcp/1'] }), rule({ id: 'r2', ports: ['tcp/2'] }), rule({ ports: ['tcp/3'] }))),
    ).toEqual([['$.rules[2].id', 'error']]);
    expect(checkPolicy(withRules(rule({ apps: ['tls'] }), rule({ apps: ['http'] }))).problems[0]!.message).toBe(
      'duplicate id "r1": rules[0] has it already',
    );
  });

  it('from/to naming a group not in the file: a warning (setGroups may give it); the policy is usable', () => {
    const { policy, problems } = checkPolicy(withRules(rule({ from: 'frontend', to: 'c' })));
    expect(problems).toEqual([
      {
        path: '$.rules[0].from',
        severity: 'warning',
        message: 'group "frontend" is not defined in this file: it matches nothing unless engine.setGroups gives it',
      },
      {
        path: '$.rules[0].to',
        severity: 'warning',
        message: 'group "c" is not defined in this file: it matches nothing unless engine.setGroups gives it',
      },
    ]);
    expect(policy!.rules[0]).toMatchObject({ from: 'frontend', to: 'c' });
    // A group refused for its own errors is still "defined": the problem is reported there, not again at the rule.
    expect(problemsOf({ groups: { a: { cidrs: ['bad'] } }, rules: [{ id: 'r', from: 'a', to: 'a', action: 'deny' }] })).toEqual([
      ['$.groups.a.cidrs[0]', 'error'],
    ]);
  });

  it('ports: not an array, empty, bad entries at each index, duplicates are warnings', () => {
    expect(only(withRules(rule({ ports: 'tcp/443' })))).toMatchObject({ path: '$.rules[0].ports', severity: 'error' });
    expect(only(withRules(rule({ ports: [] })))).toEqual({
      path: '$.rules[0].ports',
      severity: 'error',
      message: 'ports is empty: leave it out to match any',
    });
    expect(checkPolicy(withRules(rule({ ports: ['tcp/443', 'tpc/80', 'TCP/443', 'tcp/443-443', 'ip/6', 80] }))).problems).toEqual(
      [
        {
          path: '$.rules[0].ports[1]',
          severity: 'error',
          message: 'unknown transport "tpc": write tcp, udp, sctp, icmp, icmpv6 or ip/N',
        },
        { path: '$.rules[0].ports[2]', severity: 'warning', message: '"TCP/443" is the same as ports[0]' },
        { path: '$.rules[0].ports[3]', severity: 'warning', message: '"tcp/443-443" is the same as ports[0]' },
        { path: '$.rules[0].ports[4]', severity: 'error', message: 'ip/6 is tcp: write "tcp" or "tcp/PORT"' },
        { path: '$.rules[0].ports[5]', severity: 'error', message: 'a port must be a string like "tcp/443", not the number 80' },
      ],
    );
    const { policy } = checkPolicy(withRules(rule({ ports: ['tcp/443', 'TCP/443', 'icmp', 'ip/47'] })));
    expect(policy!.rules[0]!.ports).toEqual([
      { proto: 6, lo: 443, hi: 443, text: 'tcp/443' },
      { proto: 1, lo: 0, hi: 65535, text: 'icmp' },
      { proto: 47, lo: 0, hi: 65535, text: 'ip/47' },
    ]);
  });

  it('apps: not an array, empty, unknown (error listing the known ones), not strings, duplicates are warnings', () => {
    expect(only(withRules(rule({ apps: 'tls' })))).toMatchObject({ path: '$.rules[0].apps', severity: 'error' });
    expect(only(withRules(rule({ apps: [] })))).toMatchObject({
      path: '$.rules[0].apps',
      message: 'apps is empty: leave it out to match any',
    });
    expect(checkPolicy(withRules(rule({ apps: ['tls', 'TLS', 'ssh', 1, 'tls'] }))).problems).toEqual([
      {
        path: '$.rules[0].apps[1]',
        severity: 'error',
        message: 'unknown application "TLS": the known ones are http, tls, dns, mdns, llmnr, redis, stratum',
      },
      { path: '$.rules[0].apps[2]', severity: 'error', message: expect.stringMatching(/^unknown application "ssh"/) },
      { path: '$.rules[0].apps[3]', severity: 'error', message: 'an application must be a string like "tls", not the number 1' },
      { path: '$.rules[0].apps[4]', severity: 'warning', message: '"tls" is listed twice' },
    ]);
    expect(checkPolicy(withRules(rule({ apps: ['tls', 'tls', 'dns'] }))).policy!.rules[0]!.apps).toEqual(['tls', 'dns']);
  });

  it('a rule after one with the same from and to and no ports or apps: warning "never matches"', () => {
    const doc = withRules(
      rule({ id: 'narrow', ports: ['tcp/443'] }),
      rule({ id: 'broad', action: 'deny' }),
      rule({ id: 'other-direction', from: 'b', to: 'a' }),
      rule({ id: 'hidden', ports: ['tcp/80'], apps: ['http'] }),
      rule({ id: 'hidden-too' }),
    );
    const { policy, problems } = checkPolicy(doc);
    expect(problems).toEqual([
      {
        path: '$.rules[3]',
        severity: 'warning',
        message: 'never matches: rule 1 ("broad") decides every flow from "a" to "b" first',
      },
      {
        path: '$.rules[4]',
        severity: 'warning',
        message: 'never matches: rule 1 ("broad") decides every flow from "a" to "b" first',
      },
    ]);
    expect(policy!.rules.map((r) => [r.id, r.index])).toEqual([
      ['narrow', 0],
      ['broad', 1],
      ['other-direction', 2],
      ['hidden', 3],
      ['hidden-too', 4],
    ]);
    // An earlier rule with ports or apps shadows nothing (the simple check only).
    expect(problemsOf(withRules(rule({ apps: ['tls'] }), rule({ id: 'r2', apps: ['tls'] })))).toEqual([]);
  });

  it('problems come in document order, and one bad rule does not hide the next', () => {
    const doc = {
      mode: 'x',
      groups: { a: { cidrs: ['bad'] }, b: {} },
      rules: [{ id: 'r1', from: 'a', to: 'b', ports: ['tcp/99999'], action: 'allow' }, { id: 'r2' }],
    };
    expect(problemsOf(doc)).toEqual([
      ['$.mode', 'error'],
      ['$.groups.a.cidrs[0]', 'error'],
      ['$.groups.b', 'warning'],
      ['$.rules[0].ports[0]', 'error'],
      ['$.rules[1]', 'error'],
      ['$.rules[1]', 'error'],
      ['$.rules[1]', 'error'],
    ]);
  });
});

describe('messages and paths stay one short line whatever the input', () => {
  it('newlines, quotes and megabyte strings in keys and values are quoted and cut', () => {
    const huge = `x\n"${'y'.repeat(1_000_000)}`;
    const doc = {
      [huge]: 1,
      groups: { [`g\n${huge}`]: { cidrs: [huge, `10.0.0.0/${huge}`], fqdns: [huge, `a.${huge}`, `*${huge}`] } },
      rules: [{ id: 'r', from: 'a', to: 'b', ports: [huge, `tcp/${huge}`, `ip/${huge}`], apps: [huge], action: huge }],
    };
    const { problems } = checkPolicy(doc);
    expect(problems.length).toBeGreaterThanOrEqual(12);
    for (const p of problems) {
      expect(p.message, p.path.slice(0, 40)).not.toMatch(/[\n\r]/);
      expect(p.message.length, p.message.slice(0, 80)).toBeLessThan(400);
      expect(p.path).not.toMatch(/[\n\r]/);
    }
    expect(only({ 'a\nb': 1 }).path).toBe('$["a\\nb"]');
  });
});

describe('memberPath', () => {
  it('dots for identifiers, JSON-quoted brackets otherwise', () => {
    expect(memberPath('$.groups', 'web')).toBe('$.groups.web');
    expect(memberPath('$.groups', '_x$1')).toBe('$.groups._x$1');
    expect(memberPath('$.groups', 'odd name')).toBe('$.groups["odd name"]');
    expect(memberPath('$.groups', 'web-1')).toBe('$.groups["web-1"]');
    expect(memberPath('$.groups', '1web')).toBe('$.groups["1web"]');
    expect(memberPath('$.groups', 'a"b')).toBe('$.groups["a\\"b"]');
  });
});

describe('parsePolicy', () => {
  it('returns the policy and drops warnings', () => {
    expect(parsePolicy({ groups: { g: {} } }).groups.get('g')).toEqual({ name: 'g', cidrs: [], fqdns: [] });
  });

  it('throws NS_ERR_POLICY listing every error as "path: message"', () => {
    let err: NetsieveError | undefined;
    try {
      parsePolicy({
        mode: 'x',
        groups: { g: {} },
        rules: [{ id: 'r', from: 'g', to: 'g', action: 'allow', ports: ['tcp/0443'] }],
      });
    } catch (e) {
      if (isNetsieveError(e)) err = e;
    }
    expect(err?.code).toBe('NS_ERR_POLICY');
    expect(err?.message).toBe(
      'the policy has 2 errors: $.mode: mode must be one of discover, monitor, protect, not the string "x"; ' +
        '$.rules[0].ports[0]: "0443" is not a port or a range of ports ("tcp/443", "tcp/8000-8100")',
    );
    expect(() => parsePolicy(null)).toThrow(/^the policy has 1 error: \$: a policy must be a JSON object/);
  });
});

describe('readPolicyFile', () => {
  function write(name: string, text: string | Uint8Array): string {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, text);
    return p;
  }
  function thrown(f: () => unknown): NetsieveError {
    try {
      f();
    } catch (e) {
      if (isNetsieveError(e)) return e;
      throw e;
    }
    throw new Error('did not throw');
  }

  it('reads JSON (with or without a UTF-8 byte order mark)', () => {
    expect(readPolicyFile(write('ok.json', JSON.stringify(EXAMPLE)))).toEqual(EXAMPLE);
    expect(readPolicyFile(write('bom.json', `\ufeff${JSON.stringify(EXAMPLE)}`))).toEqual(EXAMPLE);
    expect(readPolicyFile(write('null.json', 'null'))).toBeNull();
  });

  it('NS_ERR_POLICY with the file name for a file that cannot be read', () => {
    const missing = path.join(tmp, 'missing.json');
    const e = thrown(() => readPolicyFile(missing));
    expect(e.code).toBe('NS_ERR_POLICY');
    expect(e.file).toBe(missing);
    expect(e.message).toMatch(new RegExp(`^${missing.replace(/[.\\/]/g, '\\$&')}: cannot read the policy file: ENOENT`));
    expect(thrown(() => readPolicyFile(tmp)).code).toBe('NS_ERR_POLICY'); // a directory
  });

  it('NS_ERR_POLICY with the line and column of a JSON syntax error', () => {
    for (const [text, where, what] of [
      ['{\n  "groups": {\n    "a": }\n}', 'line 3, column 10', '"}" where a value was expected'],
      ['{"rules": [1, 2,]}', 'line 1, column 17', '"]" where a value was expected'],
      ['{"mode": "monitor",}', 'line 1, column 20', 'a "quoted" key (no comma after the last member)'],
      ["{'mode': 'monitor'}", 'line 1, column 2', 'a "quoted" key or }'],
      ['{"mode" "monitor"}', 'line 1, column 9', '":"'],
      ['{"mode": "monitor"', 'line 1, column 19', 'the text ends before the JSON does'],
      ['', 'line 1, column 1', 'the text ends before the JSON does'],
      ['{}\n{}', 'line 2, column 1', '"{" after the end of the JSON value'],
      ['{"a": "x\ny"}', 'line 1, column 9', 'a control character'],
      ['{"a": "\\q"}', 'line 1, column 8', '"\\\\q" is not a JSON escape'],
      ['{"a": "\\u12"}', 'line 1, column 8', '\\u needs four hex digits'],
      ['{"a": "open', 'line 1, column 7', 'a string that is never closed'],
      ['{"a": 01}', 'line 1, column 8', '"1" where "," or "}" was expected'],
      ['{"a": tru}', 'line 1, column 7', '"t" where a value was expected'],
      ['[1 2]', 'line 1, column 4', '"2" where "," or "]" was expected'],
      ['\r\n\r\n  x', 'line 3, column 3', '"x" where a value was expected'],
    ] as const) {
      const e = thrown(() => readPolicyFile(write('bad.json', text)));
      expect(e.code, text).toBe('NS_ERR_POLICY');
      expect(e.message, text).toContain(`bad.json: ${where}: not valid JSON: `);
      expect(e.message, text).toContain(what);
    }
  });

  it('the syntax scanner accepts what JSON.parse accepts and survives deep nesting', () => {
    for (const text of [JSON.stringify(EXAMPLE), '[]', ' 1 ', '"\\u00e9\\n"', '-0.5e+3', '{"a":[true,false,null,{}]}'])
      expect(findJsonSyntaxError(text), text).toBeNull();
    const deep = `${'['.repeat(200_000)}${']'.repeat(199_999)}`;
    expect(findJsonSyntaxError(deep)).toMatchObject({ line: 1, column: 400_000, message: 'the text ends before the JSON does' });
  });
});

describe('no throw on any input', () => {
  it('random documents built from policy-like pieces never throw, and policy is null iff an error', () => {
    const rand = mulberry32(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const atoms: unknown[] = [
      null,
      undefined,
      0,
      -1,
      1.5,
      Number.NaN,
      true,
      '',
      'a',
      'web',
      'r1',
      'tcp/443',
      'ip/6',
      'icmp',
      '10.0.0.0/24',
      'fd00::1/64',
      '*.github.com',
      '*',
      'tls',
      'allow',
      'deny',
      'protect',
      '__proto__',
      'constructor',
      [],
      {},
    ];
    const keys = [
      'mode',
      'default',
      'groups',
      'rules',
      'comment',
      'cidrs',
      'fqdns',
      'id',
      'from',
      'to',
      'ports',
      'apps',
      'action',
      'x',
      'web',
      'a',
    ];
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth <= 0 || r < 0.4) return pick(atoms);
      if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth - 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 5); i > 0; i--) o[pick(keys)] = value(depth - 1);
      return o;
    };
    for (let n = 0; n < 3000; n++) {
      const doc = value(5);
      const { policy, problems } = checkPolicy(doc);
      expect(policy === null).toBe(problems.some((p) => p.severity === 'error'));
      for (const p of problems) {
        expect(p.path).toMatch(/^\$/);
        expect(typeof p.message).toBe('string');
      }
    }
  });
});
