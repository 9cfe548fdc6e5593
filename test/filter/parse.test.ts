/**
 * The filter language: precedence, the implicit-qualifier shorthand, errors with their position, what the
 * evaluator does on hand-made frames (truncation, VLAN offsets, link types), and a seeded fuzz of the parser.
 */
import { describe, expect, it } from 'vitest';
import { LinkType } from '../../src/capture/packet.js';
import { isNetsieveError, NetsieveError } from '../../src/errors.js';
import { compileFilter, parseFilter, type FilterNode } from '../../src/filter/index.js';
import type { Arith } from '../../src/filter/parse.js';
import { MAX_FILTER_ARITHMETIC, MAX_FILTER_DEPTH } from '../../src/filter/parse.js';
import { arp, eth, ipv4, ipv6, mulberry32, sll, tcp, udp } from '../helpers/packets.js';

/** The tree as compact text: (and a b), (not a), host:src or dst:10.0.0.1, ... */
function show(n: FilterNode): string {
  switch (n.kind) {
    case 'and':
    case 'or':
      return `(${n.kind} ${show(n.left)} ${show(n.right)})`;
    case 'not':
      return `(not ${show(n.operand)})`;
    case 'true':
      return 'true';
    case 'host':
      return `${n.proto} ${n.dir} host${n.version === 6 ? '6' : ''} ${n.version === 4 ? n.addr[0]!.toString(16) : Array.from(n.addr, (w) => w.toString(16)).join(':')}/${n.mask[0]!.toString(16)}`;
    case 'port':
      return `${n.proto} ${n.dir} port ${n.low}${n.high !== n.low ? `-${n.high}` : ''}`;
    case 'proto':
      return n.name;
    case 'ipproto':
      return `${n.family} proto ${n.protocol}`;
    case 'length':
      return `${n.op} ${n.value}`;
    case 'vlan':
      return `vlan ${n.id}`;
    case 'ether':
      return `ether ${n.dir} ${Array.from(n.mac, (b) => b.toString(16)).join(':')}`;
    case 'relation':
      return `[${arith(n.left)} ${n.op} ${arith(n.right)}]`;
  }
}

function arith(a: Arith): string {
  switch (a.kind) {
    case 'number':
      return String(a.value);
    case 'len':
      return 'len';
    case 'negate':
      return `(- ${arith(a.operand)})`;
    case 'load':
      return `${a.proto}[${arith(a.index)}:${a.size}]`;
    case 'binary':
      return `(${arith(a.left)} ${a.op} ${arith(a.right)})`;
  }
}

const syn = eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ sport: 1234, dport: 80, flags: 'S' })));

function errorOf(expr: string): NetsieveError {
  try {
    parseFilter(expr);
  } catch (e) {
    if (e instanceof NetsieveError) return e;
    throw e;
  }
  throw new Error(`\`${expr}\` parsed`);
}

describe('filter syntax', () => {
  it('and and or have the same precedence, left to right; not binds tightest (as in libpcap)', () => {
    expect(show(parseFilter('ip6 or ip and udp'))).toBe('(and (or ip6 ip) udp)');
    expect(show(parseFilter('udp and ip or ip6'))).toBe('(or (and udp ip) ip6)');
    expect(show(parseFilter('not tcp and udp'))).toBe('(and (not tcp) udp)');
    expect(show(parseFilter('tcp && !(udp || arp)'))).toBe('(and tcp (not (or udp arp)))');
    expect(show(parseFilter('! ! tcp'))).toBe('(not (not tcp))');
  });

  it('a bare id takes the qualifiers of the primitive before it', () => {
    expect(show(parseFilter('host 10.0.0.1 or 10.0.0.2'))).toBe(
      '(or any src or dst host a000001/ffffffff any src or dst host a000002/ffffffff)',
    );
    expect(show(parseFilter('tcp dst port 80 or 443'))).toBe('(or tcp dst port 80 tcp dst port 443)');
    expect(show(parseFilter('port 80 or 443 and not 8080'))).toBe(
      '(and (or any src or dst port 80 any src or dst port 443) (not any src or dst port 8080))',
    );
    expect(show(parseFilter('src net 10.0.0.0/8 or 192.168.0.0/16'))).toMatch(
      /^\(or any src host a000000\/ff000000 any src host c0a80000\/ffff0000\)$/,
    );
    expect(show(parseFilter('10.0.0.1'))).toBe('any src or dst host a000001/ffffffff');
    expect(show(parseFilter('src 10.0.0.1'))).toBe('any src host a000001/ffffffff');
    expect(show(parseFilter('ether src 02:00:00:00:00:01 or 02:00:00:00:00:02'))).toBe(
      '(or ether src 2:0:0:0:0:1 ether src 2:0:0:0:0:2)',
    );
  });

  it('reads every primitive', () => {
    expect(show(parseFilter('src or dst host 2001:db8::1'))).toBe('any src or dst host6 20010db8:0:0:1/ffffffff');
    expect(show(parseFilter('src and dst host 10.0.0.1'))).toBe('any src and dst host a000001/ffffffff');
    expect(show(parseFilter('net 10.1.0.0 mask 255.255.0.0'))).toBe('any src or dst host a010000/ffff0000');
    expect(show(parseFilter('net 172.16'))).toBe('any src or dst host ac100000/ffff0000');
    expect(show(parseFilter('portrange 6000-6010'))).toBe('any src or dst port 6000-6010');
    expect(show(parseFilter('udp portrange 20-10'))).toBe('udp src or dst port 10-20');
    expect(show(parseFilter('ip proto \\udp or ip6 proto 0x3a or proto 132'))).toBe(
      '(or (or ip proto 17 ip6 proto 58) any proto 132)',
    );
    expect(show(parseFilter('less 64 or greater 0100'))).toBe('(or less 64 greater 64)');
    expect(show(parseFilter('vlan and vlan 7'))).toBe('(and vlan -1 vlan 7)');
    expect(show(parseFilter('arp host 10.0.0.1'))).toBe('arp src or dst host a000001/ffffffff');
    expect(show(parseFilter('ether host 0200.0000.0001'))).toBe('ether src or dst 2:0:0:0:0:1');
    expect(show(parseFilter(''))).toBe('true');
    expect(show(parseFilter('  '))).toBe('true');
  });

  it.each([
    ['hots 10.0.0.1', 0, /unknown word 'hots'/],
    ['tcp and 10.0.0.1', 8, /needs a qualifier/],
    ['not 10.0.0.1', 4, /needs a qualifier/],
    ['host 10.0.0.256', 5, /not an IPv4 or IPv6 address/],
    ['host example.com', 5, /host names are not resolved/],
    ['host 2001:db8::g', 5, /not an IPv4 or IPv6 address/],
    ['(tcp or udp', 0, /'\(' is never closed/],
    ['tcp or udp)', 10, /'\)' without a matching '\('/],
    ['()', 1, /'\)' where a primitive was expected/],
    ['tcp or', 6, /ends where a primitive was expected/],
    ['tcp udp', 4, /'udp' where 'and' or 'or' was expected/],
    ['port 70000', 5, /above 65535/],
    ['port http', 5, /port names .* not supported/],
    ['portrange 10', 10, /not a port range/],
    ['net 10.0.0.1/8', 4, /non-network bits/],
    ['net 10.0.0.0/33', 13, /not a prefix length/],
    ['ip host 2001:db8::1', 8, /IPv6 address/],
    ['ip6 net 10.0.0.0/8', 8, /IPv4 address/],
    ['udp host 10.0.0.1', 9, /addresses belong to ip/],
    ['icmp port 7', 10, /ports belong to tcp, udp or sctp/],
    ['vlan 5000', 5, /not a VLAN id/],
    ['ether host 1:2:3', 11, /not a MAC address/],
    ['ether', 5, /'ether' needs host/],
    ['tcp[13] & 2', 11, /a comparison \(> < >= <= = !=\) was expected/],
    ['tcp[13:3] = 0', 7, /data size must be 1, 2 or 4/],
    ['tcp[13 = 0', 7, /'=' where '\]' was expected/],
    ['ip[0] / 0 = 1', 6, /division by zero/],
    ['ip[0] << 32 = 1', 6, /shift by more than 31 bits/],
    ['len > foo', 6, /'foo' where a number, len or proto\[offset\] was expected/],
    ['ppp[0] = 1', 0, /'ppp' is not supported/],
    ['gateway 10.0.0.1', 0, /'gateway' is not supported/],
    ['ip broadcast', 3, /'broadcast' is not supported/],
    ['ip foo', 3, /'foo' where 'and' or 'or' was expected/],
    ['host 10.0.0.1 or hots', 17, /unknown word 'hots'/],
    ['proto tcp', 6, /'tcp' where an address was expected|not a protocol number/],
    ['less', 4, /ends where a length after 'less' was expected/],
    ['host 10.0.0.1 #', 14, /unexpected character '#'/],
  ])('`%s` fails at position %i', (expr, position, message) => {
    const e = errorOf(expr);
    expect(e.code).toBe('NS_ERR_USAGE');
    expect(e.position).toBe(position);
    expect(e.message).toMatch(message);
  });

  it("byte tests: libpcap's operator precedence, `^` and `%` taking all that follows, named constants", () => {
    expect(show(parseFilter('tcp[tcpflags] & tcp-syn != 0'))).toBe('[(tcp[13:1] & 2) != 0]');
    expect(show(parseFilter('(tcp[13] & 2) != 0'))).toBe('[(tcp[13:1] & 2) != 0]');
    expect(show(parseFilter('ip[2:2] - 4 * 5 > len'))).toBe('[(ip[2:2] - (4 * 5)) > len]');
    expect(show(parseFilter('1 | 2 & 3 << 4 + 5 * 6 = 0'))).toBe('[(1 | (2 & (3 << (4 + (5 * 6))))) = 0]');
    expect(show(parseFilter('ip[0] ^ 1 & 3 = 0'))).toBe('[(ip[0:1] ^ (1 & 3)) = 0]');
    expect(show(parseFilter('ip[0] & 1 ^ 3 | 4 = 0'))).toBe('[(ip[0:1] & (1 ^ (3 | 4))) = 0]');
    expect(show(parseFilter('ip[2:2] / 4 % 7 = 3'))).toBe('[(ip[2:2] / (4 % 7)) = 3]');
    expect(show(parseFilter('- ip[0] = 0xffffffff'))).toBe('[(- ip[0:1]) = 4294967295]');
    expect(show(parseFilter('tcp[tcp[12] >> 4] == 1'))).toBe('[tcp[(tcp[12:1] >> 4):1] = 1]');
    expect(show(parseFilter('icmp6[icmp6type] = icmp6-echo and tcp'))).toBe('(and [icmp6[0:1] = 128] tcp)');
    expect(show(parseFilter('(tcp or udp) and len >= 64'))).toBe('(and (or tcp udp) [len >= 64])');
  });

  it('refuses nesting deeper than the cap instead of overflowing the stack', () => {
    const deep = `${'('.repeat(MAX_FILTER_DEPTH + 1)}tcp${')'.repeat(MAX_FILTER_DEPTH + 1)}`;
    expect(errorOf(deep).message).toMatch(/nested/);
    const ok = `${'('.repeat(MAX_FILTER_DEPTH - 1)}tcp${')'.repeat(MAX_FILTER_DEPTH - 1)}`;
    expect(show(parseFilter(ok))).toBe('tcp');
    expect(errorOf(`${'not '.repeat(MAX_FILTER_DEPTH + 1)}tcp`).message).toMatch(/nested/);
    expect(errorOf(`1${' + 1'.repeat(MAX_FILTER_ARITHMETIC + 1)} = 0`).message).toMatch(/more than 256 arithmetic operators/);
    expect(compileFilter(`1${' + 1'.repeat(MAX_FILTER_ARITHMETIC)} = 257`).matches(LinkType.ETHERNET, new Uint8Array(0))).toBe(
      true,
    );
    // Long chains of and/or compile flat: thousands of terms are fine.
    const many = Array.from({ length: 3000 }, (_, k) => `port ${k + 1}`).join(' or ');
    expect(compileFilter(many).matches(LinkType.ETHERNET, syn)).toBe(true);
  });
});

describe('filter evaluation', () => {
  it('a read past the captured bytes makes the whole filter false, even under not (BPF returns 0)', () => {
    const f = compileFilter('not tcp port 80');
    const g = compileFilter('tcp port 80');
    expect(g.matches(LinkType.ETHERNET, syn)).toBe(true);
    // Cut inside the TCP header: the port load fails; libpcap's program returns 0 for both.
    expect(g.matches(LinkType.ETHERNET, syn, 35)).toBe(false);
    expect(f.matches(LinkType.ETHERNET, syn, 35)).toBe(false);
    // Cut before the ethertype: even `not ip` is false.
    expect(compileFilter('not ip').matches(LinkType.ETHERNET, syn, 12)).toBe(false);
    // A caplen beyond the buffer is clamped to it, never read past.
    expect(g.matches(LinkType.ETHERNET, syn.subarray(0, 30), 1000)).toBe(false);
  });

  it('`vlan` shifts every primitive after it in the text, across or', () => {
    const tagged = eth({ vlan: [100] }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 1, dport: 53 })));
    expect(compileFilter('vlan 100 and udp').matches(LinkType.ETHERNET, tagged)).toBe(true);
    expect(compileFilter('udp and vlan 100').matches(LinkType.ETHERNET, tagged)).toBe(false);
    expect(compileFilter('vlan 101 or udp').matches(LinkType.ETHERNET, tagged)).toBe(true);
    expect(compileFilter('not vlan or udp').matches(LinkType.ETHERNET, tagged)).toBe(true);
    expect(compileFilter('vlan 100 and udp').matches(LinkType.ETHERNET, eth({}, ipv4({}, udp({}))))).toBe(false);
  });

  it('host matches ARP sender and target on links with ethertypes', () => {
    const req = eth({}, arp({ senderIp: '10.0.0.7', targetIp: '10.0.0.8' }));
    expect(compileFilter('host 10.0.0.8').matches(LinkType.ETHERNET, req)).toBe(true);
    expect(compileFilter('src host 10.0.0.8').matches(LinkType.ETHERNET, req)).toBe(false);
    expect(compileFilter('ip host 10.0.0.8').matches(LinkType.ETHERNET, req)).toBe(false);
    expect(compileFilter('host 10.0.0.7').matches(LinkType.LINUX_SLL, sll({}, arp({ senderIp: '10.0.0.7' })))).toBe(true);
  });

  it('IPv6 ports only behind a TCP/UDP next header; tcp also behind one fragment header', () => {
    const hop = eth({}, ipv6({ ext: [{ type: 'hop' }] }, tcp({ dport: 80 })));
    const frag = eth({}, ipv6({ ext: [{ type: 'fragment', more: true, id: 1 }] }, tcp({ dport: 80 })));
    expect(compileFilter('tcp').matches(LinkType.ETHERNET, hop)).toBe(false);
    expect(compileFilter('tcp').matches(LinkType.ETHERNET, frag)).toBe(true);
    expect(compileFilter('port 80').matches(LinkType.ETHERNET, frag)).toBe(false);
    expect(compileFilter('port 80').matches(LinkType.ETHERNET, eth({}, ipv6({}, tcp({ dport: 80 }))))).toBe(true);
  });

  it('raw IPv4 links: ip is always true, ip6 never', () => {
    const p = ipv4({ src: '10.0.0.1' }, udp({ dport: 53 }));
    expect(compileFilter('ip and udp port 53').matches(LinkType.IPV4, p)).toBe(true);
    expect(compileFilter('ip6').matches(LinkType.IPV4, p)).toBe(false);
    expect(compileFilter('ip and src host 10.0.0.1').matches(LinkType.RAW, p)).toBe(true);
  });

  it('byte tests: protocol checks first (a non-TCP packet makes tcp[...] false, so its negation true), loads after', () => {
    const synFrame = syn;
    const dns = eth({}, ipv4({}, udp({ sport: 1, dport: 53 })));
    const synTest = compileFilter('tcp[tcpflags] & tcp-syn != 0');
    expect(synTest.matches(LinkType.ETHERNET, synFrame)).toBe(true);
    expect(synTest.matches(LinkType.ETHERNET, dns)).toBe(false);
    expect(compileFilter('not tcp[tcpflags] & tcp-syn != 0').matches(LinkType.ETHERNET, dns)).toBe(true);
    // TCP but cut before the flags: the load fails, and so does the whole filter, negated or not.
    expect(compileFilter('not tcp[tcpflags] & tcp-syn != 0').matches(LinkType.ETHERNET, synFrame, 40)).toBe(false);
    // Division by zero at run time ends the program with no match, as in BPF.
    expect(compileFilter('not ip[0] / (ip[0] & 0) = 1').matches(LinkType.ETHERNET, synFrame)).toBe(false);
    expect(compileFilter(`udp[2:2] = 53 and len = ${dns.length}`).matches(LinkType.ETHERNET, dns)).toBe(true);
    expect(compileFilter('1 = 1').matches(LinkType.LINUX_SLL2, new Uint8Array(0))).toBe(true);
  });

  it('less and greater compare the wire length, not the captured one', () => {
    expect(compileFilter('greater 1000').matches(LinkType.ETHERNET, syn, syn.length, 1500)).toBe(true);
    expect(compileFilter('less 100').matches(LinkType.ETHERNET, syn, syn.length, 1500)).toBe(false);
  });

  it('a link type without what the expression needs, or unknown to the filter, is refused clearly', () => {
    expect(() => compileFilter('vlan', LinkType.LINUX_SLL)).toThrow(/'vlan' needs Ethernet frames; link type 113/);
    expect(() => compileFilter('ether host 1:2:3:4:5:6', LinkType.RAW)).toThrow(/'ether' needs Ethernet/);
    let err: unknown;
    try {
      compileFilter('tcp').matches(147, syn);
    } catch (e) {
      err = e;
    }
    expect(isNetsieveError(err) && err.code).toBe('NS_ERR_CAPTURE_LINKTYPE');
    expect(String(err)).toMatch(/link type 147 is not one the filter knows/);
    // The empty expression matches everything, on any link type.
    expect(compileFilter('').matches(147, syn)).toBe(true);
  });
});

describe('filter parser fuzz', () => {
  const WORDS = [
    'host',
    'net',
    'port',
    'portrange',
    'src',
    'dst',
    'and',
    'or',
    'not',
    '!',
    '&&',
    '||',
    '(',
    ')',
    'tcp',
    'udp',
    'ip',
    'ip6',
    'arp',
    'rarp',
    'icmp',
    'icmp6',
    'sctp',
    'igmp',
    'vlan',
    'ether',
    'proto',
    'less',
    'greater',
    'mask',
    '10.0.0.1',
    '10.0.0.0/8',
    '2001:db8::1',
    '::/0',
    '80',
    '443',
    '1-100',
    '65536',
    '0x50',
    '017',
    '\\tcp',
    '255.255.0.0',
    '02:00:00:00:00:01',
    'foo',
    '',
    '[',
    '1.2.3',
    'fe80::/10',
    '-',
    '/',
    '::',
    '999999999999',
    'gateway',
    'broadcast',
    'tcp[',
    ']',
    ':',
    ':2',
    '=',
    '!=',
    '>',
    '<=',
    '&',
    '|',
    '^',
    '%',
    '*',
    '<<',
    '>>',
    'len',
    'tcpflags',
    'tcp-syn',
    '0',
  ];

  it('random word sequences and mutated expressions: a result or NS_ERR_USAGE, nothing else (20,000 seeded cases)', () => {
    const rnd = mulberry32(0x5eed);
    let parsed = 0;
    const frames = [
      eth({ vlan: [100] }, ipv4({ src: '10.0.0.1' }, tcp({ dport: 80 }))),
      eth({}, ipv6({ src: '2001:db8::1' }, udp({ dport: 443 }))),
      eth({}, arp({})),
    ];
    for (let i = 0; i < 20_000; i++) {
      let expr: string;
      if (i % 2 === 0) {
        const n = 1 + Math.floor(rnd() * 8);
        expr = Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]!).join(' ');
      } else {
        const base =
          i % 4 === 1
            ? 'tcp port 80 and not (host 10.0.0.1 or net 2001:db8::/32) || vlan 7 && ether src 02:00:00:00:00:01'
            : '(tcp[tcpflags] & (tcp-syn|tcp-ack)) != 0 and ip[2:2] - ((ip[0] & 0xf) << 2) > len % 3 ^ 1';
        const chars = base.split('');
        for (let m = 0; m < 1 + Math.floor(rnd() * 4); m++) {
          const at = Math.floor(rnd() * chars.length);
          const c = String.fromCharCode(32 + Math.floor(rnd() * 95));
          if (rnd() < 0.5) chars[at] = c;
          else chars.splice(at, 1);
        }
        expr = chars.join('');
      }
      try {
        const f = compileFilter(expr);
        parsed++;
        for (const fr of frames) {
          for (const caplen of [fr.length, 20, 0]) expect(typeof f.matches(LinkType.ETHERNET, fr, caplen)).toBe('boolean');
        }
        // The same bytes read as other link types: a verdict, or the coded refusal (`vlan` on Linux cooked).
        const linkType = [LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.NULL, LinkType.RAW, LinkType.IPV6][i % 5]!;
        try {
          expect(typeof f.matches(linkType, frames[i % 3]!)).toBe('boolean');
        } catch (e) {
          if (!(e instanceof NetsieveError) || e.code !== 'NS_ERR_USAGE') throw e;
        }
      } catch (e) {
        if (!(e instanceof NetsieveError) || e.code !== 'NS_ERR_USAGE' || e.position === undefined) {
          throw new Error(`\`${expr}\` threw ${String(e)}`);
        }
      }
    }
    // Both outcomes happen: the fuzz is not all syntax errors.
    expect(parsed).toBeGreaterThan(500);
    expect(parsed).toBeLessThan(19_000);
  });
});
