/**
 * The tcpdump filter language (pcap-filter(7)) as text → a syntax tree. Parsing knows nothing of link
 * types; `compile.ts` turns the tree into a matcher per link type, the way libpcap's code generator does.
 *
 * The grammar follows libpcap's, quirks included:
 * - `and` and `or` have the SAME precedence and associate to the left (`a or b and c` is `(a or b) and c`);
 *   `not` binds tightest;
 * - a bare address or number after `and`/`or`/`not` takes the qualifiers of the primitive before it
 *   (`host a or b`, `tcp dst port 80 or 443`); a bare address at the very start is a `host`;
 * - `vlan` is a primitive whose effect on offsets depends on its place in the text (see compile.ts).
 */
import { NetsieveError } from '../errors.js';
import { parseAddress } from '../decode/address.js';

/** Longest expression accepted: the tree is built recursively, and no real filter comes near this. */
export const MAX_FILTER_LENGTH = 65536;
/** Deepest nesting of parentheses and `not`s. */
export const MAX_FILTER_DEPTH = 256;
/** Arithmetic operators in one expression: each nests the generated code one level deeper. */
export const MAX_FILTER_ARITHMETIC = 256;

export type Direction = 'src' | 'dst' | 'src or dst' | 'src and dst';

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'true' }
  | PrimitiveNode;

/** Address qualifiers of `host`/`net`: which protocol's addresses (`any` = every protocol libpcap tries). */
export type HostProto = 'any' | 'ip' | 'ip6' | 'arp' | 'rarp';
/** Protocol qualifier of `port`/`portrange`. */
export type PortProto = 'any' | 'tcp' | 'udp' | 'sctp';
/** Protocols named alone (`tcp`, `ip6`, ...). */
export type ProtoName = 'ip' | 'ip6' | 'arp' | 'rarp' | 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmp6' | 'igmp';

export type PrimitiveNode = (
  | { kind: 'host'; proto: HostProto; dir: Direction; version: 4 | 6; addr: Uint32Array; mask: Uint32Array }
  | { kind: 'port'; proto: PortProto; dir: Direction; low: number; high: number }
  | { kind: 'proto'; name: ProtoName }
  | { kind: 'ipproto'; family: 'ip' | 'ip6' | 'any'; protocol: number }
  | { kind: 'length'; op: 'less' | 'greater'; value: number }
  | { kind: 'vlan'; id: number }
  | { kind: 'ether'; dir: Direction; mac: Uint8Array }
  | { kind: 'relation'; op: '>' | '<' | '>=' | '<=' | '=' | '!='; left: Arith; right: Arith }
) & { position: number };

/** The arithmetic of byte tests (`tcp[tcpflags] & tcp-syn != 0`, `ip[2:2] - 20 > 100`, `len >= 64`). */
export type Arith =
  | { kind: 'number'; value: number }
  | { kind: 'len' }
  | { kind: 'load'; proto: string; index: Arith; size: 1 | 2 | 4; position: number }
  | { kind: 'binary'; op: string; left: Arith; right: Arith; position: number }
  | { kind: 'negate'; operand: Arith };

interface Token {
  text: string;
  pos: number;
}

/** Qualifiers a bare id inherits: what the last id-bearing primitive was. */
interface Qualifiers {
  kind: 'host' | 'net' | 'port' | 'portrange' | 'ether' | 'proto';
  proto: string;
  dir: Direction;
}

function fail(expr: string, pos: number, message: string): never {
  throw new NetsieveError('NS_ERR_USAGE', `filter: ${message} (in \`${expr}\`)`, { position: pos });
}

/**
 * Splits the expression into words and punctuation: `( ) [ ] ! && ||`, the relations `> < >= <= = == !=` and
 * the arithmetic `+ * % & | ^ << >>`. A word runs up to a blank or punctuation; outside brackets `-`, `/` and
 * `:` belong to words (`ftp-data`, `10.0.0.0/8`, `::1`, `tcp-syn`), inside brackets they are operators
 * (`tcp[14-2]`, `ip[2:2]`), as in libpcap's lexer. A lone `-` or `/` word is the operator.
 */
function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let brackets = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    const two = expr.slice(i, i + 2);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (['&&', '||', '!=', '>=', '<=', '==', '<<', '>>'].includes(two)) {
      out.push({ text: two, pos: i });
      i += 2;
      continue;
    }
    if ('()!=<>&|+*%^'.includes(c) || c === '[' || c === ']' || (brackets > 0 && (c === ':' || c === '-' || c === '/'))) {
      if (c === '[') brackets++;
      if (c === ']') brackets = Math.max(0, brackets - 1);
      out.push({ text: c, pos: i });
      i++;
      continue;
    }
    const wordChar = brackets > 0 ? /[A-Za-z0-9_.\\]/ : /[A-Za-z0-9_.:\-/\\]/;
    if (wordChar.test(c)) {
      const start = i;
      while (i < expr.length && wordChar.test(expr[i]!)) i++;
      out.push({ text: expr.slice(start, i), pos: start });
      continue;
    }
    fail(expr, i, `unexpected character '${c}'`);
  }
  return out;
}

/** Operators of the arithmetic in byte tests, by binding (libpcap's grammar; `^` and `%` are handled apart). */
const ARITH_LEVELS: readonly (readonly string[])[] = [['|'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/']];
/** Operators libpcap's grammar declares no precedence for: yacc shifts them, so they take all that follows. */
const UNRANKED: ReadonlySet<string> = new Set(['^', '%']);
const RELATIONS: ReadonlySet<string> = new Set(['>', '<', '>=', '<=', '=', '==', '!=']);
/** Protocols whose header a byte test may index (`tcp[13]`); `ether` and `link` index the link header. */
const LOAD_PROTOS: ReadonlySet<string> = new Set([
  'ether',
  'link',
  'ip',
  'ip6',
  'arp',
  'rarp',
  'tcp',
  'udp',
  'sctp',
  'icmp',
  'icmp6',
  'igmp',
]);
/** libpcap's named constants for byte tests. */
const CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['tcpflags', 13],
  ['tcp-fin', 0x01],
  ['tcp-syn', 0x02],
  ['tcp-rst', 0x04],
  ['tcp-push', 0x08],
  ['tcp-ack', 0x10],
  ['tcp-urg', 0x20],
  ['tcp-ece', 0x40],
  ['tcp-cwr', 0x80],
  ['icmptype', 0],
  ['icmpcode', 1],
  ['icmp-echoreply', 0],
  ['icmp-unreach', 3],
  ['icmp-sourcequench', 4],
  ['icmp-redirect', 5],
  ['icmp-echo', 8],
  ['icmp-routeradvert', 9],
  ['icmp-routersolicit', 10],
  ['icmp-timxceed', 11],
  ['icmp-paramprob', 12],
  ['icmp-tstamp', 13],
  ['icmp-tstampreply', 14],
  ['icmp-ireq', 15],
  ['icmp-ireqreply', 16],
  ['icmp-maskreq', 17],
  ['icmp-maskreply', 18],
  ['icmp6type', 0],
  ['icmp6code', 1],
  ['icmp6-destinationunreach', 1],
  ['icmp6-packettoobig', 2],
  ['icmp6-timeexceeded', 3],
  ['icmp6-parameterproblem', 4],
  ['icmp6-echo', 128],
  ['icmp6-echoreply', 129],
  ['icmp6-multicastlistenerquery', 130],
  ['icmp6-multicastlistenerreportv1', 131],
  ['icmp6-multicastlistenerdone', 132],
  ['icmp6-routersolicit', 133],
  ['icmp6-routeradvert', 134],
  ['icmp6-neighborsolicit', 135],
  ['icmp6-neighboradvert', 136],
  ['icmp6-redirect', 137],
]);

const PROTO_NAMES: ReadonlySet<string> = new Set(['ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'sctp', 'icmp', 'icmp6', 'igmp']);
/** Words libpcap knows that netsieve's filter does not implement: refused by name rather than as unknown. */
const UNSUPPORTED = new Set([
  'gateway',
  'broadcast',
  'multicast',
  'mpls',
  'pppoed',
  'pppoes',
  'geneve',
  'vxlan',
  'llc',
  'inbound',
  'outbound',
  'ifname',
  'on',
  'rnr',
  'rulenum',
  'reason',
  'rset',
  'srnr',
  'subrulenum',
  'action',
  'type',
  'subtype',
  'dir',
  'wlan',
  'fddi',
  'tr',
  'ppp',
  'slip',
  'decnet',
  'atalk',
  'aarp',
  'iso',
  'esis',
  'isis',
  'clnp',
  'stp',
  'ipx',
  'netbeui',
  'lat',
  'sca',
  'moprc',
  'mopdl',
  'vrrp',
  'carp',
  'ah',
  'esp',
  'pim',
  'ra',
  'ta',
  'addr1',
  'addr2',
  'addr3',
  'addr4',
  'atm',
  'lane',
  'oamf4',
  'oamf4s',
  'oamf4e',
  'oam',
  'metac',
  'bcc',
  'sc',
  'ilmic',
  'connectmsg',
  'metaconnect',
  'protochain',
  'hdlc',
  'fisu',
  'lssu',
  'msu',
  'sio',
  'opc',
  'dpc',
  'sls',
  'radio',
]);
const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'len',
  'link',
  'host',
  'net',
  'mask',
  'port',
  'portrange',
  'src',
  'dst',
  'ether',
  'proto',
  'less',
  'greater',
  'vlan',
  ...PROTO_NAMES,
]);

/** A number as libpcap reads one: decimal, `0x` hex, or octal with a leading 0. NaN when it is not one. */
export function parseNumber(text: string): number {
  let v: number;
  if (/^0x[0-9a-f]+$/i.test(text)) v = parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) v = parseInt(text.slice(1), 8);
  else if (/^[0-9]+$/.test(text)) v = parseInt(text, 10);
  else return NaN;
  return v <= 0xffffffff ? v : NaN;
}

class Parser {
  private i = 0;
  private depth = 0;
  private last: Qualifiers | null = null;
  private operators = 0;

  constructor(
    private readonly expr: string,
    private readonly toks: Token[],
  ) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private next(what: string): Token {
    const t = this.toks[this.i];
    if (t === undefined) fail(this.expr, this.expr.length, `the expression ends where ${what} was expected`);
    this.i++;
    return t;
  }

  private isWord(t: Token | undefined, ...words: string[]): boolean {
    return t !== undefined && words.includes(t.text);
  }

  parse(): FilterNode {
    if (this.toks.length === 0) return { kind: 'true' };
    const node = this.expression();
    const t = this.peek();
    if (t !== undefined) {
      if (t.text === ')') fail(this.expr, t.pos, "')' without a matching '('");
      if (UNSUPPORTED.has(t.text)) fail(this.expr, t.pos, `'${t.text}' is not supported by netsieve's filter`);
      fail(this.expr, t.pos, `'${t.text}' where 'and' or 'or' was expected`);
    }
    return node;
  }

  /** term (('and'|'or') term)*, left to right with equal precedence, as libpcap does. */
  private expression(): FilterNode {
    let left = this.term(true);
    for (;;) {
      const t = this.peek();
      if (t === undefined) return left;
      let kind: 'and' | 'or';
      if (t.text === 'and' || t.text === '&&') kind = 'and';
      else if (t.text === 'or' || t.text === '||') kind = 'or';
      else return left;
      this.i++;
      const right = this.term(false);
      left = { kind, left, right };
    }
  }

  private term(first: boolean): FilterNode {
    const t = this.peek();
    if (t === undefined) fail(this.expr, this.expr.length, 'the expression ends where a primitive was expected');
    if (++this.depth > MAX_FILTER_DEPTH) fail(this.expr, t.pos, `more than ${MAX_FILTER_DEPTH} nested parentheses or negations`);
    try {
      if (t.text === 'not' || t.text === '!') {
        this.i++;
        // `not 1.2.3.4` at the start is a syntax error in libpcap too: only a qualified id can be inherited.
        return { kind: 'not', operand: this.term(false) };
      }
      if (this.startsArith(this.i)) return this.relation();
      if (t.text === '(') {
        // `(tcp[13] & 2) != 0` or `(tcp or udp)`: try the byte test first, as libpcap's grammar would take it.
        const saved = { i: this.i, last: this.last, depth: this.depth, operators: this.operators };
        try {
          return this.relation();
        } catch (e) {
          if (!(e instanceof NetsieveError)) throw e;
          this.i = saved.i;
          this.last = saved.last;
          this.depth = saved.depth;
          this.operators = saved.operators;
        }
        this.i++;
        const inner = this.expression();
        const close = this.peek();
        if (close === undefined) fail(this.expr, t.pos, "'(' is never closed");
        if (close.text !== ')') fail(this.expr, close.pos, `'${close.text}' where ')' or 'and'/'or' was expected`);
        this.i++;
        return inner;
      }
      if (t.text === ')') fail(this.expr, t.pos, "')' where a primitive was expected");
      if (t.text === 'and' || t.text === 'or' || t.text === '&&' || t.text === '||') {
        fail(this.expr, t.pos, `'${t.text}' where a primitive was expected`);
      }
      if (!KEYWORDS.has(t.text) && !UNSUPPORTED.has(t.text)) {
        // A bare id: inherits the previous primitive's qualifiers, or is a host at the very start. A word
        // that is no address there is a typo of a keyword far more often than a host name.
        const q: Qualifiers | null = this.last ?? (first ? { kind: 'host', proto: '', dir: 'src or dst' } : null);
        const named = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(t.text) && !/^[0-9a-f]{1,2}$/i.test(t.text);
        if (q !== null && !(named && (q.kind === 'host' || q.kind === 'net')))
          return this.withQualifiers(q, this.next('an address'));
        if (named) fail(this.expr, t.pos, `unknown word '${t.text}'`);
        fail(
          this.expr,
          t.pos,
          `unknown word '${t.text}' (a bare address or number needs a qualifier before it, e.g. host or port)`,
        );
      }
      return this.primitive();
    } finally {
      this.depth--;
    }
  }

  /** Can a byte test's arithmetic start at token `k`? (A number followed by an operator, `len`, `tcp[`, ...) */
  private startsArith(k: number): boolean {
    const t = this.toks[k];
    if (t === undefined) return false;
    const n = this.toks[k + 1];
    if (t.text === 'len') return true;
    if (LOAD_PROTOS.has(t.text) && n?.text === '[') return true;
    if (t.text === '-' && n !== undefined) return !KEYWORDS.has(n.text) || n.text === 'len' || LOAD_PROTOS.has(n.text);
    const isValue = !Number.isNaN(parseNumber(t.text)) || CONSTANTS.has(t.text);
    return (
      isValue &&
      n !== undefined &&
      (RELATIONS.has(n.text) || ARITH_LEVELS.some((l) => l.includes(n.text)) || UNRANKED.has(n.text))
    );
  }

  /** arith relop arith */
  private relation(): PrimitiveNode {
    const start = this.toks[this.i]!.pos;
    const left = this.arith(0);
    const t = this.peek();
    if (t === undefined || !RELATIONS.has(t.text)) {
      fail(
        this.expr,
        t?.pos ?? this.expr.length,
        `a comparison (> < >= <= = !=) was expected${t ? ` instead of '${t.text}'` : ''}`,
      );
    }
    this.i++;
    const right = this.arith(0);
    this.last = null;
    const op = (t.text === '==' ? '=' : t.text) as '>' | '<' | '>=' | '<=' | '=' | '!=';
    return { kind: 'relation', op, left, right, position: start };
  }

  /** Binary operators from `level` up (precedence climbing over ARITH_LEVELS). */
  private arith(level: number): Arith {
    if (level === ARITH_LEVELS.length) return this.unary();
    let left = this.arith(level + 1);
    for (;;) {
      const t = this.peek();
      if (t === undefined || !ARITH_LEVELS[level]!.includes(t.text)) return left;
      this.i++;
      const right = this.arith(level + 1);
      left = this.binary(t, left, right);
    }
  }

  private binary(t: Token, left: Arith, right: Arith): Arith {
    if (++this.operators > MAX_FILTER_ARITHMETIC)
      fail(this.expr, t.pos, `more than ${MAX_FILTER_ARITHMETIC} arithmetic operators`);
    if ((t.text === '/' || t.text === '%') && right.kind === 'number' && right.value === 0)
      fail(this.expr, t.pos, 'division by zero');
    if ((t.text === '<<' || t.text === '>>') && right.kind === 'number' && right.value > 31)
      fail(this.expr, t.pos, 'shift by more than 31 bits');
    return { kind: 'binary', op: t.text, left, right, position: t.pos };
  }

  /**
   * `-x`, or an operand. libpcap's grammar gives `^` and `%` no precedence, so yacc always shifts them:
   * `a ^ b` takes everything after the `^` as its right side, whatever the operators around it
   * (`a & b ^ c | d` is `a & (b ^ (c | d))`, `a / 4 % 7` is `a / (4 % 7)`; tcpdump -d shows it).
   */
  private unary(): Arith {
    const t = this.peek();
    if (t === undefined) fail(this.expr, this.expr.length, 'the expression ends where a value was expected');
    if (++this.depth > MAX_FILTER_DEPTH) fail(this.expr, t.pos, `more than ${MAX_FILTER_DEPTH} nested parentheses or operators`);
    try {
      let operand: Arith;
      if (t.text === '-') {
        this.i++;
        operand = { kind: 'negate', operand: this.unary() };
        return operand;
      }
      operand = this.operand();
      const x = this.peek();
      if (x !== undefined && UNRANKED.has(x.text)) {
        this.i++;
        return this.binary(x, operand, this.arith(0));
      }
      return operand;
    } finally {
      this.depth--;
    }
  }

  private operand(): Arith {
    const t = this.next('a value');
    if (t.text === '(') {
      const inner = this.arith(0);
      const close = this.next("')'");
      if (close.text !== ')') fail(this.expr, close.pos, `'${close.text}' where ')' was expected`);
      return inner;
    }
    if (t.text === 'len') return { kind: 'len' };
    const constant = CONSTANTS.get(t.text);
    if (constant !== undefined) return { kind: 'number', value: constant };
    const n = parseNumber(t.text);
    if (!Number.isNaN(n)) return { kind: 'number', value: n };
    if (LOAD_PROTOS.has(t.text)) {
      const open = this.next("'['");
      if (open.text !== '[') fail(this.expr, open.pos, `'${t.text}' in arithmetic needs [offset]`);
      const index = this.arith(0);
      let size: 1 | 2 | 4 = 1;
      let close = this.next("']'");
      if (close.text === ':') {
        const z = this.next('a size (1, 2 or 4)');
        if (z.text !== '1' && z.text !== '2' && z.text !== '4') fail(this.expr, z.pos, 'data size must be 1, 2 or 4');
        size = Number(z.text) as 1 | 2 | 4;
        close = this.next("']'");
      }
      if (close.text !== ']') fail(this.expr, close.pos, `'${close.text}' where ']' was expected`);
      return { kind: 'load', proto: t.text, index, size, position: t.pos };
    }
    if (UNSUPPORTED.has(t.text)) fail(this.expr, t.pos, `'${t.text}' is not supported by netsieve's filter`);
    fail(this.expr, t.pos, `'${t.text}' where a number, len or proto[offset] was expected`);
  }

  /** A primitive that starts with a keyword. */
  private primitive(): FilterNode {
    const start = this.next('a primitive');
    const pos = start.pos;
    let proto = '';
    let dir: Direction | null = null;
    let t: Token = start;
    if (UNSUPPORTED.has(t.text)) fail(this.expr, t.pos, `'${t.text}' is not supported by netsieve's filter`);
    // [proto] [dir] [type] id — in that order, each optional.
    if (PROTO_NAMES.has(t.text) || t.text === 'ether') {
      const after = this.peek();
      const qualifies = after !== undefined && ['src', 'dst', 'host', 'net', 'port', 'portrange', 'proto'].includes(after.text);
      if (!qualifies) {
        if (t.text === 'ether')
          fail(this.expr, after?.pos ?? this.expr.length, "'ether' needs host, src, dst or a MAC address after it");
        this.last = null;
        return { kind: 'proto', name: t.text as ProtoName, position: pos };
      }
      proto = t.text;
      t = this.next('a qualifier');
    }
    if (t.text === 'src' || t.text === 'dst') {
      dir = t.text;
      const n = this.peek();
      if (this.isWord(n, 'or', 'and') && this.isWord(this.toks[this.i + 1], t.text === 'src' ? 'dst' : 'src')) {
        dir = n!.text === 'or' ? 'src or dst' : 'src and dst';
        this.i += 2;
      }
      const after = this.peek();
      if (after !== undefined && ['host', 'net', 'port', 'portrange'].includes(after.text)) t = this.next('a qualifier');
      else {
        // `src 1.2.3.4`: the type defaults to host (or the MAC for `ether src`).
        const q: Qualifiers = { kind: proto === 'ether' ? 'ether' : 'host', proto, dir };
        return this.withQualifiers(q, this.next('an address'), pos);
      }
    }
    switch (t.text) {
      case 'host':
      case 'net':
      case 'port':
      case 'portrange': {
        const q: Qualifiers = {
          kind: t.text === 'host' && proto === 'ether' ? 'ether' : t.text,
          proto,
          dir: dir ?? 'src or dst',
        };
        return this.withQualifiers(q, this.next(`a value after '${t.text}'`), pos);
      }
      case 'proto': {
        if (dir !== null) fail(this.expr, t.pos, "'proto' takes no src/dst qualifier");
        if (proto !== '' && proto !== 'ip' && proto !== 'ip6')
          fail(this.expr, t.pos, `'${proto} proto' is not supported (ip proto, ip6 proto or proto)`);
        return this.withQualifiers(
          { kind: 'proto', proto, dir: 'src or dst' },
          this.next("a protocol number after 'proto'"),
          pos,
        );
      }
      case 'less':
      case 'greater': {
        if (proto !== '' || dir !== null) fail(this.expr, t.pos, `'${t.text}' takes no qualifier`);
        const v = this.next(`a length after '${t.text}'`);
        const n = parseNumber(v.text);
        if (Number.isNaN(n)) fail(this.expr, v.pos, `'${v.text}' is not a length`);
        this.last = null;
        return { kind: 'length', op: t.text, value: n, position: pos };
      }
      case 'vlan': {
        if (proto !== '' || dir !== null) fail(this.expr, t.pos, "'vlan' takes no qualifier");
        const v = this.peek();
        let id = -1;
        if (
          v !== undefined &&
          !KEYWORDS.has(v.text) &&
          v.text !== '(' &&
          v.text !== ')' &&
          v.text !== '!' &&
          v.text !== '&&' &&
          v.text !== '||'
        ) {
          id = parseNumber(v.text);
          if (Number.isNaN(id) || id > 4095) fail(this.expr, v.pos, `'${v.text}' is not a VLAN id (0-4095)`);
          this.i++;
        }
        this.last = null;
        return { kind: 'vlan', id, position: pos };
      }
      default:
        if (UNSUPPORTED.has(t.text)) fail(this.expr, t.pos, `'${t.text}' is not supported by netsieve's filter`);
        fail(this.expr, t.pos, `'${t.text}' where host, net, port, portrange or proto was expected`);
    }
  }

  /** Builds the primitive `q id`, and remembers `q` for bare ids after it. */
  private withQualifiers(q: Qualifiers, id: Token, position = id.pos): PrimitiveNode {
    if (KEYWORDS.has(id.text) || id.text === '(' || id.text === ')' || id.text === '!') {
      fail(
        this.expr,
        id.pos,
        `'${id.text}' where ${q.kind === 'port' || q.kind === 'portrange' ? 'a port' : 'an address'} was expected`,
      );
    }
    const node = this.build(q, id, position);
    this.last = q;
    return node;
  }

  private build(q: Qualifiers, id: Token, position: number): PrimitiveNode {
    const text = id.text;
    const pos = id.pos;
    switch (q.kind) {
      case 'port':
      case 'portrange': {
        if (q.proto !== '' && q.proto !== 'tcp' && q.proto !== 'udp' && q.proto !== 'sctp') {
          fail(this.expr, pos, `'${q.proto} ${q.kind}': ports belong to tcp, udp or sctp`);
        }
        let low: number;
        let high: number;
        if (q.kind === 'port') {
          low = high = this.port(text, pos);
        } else {
          const dash = text.indexOf('-', 1);
          if (dash < 0) fail(this.expr, pos, `'${text}' is not a port range (low-high)`);
          low = this.port(text.slice(0, dash), pos);
          high = this.port(text.slice(dash + 1), pos + dash + 1);
          if (low > high) [low, high] = [high, low]; // libpcap swaps a reversed range
        }
        return { kind: 'port', proto: (q.proto || 'any') as PortProto, dir: q.dir, low, high, position };
      }
      case 'proto': {
        let n: number;
        const names: Record<string, number> = { '\\tcp': 6, '\\udp': 17, '\\icmp': 1, '\\sctp': 132, '\\igmp': 2, '\\icmp6': 58 };
        if (text in names) n = names[text]!;
        else n = parseNumber(text);
        if (Number.isNaN(n) || n > 255)
          fail(this.expr, pos, `'${text}' is not a protocol number (0-255, or \\tcp, \\udp, \\icmp, ...)`);
        return { kind: 'ipproto', family: (q.proto || 'any') as 'ip' | 'ip6' | 'any', protocol: n, position };
      }
      case 'ether': {
        const mac = parseMac(text);
        if (mac === null) fail(this.expr, pos, `'${text}' is not a MAC address (xx:xx:xx:xx:xx:xx)`);
        return { kind: 'ether', dir: q.dir, mac, position };
      }
      case 'host':
      case 'net': {
        if (q.proto !== '' && !['ip', 'ip6', 'arp', 'rarp'].includes(q.proto)) {
          fail(this.expr, pos, `'${q.proto} ${q.kind}': addresses belong to ip, ip6, arp or rarp`);
        }
        const proto = (q.proto || 'any') as HostProto;
        const addr = new Uint32Array(4);
        const mask = new Uint32Array(4);
        let version: 4 | 6;
        if (q.kind === 'host') {
          if (text.includes('/')) fail(this.expr, pos, `'${text}': a host is one address; use net for a prefix`);
          const v = parseAddress(text, addr);
          if (v === 0) fail(this.expr, pos, `'${text}' is not an IPv4 or IPv6 address (host names are not resolved)`);
          version = v as 4 | 6;
          mask.fill(0xffffffff);
        } else {
          version = this.net(text, pos, addr, mask);
          // `net N mask M` (IPv4 only).
          if (this.isWord(this.peek(), 'mask')) {
            const m = this.next('mask');
            if (text.includes('/')) fail(this.expr, m.pos, "a net with a /length takes no 'mask'");
            if (version !== 4) fail(this.expr, m.pos, "'mask' applies to IPv4 nets only; use /length");
            const mt = this.next("a mask after 'mask'");
            const mw = new Uint32Array(4);
            if (parseAddress(mt.text, mw) !== 4) fail(this.expr, mt.pos, `'${mt.text}' is not an IPv4 mask`);
            mask[0] = mw[0]!;
            if ((addr[0]! & ~mask[0]!) !== 0) fail(this.expr, pos, `non-network bits set in '${text} mask ${mt.text}'`);
          }
        }
        if (version === 6 && (proto === 'ip' || proto === 'arp' || proto === 'rarp')) {
          fail(this.expr, pos, `'${q.proto} ${q.kind}' with an IPv6 address`);
        }
        if (version === 4 && proto === 'ip6') fail(this.expr, pos, `'ip6 ${q.kind}' with an IPv4 address`);
        return { kind: 'host', proto, dir: q.dir, version, addr, mask, position };
      }
    }
  }

  private port(text: string, pos: number): number {
    const n = parseNumber(text);
    if (Number.isNaN(n)) {
      if (/^[a-z][a-z0-9-]*$/i.test(text)) fail(this.expr, pos, `port names ('${text}') are not supported; give the number`);
      fail(this.expr, pos, `'${text}' is not a port number`);
    }
    if (n > 65535) fail(this.expr, pos, `port ${n} is above 65535`);
    return n;
  }

  /** `a.b.c.d/len`, `a.b`, `a.b.c` (classful shorthand: the octets given), or an IPv6 prefix. */
  private net(text: string, pos: number, addr: Uint32Array, mask: Uint32Array): 4 | 6 {
    const slash = text.indexOf('/');
    const base = slash < 0 ? text : text.slice(0, slash);
    let version: 4 | 6;
    let bits: number;
    if (base.includes(':')) {
      if (parseAddress(base, addr) !== 6) fail(this.expr, pos, `'${base}' is not an IPv6 address`);
      version = 6;
      bits = 128;
    } else {
      const parts = base.split('.');
      if (parts.length > 4 || parts.some((p) => !/^[0-9]{1,3}$/.test(p) || Number(p) > 255)) {
        fail(this.expr, pos, `'${base}' is not an IPv4 network`);
      }
      let w = 0;
      for (let k = 0; k < 4; k++) w = (w << 8) | (k < parts.length ? Number(parts[k]) : 0);
      addr[0] = w >>> 0;
      version = 4;
      // Without /len libpcap takes the octets written as the prefix (net 10 = 10.0.0.0/8).
      bits = slash < 0 ? parts.length * 8 : 32;
    }
    if (slash >= 0) {
      const lenText = text.slice(slash + 1);
      const n = /^[0-9]{1,3}$/.test(lenText) ? Number(lenText) : NaN;
      if (!(n <= bits)) fail(this.expr, pos + slash + 1, `'/${lenText}' is not a prefix length (0-${bits})`);
      bits = n;
    }
    for (let k = 0; k < 4; k++) {
      const b = Math.max(0, Math.min(32, bits - 32 * k));
      mask[k] = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
    }
    for (let k = 0; k < 4; k++) {
      if ((addr[k]! & ~mask[k]!) !== 0) fail(this.expr, pos, `non-network bits set in '${text}'`);
    }
    return version;
  }
}

function parseMac(text: string): Uint8Array | null {
  const parts = text.includes(':') ? text.split(':') : text.includes('-') ? text.split('-') : text.split('.');
  let hex: string;
  if (parts.length === 6 && parts.every((p) => /^[0-9a-f]{1,2}$/i.test(p))) hex = parts.map((p) => p.padStart(2, '0')).join('');
  else if (parts.length === 3 && parts.every((p) => /^[0-9a-f]{4}$/i.test(p))) hex = parts.join('');
  else return null;
  const out = new Uint8Array(6);
  for (let k = 0; k < 6; k++) out[k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16);
  return out;
}

/** Parses a tcpdump filter expression; throws `NetsieveError('NS_ERR_USAGE')` with the position of the fault. */
export function parseFilter(expr: string): FilterNode {
  if (typeof expr !== 'string') throw new NetsieveError('NS_ERR_USAGE', 'filter: the expression must be a string');
  if (expr.length > MAX_FILTER_LENGTH)
    fail(`${expr.slice(0, 40)}...`, MAX_FILTER_LENGTH, `longer than ${MAX_FILTER_LENGTH} characters`);
  return new Parser(expr, tokenize(expr)).parse();
}
