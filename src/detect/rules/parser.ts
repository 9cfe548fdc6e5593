/**
 * One rule's text to a `Rule` (model.ts): the header, then every option in order through its keyword handler.
 *
 * Options are applied in rule order because Suricata's keywords are positional: a sticky buffer applies to
 * what follows it, a content modifier (`nocase`, `depth`, `http_uri`, ...) to the content before it, and a
 * `byte_extract` variable exists only for the keywords after it. Anything the parser does not know, or knows
 * but netsieve cannot evaluate, refuses the whole rule with a RuleError naming the keyword; load.ts turns that
 * into a line of the load report.
 */
import { DLP_SENSOR_NAMES } from '../dlp/sensors.js';
import { type AddressMatcher, compileAddress, compilePorts, type PortMatcher } from './address.js';
import { BUFFERS, CONTENT_MODIFIERS, DEFAULT_BUFFER, PCRE_BUFFER_FLAGS, stickyBuffer, UNSUPPORTED_BUFFERS } from './buffers.js';
import type { Classtype } from './classification.js';
import { selectFastPattern } from './fast-pattern.js';
import { type RawOption, splitRule, stringValue, unescapeLoose, unquote } from './lexer.js';
import { checkPcre } from './pcre-check.js';
import type {
  ContentMatch,
  Endian,
  FlowbitsOp,
  FlowOptions,
  NumberBase,
  NumberOrVar,
  NumberTest,
  Rule,
  RuleAction,
  RuleLocation,
  TcpFlagsTest,
  ThresholdTrack,
} from './model.js';
import { APP_LAYER_PSEUDO, APP_PROTOCOLS, IP_PROTOCOL_NUMBERS, PACKET_PROTOCOLS, UNSUPPORTED_PROTOCOLS } from './protocols.js';
import { badValue, RuleError } from './rule-error.js';
import { commaList, decodeContent, parseInteger, parseNumberTest } from './values.js';

/** netsieve's DLP sensors, the values of the `dlp` keyword: the names of `src/detect/dlp/`'s sensor table. */
export const DLP_SENSORS: readonly string[] = DLP_SENSOR_NAMES;

/** What a rule is parsed against. */
export interface ParseContext {
  vars: ReadonlyMap<string, string>;
  /** Classtypes by lower-case name. */
  classtypes: ReadonlyMap<string, Classtype>;
  /**
   * Compiled address and port lists by their text, shared by the rules of one load: a real rule set names a
   * few dozen distinct lists (`$HOME_NET`, `any`, `$HTTP_PORTS`) thousands of times. Matchers are immutable.
   */
  addressCache?: Map<string, AddressMatcher>;
  portCache?: Map<string, PortMatcher>;
}

/** Distinct lists kept per cache; past this, lists are compiled without being kept. */
const MAX_CACHED_LISTS = 4096;

function cachedAddress(text: string, ctx: ParseContext): AddressMatcher {
  const hit = ctx.addressCache?.get(text);
  if (hit !== undefined) return hit;
  const m = compileAddress(text, ctx.vars);
  if (ctx.addressCache !== undefined && ctx.addressCache.size < MAX_CACHED_LISTS) ctx.addressCache.set(text, m);
  return m;
}

function cachedPorts(text: string, ctx: ParseContext): PortMatcher {
  const hit = ctx.portCache?.get(text);
  if (hit !== undefined) return hit;
  const m = compilePorts(text, ctx.vars);
  if (ctx.portCache !== undefined && ctx.portCache.size < MAX_CACHED_LISTS) ctx.portCache.set(text, m);
  return m;
}

const ACTIONS: ReadonlySet<string> = new Set(['alert', 'drop', 'reject', 'rejectsrc', 'rejectdst', 'rejectboth', 'pass']);

/**
 * Keywords Suricata 7 has that netsieve does not evaluate yet: refused as `unsupported-keyword` (anything not
 * here and not handled below is an `unknown-keyword`).
 */
export const UNSUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  'lua',
  'luajit',
  'dataset',
  'datarep',
  'xbits',
  'hostbits',
  'iprep',
  'flowint',
  'flow.age',
  'flow.pkts',
  'flow.bytes',
  'base64_decode',
  'tag',
  'filestore',
  'filemagic',
  'filename',
  'fileext',
  'filemd5',
  'filesha1',
  'filesha256',
  'filesize',
  'stream_size',
  'ssl_state',
  'ssl_version',
  'tls.store',
  'tls_store',
  'tls_cert_notbefore',
  'tls_cert_notafter',
  'tls_cert_expired',
  'tls_cert_valid',
  'tls.cert_chain_len',
  'tls.subject',
  'tls.issuerdn',
  'tls.fingerprint',
  'ssh.protoversion',
  'ssh.softwareversion',
  'ssh_proto',
  'asn1',
  'sameip',
  'fragbits',
  'fragoffset',
  'id',
  'ipopts',
  'seq',
  'ack',
  'window',
  'icmp_id',
  'icmp_seq',
  'tcp.mss',
  'tcp.flags',
  'dce_iface',
  'dce_opnum',
  'replace',
  'to_lowercase',
  'to_uppercase',
  'to_md5',
  'to_sha1',
  'to_sha256',
  'dotprefix',
  'strip_whitespace',
  'compress_whitespace',
  'url_decode',
  'pcrexform',
  'xor',
  'header_lowercase',
  'strip_pseudo_headers',
  'byte_math',
  'entropy',
  'app-layer-event',
  'decode-event',
  'stream-event',
  'engine-event',
  'krb5_msg_type',
  'krb5_err_code',
  'prefilter',
  'config',
  'bypass',
  'rpc',
  'ftpbounce',
  'ftpdata_command',
  'dnp3_func',
  'dnp3_ind',
  'dnp3_obj',
  'modbus',
  'enip_command',
  'cip_service',
  'requires',
  'http2.frametype',
  'http2.errorcode',
  'http2.priority',
  'http2.window',
  'http2.size_update',
  'http2.settings',
  'ike.exchtype',
  'ike.spi.initiator',
  'ike.spi.responder',
  'ike.chosen_sa_attribute',
  'ike.key_exchange_payload_length',
  'ike.nonce_payload_length',
  'snmp.version',
  'snmp.pdu_type',
  'mqtt.type',
  'mqtt.flags',
  'mqtt.qos',
  'mqtt.protocol_version',
  'rfb.sectype',
  'nfs_procedure',
  'nfs.version',
  'smb.version',
  'dhcp.leasetime',
  'dhcp.rebinding_time',
  'dhcp.renewal_time',
  'http.response_body.raw',
  'urilen.raw',
  'ja4',
  'file.size',
  'rawbytes.raw',
  'icode.raw',
  'template2',
  'pcre.raw',
  'iprep.raw',
  'dns.rrtype',
  'dns.rcode',
]);

/** byte_test offsets are 32-bit signed in Suricata (byte_jump and byte_extract offsets stay within 16 bits). */
const INT32_MAX = 0x7fffffff;

/** Keywords that may appear once per rule. */
const ONCE = new Set([
  'msg',
  'sid',
  'rev',
  'gid',
  'classtype',
  'priority',
  'target',
  'flow',
  'threshold',
  'detection_filter',
  'dsize',
  'urilen',
  'ttl',
  'itype',
  'icode',
  'ip_proto',
  'flags',
  'app-layer-protocol',
  'tls.version',
  'dns.opcode',
  'noalert',
]);

/** Parses one rule. Throws RuleError; `sid` in the error path is found by load.ts. */
export function parseRule(text: string, location: RuleLocation, ctx: ParseContext): Rule {
  const raw = splitRule(text);
  const h = raw.header;
  if (h.length !== 7)
    throw new RuleError(
      'syntax',
      `the header has ${h.length} fields; it must be "action protocol source sport direction destination dport"`,
    );
  const action = h[0]!.toLowerCase();
  if (!ACTIONS.has(action)) throw new RuleError('syntax', `unknown action "${h[0]}" (alert, drop, reject, pass)`);
  const protocol = h[1]!.toLowerCase();
  let appProtocol: string | null = null;
  if (APP_PROTOCOLS.has(protocol)) appProtocol = APP_PROTOCOLS.get(protocol)!;
  else if (UNSUPPORTED_PROTOCOLS.has(protocol))
    throw new RuleError('unsupported-protocol', `protocol "${protocol}" is not inspected by netsieve`);
  else if (!PACKET_PROTOCOLS.has(protocol)) throw new RuleError('syntax', `unknown protocol "${h[1]}"`);
  const direction = h[4]!;
  if (direction !== '->' && direction !== '<>')
    throw new RuleError('syntax', `the direction is "${direction}"; it must be "->" or "<>"`);

  const rule: Rule = {
    action: action as RuleAction,
    protocol,
    appProtocol,
    src: cachedAddress(h[2]!, ctx),
    srcPorts: cachedPorts(h[3]!, ctx),
    direction,
    dst: cachedAddress(h[5]!, ctx),
    dstPorts: cachedPorts(h[6]!, ctx),
    gid: 1,
    sid: 0,
    rev: 0,
    msg: '',
    classtype: null,
    priority: 3,
    references: [],
    metadata: [],
    target: null,
    matches: [],
    fastPattern: null,
    flow: null,
    flowbits: [],
    noalert: false,
    threshold: null,
    detectionFilter: null,
    dsize: null,
    urilen: null,
    ttl: null,
    itype: null,
    icode: null,
    ipProto: null,
    flags: null,
    appLayerProtocol: null,
    tlsVersion: null,
    dnsOpcode: null,
    dlp: [],
    location,
    text,
  };
  new OptionParser(rule, ctx).run(raw.options);
  return rule;
}

/** The sid written in a rule's text, found without parsing it (for the report of a rule that fails). */
export function findSid(text: string): number | undefined {
  const m = /[(;]\s*sid\s*:\s*(\d+)\s*;/.exec(text);
  return m ? Number(m[1]) : undefined;
}

class OptionParser {
  private buffer = DEFAULT_BUFFER;
  private sticky = false;
  private lastContent: ContentMatch | null = null;
  private readonly extracted = new Set<string>();
  private readonly seen = new Set<string>();
  private sawSid = false;
  private priorityGiven = false;
  private fastPatternSeen = false;

  constructor(
    private readonly rule: Rule,
    private readonly ctx: ParseContext,
  ) {}

  run(options: RawOption[]): void {
    for (const o of options) this.option(o.name, o.value);
    this.finish();
  }

  private option(name: string, value: string | undefined): void {
    if (ONCE.has(name)) {
      if (this.seen.has(name)) throw new RuleError('invalid-value', `"${name}" is given twice`, name);
      this.seen.add(name);
    }
    const sticky = stickyBuffer(name);
    if (sticky !== undefined || name === 'pkt_data') {
      this.noValue(name, value);
      this.buffer = sticky ?? DEFAULT_BUFFER;
      this.sticky = sticky !== undefined;
      return;
    }
    const legacy = CONTENT_MODIFIERS.get(name);
    if (legacy !== undefined) {
      this.noValue(name, value);
      const c = this.needContent(name);
      if (this.sticky) throw badValue(name, `a content modifier cannot follow the sticky buffer ${this.buffer}`);
      if (c.buffer !== DEFAULT_BUFFER) throw badValue(name, `the content is already in ${c.buffer}`);
      c.buffer = legacy;
      return;
    }
    const r = this.rule;
    switch (name) {
      case 'msg': {
        // Suricata 7 wants the msg quoted, and takes what lies between the first and the last quote.
        const v = this.need(name, value);
        if (v.length < 2 || !v.startsWith('"') || !v.endsWith('"')) throw badValue(name, 'the value must be double quoted');
        r.msg = unescapeLoose(v.slice(1, -1));
        return;
      }
      case 'sid':
        // Suricata's highest sid is 2^32 - 2.
        r.sid = parseInteger(name, this.need(name, value), 1, 0xfffffffe);
        this.sawSid = true;
        return;
      case 'rev':
        // Suricata 7 refuses rev 0.
        r.rev = parseInteger(name, this.need(name, value), 1, 0xffffffff);
        return;
      case 'gid':
        r.gid = parseInteger(name, this.need(name, value), 0, 0xffffffff);
        return;
      case 'classtype': {
        const ct = this.need(name, value).trim();
        if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(ct)) throw badValue(name, `"${ct}" is not a classtype name`);
        const found = this.ctx.classtypes.get(ct.toLowerCase());
        // Suricata 7 loads a rule with an unknown classtype (with a warning) at the default priority; so does netsieve.
        r.classtype = found?.name ?? ct;
        if (!this.priorityGiven && found !== undefined) r.priority = found.priority;
        return;
      }
      case 'priority':
        r.priority = parseInteger(name, this.need(name, value), 0, 255);
        this.priorityGiven = true;
        return;
      case 'reference': {
        const v = stringValue(name, value);
        // Suricata's shape: a word of letters and digits, a comma, an id that starts with [A-Za-z0-9-_./?=].
        const m = /^\s*([A-Za-z0-9]+)\s*,"?\s*"?\s*([A-Za-z0-9\-_./?=].*)$/.exec(v);
        if (m === null) throw badValue(name, `"${v}" is not "system,id"`);
        // An unknown system only draws a warning from Suricata (its reference.config gives URLs); kept as written.
        const system = m[1]!.toLowerCase();
        r.references.push({ system, id: m[2]!.replace(/"?\s*$/, '') });
        return;
      }
      case 'metadata':
        for (const item of commaList(stringValue(name, value))) {
          // A key without a value is accepted, as Suricata accepts it.
          const sp = item.search(/\s/);
          r.metadata.push(sp < 0 ? [item, ''] : [item.slice(0, sp), item.slice(sp + 1).trim()]);
        }
        return;
      case 'target': {
        const v = this.need(name, value).trim();
        if (v !== 'src_ip' && v !== 'dest_ip') throw badValue(name, `"${v}" is not src_ip or dest_ip`);
        r.target = v;
        return;
      }
      case 'content':
        return this.content(name, this.need(name, value));
      case 'nocase': {
        this.noValue(name, value);
        const c = this.needContent(name);
        if (c.nocase) throw badValue(name, 'given twice for the same content');
        c.nocase = true;
        return;
      }
      case 'rawbytes': {
        this.noValue(name, value);
        const c = this.needContent(name);
        // As Suricata: raw bytes only mean something for the packet payload, not a sticky buffer.
        if (c.buffer !== DEFAULT_BUFFER) throw badValue(name, `cannot be used with the buffer ${c.buffer}`);
        c.rawbytes = true;
        return;
      }
      case 'depth':
      case 'offset':
      case 'distance':
      case 'within':
        return this.position(name, this.need(name, value));
      case 'startswith':
      case 'endswith': {
        this.noValue(name, value);
        const c = this.needContent(name);
        if (name === 'startswith') {
          if (c.startsWith) throw badValue(name, 'given twice for the same content');
          if (c.depth !== undefined || c.offset !== undefined || c.distance !== undefined || c.within !== undefined)
            throw badValue(name, 'cannot be combined with depth, offset, distance or within');
          c.startsWith = true;
        } else c.endsWith = true;
        return;
      }
      case 'fast_pattern':
        return this.fastPatternOption(value);
      case 'pcre':
        return this.pcre(this.need(name, value));
      case 'byte_test':
        return this.byteTest(this.need(name, value));
      case 'byte_jump':
        return this.byteJump(this.need(name, value));
      case 'byte_extract':
        return this.byteExtract(this.need(name, value));
      case 'isdataat':
        return this.isdataat(this.need(name, value));
      case 'bsize':
        if (!this.sticky) throw badValue(name, 'needs a sticky buffer before it');
        r.matches.push({ kind: 'bsize', buffer: this.buffer, test: parseNumberTest(name, value, 0xffffffff) });
        return;
      case 'flow':
        r.flow = this.flow(this.need(name, value));
        return;
      case 'flowbits':
        return this.flowbits(this.need(name, value));
      case 'noalert':
        this.noValue(name, value);
        r.noalert = true;
        return;
      case 'threshold':
        r.threshold = this.threshold(name, this.need(name, value), true) as Rule['threshold'];
        return;
      case 'detection_filter':
        r.detectionFilter = this.threshold(name, this.need(name, value), false);
        return;
      case 'dsize':
        r.dsize = parseNumberTest(name, value, 65535);
        return;
      case 'urilen': {
        const parts = commaList(this.need(name, value));
        const mode = parts[1];
        if (parts.length > 2 || (mode !== undefined && mode !== 'raw' && mode !== 'norm'))
          throw badValue(name, `"${value}" is not "N[,raw|norm]"`);
        r.urilen = { test: parseNumberTest(name, parts[0], 65535), raw: mode === 'raw' };
        r.appProtocol = this.bindProto(name, 'http');
        return;
      }
      case 'ttl':
        r.ttl = parseNumberTest(name, value, 255);
        return;
      case 'itype':
        r.itype = parseNumberTest(name, value, 255);
        return;
      case 'icode':
        r.icode = parseNumberTest(name, value, 255);
        return;
      case 'ip_proto':
        r.ipProto = this.ipProto(this.need(name, value));
        return;
      case 'flags':
        r.flags = this.tcpFlags(this.need(name, value));
        return;
      case 'app-layer-protocol':
        return this.appLayerProtocol(this.need(name, value));
      case 'tls.version':
        r.tlsVersion = this.tlsVersion(this.need(name, value));
        r.appProtocol = this.bindProto(name, 'tls');
        return;
      case 'dns.opcode':
        r.dnsOpcode = parseNumberTest(name, value, 255);
        r.appProtocol = this.bindProto(name, 'dns');
        return;
      case 'dlp': {
        const list = commaList(this.need(name, value));
        if (list.length === 0) throw badValue(name, `needs one or more sensors: ${DLP_SENSORS.join(', ')}`);
        for (const s of list) {
          if (!DLP_SENSORS.includes(s)) throw badValue(name, `unknown sensor "${s}" (${DLP_SENSORS.join(', ')})`);
          if (!r.dlp.includes(s)) r.dlp.push(s);
        }
        return;
      }
    }
    if (UNSUPPORTED_BUFFERS.has(name)) throw new RuleError('unsupported-buffer', `unsupported buffer "${name}"`, name);
    if (UNSUPPORTED_KEYWORDS.has(name)) throw new RuleError('unsupported-keyword', `unsupported keyword "${name}"`, name);
    throw new RuleError('unknown-keyword', `unknown keyword "${name}"`, name);
  }

  // ---- helpers ----

  private need(name: string, value: string | undefined): string {
    if (value === undefined || value === '') throw badValue(name, 'needs a value');
    return value;
  }

  private noValue(name: string, value: string | undefined): void {
    // An empty value (`nocase:;`) is no value, as in Suricata.
    if (value !== undefined && value !== '') throw badValue(name, `takes no value (got "${value}")`);
  }

  private needContent(name: string): ContentMatch {
    if (this.lastContent === null) throw badValue(name, 'needs a content before it');
    return this.lastContent;
  }

  /** Binds the rule to an application protocol, refusing a second, different one. */
  private bindProto(keyword: string, proto: string): string {
    const cur = this.rule.appProtocol;
    if (cur !== null && cur !== proto) throw badValue(keyword, `is a ${proto} keyword in a ${cur} rule`);
    return proto;
  }

  /** A number, or a byte_extract variable defined earlier in the rule. */
  private numberOrVar(keyword: string, text: string, min: number, max: number): NumberOrVar {
    const t = text.trim();
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) {
      if (!this.extracted.has(t)) throw badValue(keyword, `"${t}" is not a byte_extract variable of this rule`);
      return t;
    }
    return parseInteger(keyword, t, min, max);
  }

  // ---- content ----

  private content(name: string, value: string): void {
    let v = value.trim();
    let negated = false;
    if (v.startsWith('!')) {
      negated = true;
      v = v.slice(1).trim();
    }
    const q = unquote(name, v);
    if (!q.quoted) throw new RuleError('syntax', `${name}: the value must be quoted`, name);
    const c: ContentMatch = {
      kind: 'content',
      buffer: this.buffer,
      pattern: decodeContent(name, q.text),
      negated,
      nocase: false,
      startsWith: false,
      endsWith: false,
      rawbytes: false,
    };
    this.rule.matches.push(c);
    this.lastContent = c;
  }

  private position(name: 'depth' | 'offset' | 'distance' | 'within', value: string): void {
    const c = this.needContent(name);
    if (c[name] !== undefined) throw badValue(name, 'given twice for the same content');
    if (c.startsWith) throw badValue(name, 'cannot be combined with startswith');
    const relative = name === 'distance' || name === 'within';
    if (relative && (c.depth !== undefined || c.offset !== undefined))
      throw badValue(name, 'cannot be combined with depth or offset (relative and absolute)');
    if (!relative && (c.distance !== undefined || c.within !== undefined))
      throw badValue(name, 'cannot be combined with distance or within (absolute and relative)');
    // depth and offset are 16-bit in Suricata, distance and within 32-bit signed.
    const INT32 = 0x7fffffff;
    const min = name === 'distance' ? -INT32 : name === 'offset' ? 0 : 1;
    const n = this.numberOrVar(name, value, min, relative ? INT32 : 65535);
    if (typeof n === 'number' && (name === 'depth' || name === 'within') && n < c.pattern.length)
      throw badValue(name, `${n} is less than the content's length (${c.pattern.length})`);
    c[name] = n;
  }

  private fastPatternOption(value: string | undefined): void {
    const c = this.needContent('fast_pattern');
    if (this.fastPatternSeen) throw badValue('fast_pattern', 'a rule may have only one fast_pattern');
    this.fastPatternSeen = true;
    if (value === undefined) {
      c.fastPattern = { only: false };
      return;
    }
    const v = value.trim();
    if (v === 'only') {
      c.fastPattern = { only: true };
      return;
    }
    const m = /^(\d+)\s*,\s*(\d+)$/.exec(v);
    if (!m) throw badValue('fast_pattern', `"${v}" is not "only" or "offset,length"`);
    const offset = Number(m[1]);
    const length = Number(m[2]);
    if (length < 1 || offset + length > c.pattern.length)
      throw badValue('fast_pattern', `the slice ${offset},${length} is not inside the content (${c.pattern.length} bytes)`);
    c.fastPattern = { only: false, chop: { offset, length } };
  }

  // ---- pcre ----

  private pcre(value: string): void {
    let v = value.trim();
    let negated = false;
    if (v.startsWith('!')) {
      negated = true;
      v = v.slice(1).trim();
    }
    // Suricata takes the expression between the first and the last quote: a `"` inside needs no escape.
    if (!v.startsWith('"') || !v.endsWith('"') || v.length < 2)
      throw new RuleError('syntax', 'pcre: the value must be quoted', 'pcre');
    const text = v.slice(1, -1);
    const end = text.lastIndexOf('/');
    if (!text.startsWith('/') || end <= 0) throw badValue('pcre', 'the expression must be written /.../flags');
    const source = text.slice(1, end);
    let flags = '';
    let relative = false;
    let rawbytes = false;
    let buffer: string | undefined;
    for (const f of text.slice(end + 1)) {
      if ('ismxAEG'.includes(f)) {
        if (!flags.includes(f)) flags += f;
      } else if (f === 'R') relative = true;
      else if (f === 'B') rawbytes = true;
      else if (f === 'O') {
        // Suricata's "override the match limit": no meaning for netsieve's engines, accepted.
      } else if (PCRE_BUFFER_FLAGS.has(f)) {
        const b = PCRE_BUFFER_FLAGS.get(f)!;
        if (buffer !== undefined && buffer !== b) throw badValue('pcre', `flags name two buffers (${buffer} and ${b})`);
        // Suricata accepts a flag that names the sticky buffer already in force (ET rules do this), not another.
        if (this.sticky && b !== this.buffer)
          throw badValue('pcre', `flag ${f} (${b}) cannot be used after the sticky buffer ${this.buffer}`);
        buffer = b;
      } else throw badValue('pcre', `unknown flag "${f}"`);
    }
    // As Suricata: the normalised host is lower case, so a /W expression with an upper-case letter (not
    // escaped, and without `i`) could never match.
    if (buffer === 'http.host' && !flags.includes('i') && /(^|[^\\])(\\\\)*[A-Z]/.test(source))
      throw badValue('pcre', 'flag W (http.host): the host is lower case, the expression has an upper-case letter');
    const target = buffer ?? this.buffer;
    if (relative && !this.rule.matches.some((m) => m.buffer === target && m.kind !== 'bsize'))
      throw badValue('pcre', `flag R (relative) needs a match before it in ${target}`);
    const expression = unescapePcre(source);
    const fault = checkPcre(expression, flags);
    if (fault !== null) throw badValue('pcre', fault);
    this.rule.matches.push({
      kind: 'pcre',
      buffer: buffer ?? this.buffer,
      source: expression,
      flags,
      negated,
      relative,
      rawbytes,
    });
  }

  // ---- byte keywords ----

  private endianAndBase(
    keyword: string,
    word: string,
    st: { endian?: Endian; string?: NumberBase; sawString: boolean },
  ): boolean {
    if (word === 'big' || word === 'little' || word === 'dce') {
      // Given twice, the last one counts (as Suricata accepts it).
      st.endian = word;
      return true;
    }
    if (word === 'string') {
      st.sawString = true;
      return true;
    }
    if (word === 'hex' || word === 'dec' || word === 'oct') {
      if (st.string !== undefined) throw badValue(keyword, 'the number base is given twice');
      st.string = word;
      return true;
    }
    return false;
  }

  private checkBytes(keyword: string, bytes: number, st: { sawString: boolean; string?: NumberBase }): NumberBase | undefined {
    if (st.string !== undefined && !st.sawString) throw badValue(keyword, `"${st.string}" needs "string"`);
    const base = st.sawString ? (st.string ?? 'dec') : undefined;
    if (base === undefined && bytes > 8) throw badValue(keyword, `${bytes} bytes: a binary number has 1 to 8 bytes`);
    if (base !== undefined && bytes > 23) throw badValue(keyword, `${bytes} bytes: a number in text has 1 to 23 digits`);
    return base;
  }

  private byteTest(value: string): void {
    const k = 'byte_test';
    const parts = commaList(value);
    if (parts.length < 4) throw badValue(k, 'needs "bytes, operator, value, offset[, options]"');
    const bytes = parseInteger(k, parts[0]!, 1, 23);
    let opText = parts[1]!.replace(/\s+/g, '');
    let negated = false;
    if (opText.startsWith('!') && opText.length > 1 && opText !== '!=') {
      negated = true;
      opText = opText.slice(1);
    }
    if (opText === '!' || opText === '!=') {
      negated = !negated;
      opText = '=';
    }
    if (!['<', '>', '=', '<=', '>=', '&', '^'].includes(opText)) throw badValue(k, `unknown operator "${parts[1]}"`);
    const val = this.numberOrVar(k, parts[2]!, 0, Number.MAX_SAFE_INTEGER);
    const offset = this.numberOrVar(k, parts[3]!, -INT32_MAX, INT32_MAX);
    const st: { endian?: Endian; string?: NumberBase; sawString: boolean } = { sawString: false };
    let relative = false;
    let bitmask: number | undefined;
    for (const w of parts.slice(4)) {
      if (w === 'relative') relative = true;
      else if (this.endianAndBase(k, w, st)) {
        // recorded
      } else if (w.startsWith('bitmask')) bitmask = parseInteger(k, w.slice(7), 1, 0xffffffff);
      else throw badValue(k, `unknown option "${w}"`);
    }
    const base = this.checkBytes(k, bytes, st);
    this.rule.matches.push({
      kind: 'byte_test',
      buffer: this.buffer,
      bytes,
      negated,
      op: opText as '<',
      value: val,
      offset,
      relative,
      endian: st.endian ?? 'big',
      ...(base !== undefined ? { string: base } : {}),
      ...(bitmask !== undefined ? { bitmask } : {}),
    });
  }

  private byteJump(value: string): void {
    const k = 'byte_jump';
    const parts = commaList(value);
    if (parts.length < 2) throw badValue(k, 'needs "bytes, offset[, options]"');
    const bytes = parseInteger(k, parts[0]!, 1, 23);
    const offset = this.numberOrVar(k, parts[1]!, -65535, 65535);
    const st: { endian?: Endian; string?: NumberBase; sawString: boolean } = { sawString: false };
    let relative = false;
    let multiplier = 1;
    let align = false;
    let from: 'current' | 'beginning' | 'end' = 'current';
    let postOffset = 0;
    for (const w of parts.slice(2)) {
      if (w === 'relative') relative = true;
      else if (this.endianAndBase(k, w, st)) {
        // recorded
      } else if (w === 'align') align = true;
      else if (w === 'from_beginning' || w === 'from_end') {
        if (from !== 'current') throw badValue(k, 'from_beginning and from_end exclude each other');
        from = w === 'from_beginning' ? 'beginning' : 'end';
      } else if (w.startsWith('multiplier')) multiplier = parseInteger(k, w.slice(10), 1, 65535);
      else if (w.startsWith('post_offset')) postOffset = parseInteger(k, w.slice(11), -65535, 65535);
      else throw badValue(k, `unknown option "${w}"`);
    }
    const base = this.checkBytes(k, bytes, st);
    this.rule.matches.push({
      kind: 'byte_jump',
      buffer: this.buffer,
      bytes,
      offset,
      relative,
      multiplier,
      endian: st.endian ?? 'big',
      ...(base !== undefined ? { string: base } : {}),
      align,
      from,
      postOffset,
    });
  }

  private byteExtract(value: string): void {
    const k = 'byte_extract';
    const parts = commaList(value);
    if (parts.length < 3) throw badValue(k, 'needs "bytes, offset, name[, options]"');
    const bytes = parseInteger(k, parts[0]!, 1, 23);
    const offset = parseInteger(k, parts[1]!, -65535, 65535);
    const name = parts[2]!;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw badValue(k, `"${name}" is not a variable name`);
    // Extracting the same name again is accepted (Suricata does); the later value is the one used after it.
    const st: { endian?: Endian; string?: NumberBase; sawString: boolean } = { sawString: false };
    let relative = false;
    let multiplier = 1;
    let align = 0;
    for (const w of parts.slice(3)) {
      if (w === 'relative') relative = true;
      else if (this.endianAndBase(k, w, st)) {
        // recorded
      } else if (w.startsWith('multiplier')) multiplier = parseInteger(k, w.slice(10), 1, 65535);
      else if (w.startsWith('align')) {
        align = parseInteger(k, w.slice(5), 2, 4);
        if (align === 3) throw badValue(k, 'align is 2 or 4');
      } else throw badValue(k, `unknown option "${w}"`);
    }
    const base = this.checkBytes(k, bytes, st);
    this.extracted.add(name);
    this.rule.matches.push({
      kind: 'byte_extract',
      buffer: this.buffer,
      bytes,
      offset,
      name,
      relative,
      multiplier,
      endian: st.endian ?? 'big',
      ...(base !== undefined ? { string: base } : {}),
      align,
    });
  }

  private isdataat(value: string): void {
    const k = 'isdataat';
    const parts = commaList(value);
    let first = parts[0] ?? '';
    let negated = false;
    if (first.startsWith('!')) {
      negated = true;
      first = first.slice(1).trim();
    }
    const offset = this.numberOrVar(k, first, 0, 65535);
    let relative = false;
    let rawbytes = false;
    for (const w of parts.slice(1)) {
      if (w === 'relative') relative = true;
      else if (w === 'rawbytes') rawbytes = true;
      else throw badValue(k, `unknown option "${w}"`);
    }
    this.rule.matches.push({ kind: 'isdataat', buffer: this.buffer, negated, offset, relative, rawbytes });
  }

  // ---- flow and state ----

  private flow(value: string): FlowOptions {
    const f: FlowOptions = {};
    const words = value.split(',').map((w) => w.trim());
    if (words.some((w) => w === '')) throw badValue('flow', `an empty option in "${value}"`);
    if (words.length > 3) throw badValue('flow', 'takes at most three options (as Suricata)');
    for (const w of words) {
      const set = <K extends keyof FlowOptions>(key: K, v: FlowOptions[K]) => {
        if (f[key] !== undefined) throw badValue('flow', `"${w}" conflicts with or repeats an earlier option`);
        f[key] = v;
      };
      switch (w) {
        case 'established':
        case 'not_established':
          if (f.stateless !== undefined) throw badValue('flow', `"${w}" conflicts with stateless`);
          set('established', w === 'established');
          break;
        case 'stateless':
          if (f.established !== undefined) throw badValue('flow', '"stateless" conflicts with established');
          set('stateless', true);
          break;
        case 'to_server':
        case 'from_client':
          set('direction', 'to_server');
          break;
        case 'to_client':
        case 'from_server':
          set('direction', 'to_client');
          break;
        case 'only_stream':
        case 'no_stream':
          set('stream', w === 'only_stream' ? 'only' : 'no');
          break;
        case 'only_frag':
        case 'no_frag':
          set('frag', w === 'only_frag' ? 'only' : 'no');
          break;
        default:
          throw badValue('flow', `unknown option "${w}"`);
      }
    }
    return f;
  }

  private flowbits(value: string): void {
    const k = 'flowbits';
    const parts = commaList(value);
    const cmd = parts[0];
    if (cmd === 'noalert') {
      if (parts.length !== 1) throw badValue(k, 'noalert takes no name');
      this.rule.noalert = true;
      return;
    }
    const commands = ['set', 'setx', 'unset', 'toggle', 'isset', 'isnotset'];
    if (cmd === undefined || !commands.includes(cmd))
      throw badValue(k, `unknown command "${cmd ?? ''}" (${commands.join(', ')}, noalert)`);
    const namesText = parts[1];
    if (namesText === undefined) throw badValue(k, `${cmd} needs a name`);
    // "|" (any of) is a list only for the tests; elsewhere Suricata takes it as part of the name.
    const test = cmd === 'isset' || cmd === 'isnotset';
    const hasOr = test && namesText.includes('|');
    const hasAnd = namesText.includes('&');
    if (hasOr && hasAnd) throw badValue(k, 'names cannot mix | and &');
    const names = namesText.split(hasOr ? '|' : '&').map((s) => s.trim());
    for (const n of names) if (!/^[A-Za-z0-9_.\-:/|]+$/.test(n)) throw badValue(k, `"${n}" is not a flowbit name`);
    const op: FlowbitsOp = { command: cmd as FlowbitsOp['command'], names, combine: hasOr ? 'or' : 'and' };
    if (cmd === 'setx') {
      if (parts.length !== 3) throw badValue(k, 'setx needs "setx,name,seconds"');
      op.expire = parseInteger(k, parts[2]!.replace(/^expire\s+/, ''), 1, 0x7fffffff);
    } else if (parts.length > 2) throw badValue(k, `too many fields in "${value}"`);
    this.rule.flowbits.push(op);
  }

  private threshold(keyword: string, value: string, withType: boolean): Rule['detectionFilter'] & { type?: string } {
    const fields = new Map<string, string>();
    for (const item of commaList(value)) {
      const m = /^(\S+)\s+(\S+)$/.exec(item);
      if (!m) throw badValue(keyword, `"${item}" is not "name value"`);
      if (fields.has(m[1]!)) throw badValue(keyword, `"${m[1]}" is given twice`);
      fields.set(m[1]!, m[2]!);
    }
    const allowed = withType ? ['type', 'track', 'count', 'seconds'] : ['track', 'count', 'seconds'];
    for (const key of fields.keys()) if (!allowed.includes(key)) throw badValue(keyword, `unknown field "${key}"`);
    for (const key of allowed) if (!fields.has(key)) throw badValue(keyword, `needs "${key}"`);
    const track = fields.get('track')!;
    if (!['by_src', 'by_dst', 'by_rule', 'by_both', 'by_flow'].includes(track))
      throw badValue(keyword, `unknown track "${track}"`);
    const out = {
      track: track as ThresholdTrack,
      count: parseInteger(keyword, fields.get('count')!, 1, 0xffffffff),
      seconds: parseInteger(keyword, fields.get('seconds')!, 1, 0xffffffff),
    };
    if (!withType) return out;
    const type = fields.get('type')!;
    if (!['limit', 'threshold', 'both'].includes(type)) throw badValue(keyword, `unknown type "${type}"`);
    return { type, ...out };
  }

  private ipProto(value: string): NumberTest {
    const m = /^\s*([<>!]?)\s*([A-Za-z0-9-]+)\s*$/.exec(value);
    if (!m) throw badValue('ip_proto', `"${value}" is not a protocol name or number`);
    const word = m[2]!.toLowerCase();
    const n = /^\d+$/.test(word) ? parseInteger('ip_proto', word, 0, 255) : IP_PROTOCOL_NUMBERS.get(word);
    if (n === undefined) throw badValue('ip_proto', `unknown protocol "${m[2]}"`);
    const op = m[1] === '<' ? 'lt' : m[1] === '>' ? 'gt' : m[1] === '!' ? 'ne' : 'eq';
    return { op, value: n };
  }

  private tcpFlags(value: string): TcpFlagsTest {
    const bits: Record<string, number> = {
      F: 0x01,
      S: 0x02,
      R: 0x04,
      P: 0x08,
      A: 0x10,
      U: 0x20,
      E: 0x40,
      C: 0x80,
      '2': 0x40,
      '1': 0x80,
    };
    const [main, maskText, extra] = value.split(',').map((s) => s.trim());
    if (extra !== undefined || main === undefined || main === '')
      throw badValue('flags', `"${value}" is not "[+*!]FLAGS[,MASK]"`);
    let mode: TcpFlagsTest['mode'] = 'exact';
    let flags = 0;
    let zero = false;
    for (const ch of main.toUpperCase()) {
      if (ch === '+' || ch === '*' || ch === '!') {
        if (mode !== 'exact') throw badValue('flags', 'more than one modifier (+ * !)');
        mode = ch === '+' ? 'all' : ch === '*' ? 'any' : 'not';
      } else if (ch === '0') zero = true;
      else if (bits[ch] !== undefined) flags |= bits[ch]!;
      else throw badValue('flags', `unknown flag "${ch}"`);
    }
    if (zero && flags !== 0) throw badValue('flags', '"0" (no flags) cannot be combined with flags');
    if (!zero && flags === 0) throw badValue('flags', 'needs flags');
    let ignore = 0;
    for (const ch of (maskText ?? '').toUpperCase()) {
      if (bits[ch] === undefined) throw badValue('flags', `unknown flag "${ch}" in the mask`);
      ignore |= bits[ch]!;
    }
    return { mode, flags, ignore };
  }

  private appLayerProtocol(value: string): void {
    let v = value.trim().toLowerCase();
    let negated = false;
    if (v.startsWith('!')) {
      negated = true;
      v = v.slice(1).trim();
    }
    let name: string;
    if (APP_PROTOCOLS.has(v)) name = APP_PROTOCOLS.get(v)!;
    else if (APP_LAYER_PSEUDO.has(v)) name = v;
    else if (UNSUPPORTED_PROTOCOLS.has(v))
      throw new RuleError(
        'unsupported-protocol',
        `app-layer-protocol: "${v}" is not inspected by netsieve`,
        'app-layer-protocol',
      );
    else throw badValue('app-layer-protocol', `unknown protocol "${v}"`);
    this.rule.appLayerProtocol = { name, negated };
  }

  private tlsVersion(value: string): number {
    const v = value.trim();
    const named: Record<string, number> = { '1.0': 0x0301, '1.1': 0x0302, '1.2': 0x0303, '1.3': 0x0304 };
    if (named[v] !== undefined) return named[v]!;
    if (/^0x[0-9a-f]{1,4}$/i.test(v)) return Number.parseInt(v.slice(2), 16);
    throw badValue('tls.version', `"${v}" is not 1.0, 1.1, 1.2, 1.3 or a 0x hex version`);
  }

  // ---- after the last option ----

  private finish(): void {
    const r = this.rule;
    if (!this.sawSid) throw new RuleError('syntax', 'the rule has no sid', 'sid');
    for (const m of r.matches) {
      const spec = BUFFERS.get(m.buffer);
      if (spec?.proto != null) r.appProtocol = this.bindProto(m.buffer, spec.proto);
      if (m.kind === 'content' && (m.buffer === 'ja3.hash' || m.buffer === 'ja3s.hash') && m.pattern.length !== 32)
        throw badValue('content', `a ${m.buffer} is 32 hex digits; this content has ${m.pattern.length} bytes`);
      if (m.kind === 'content' && m.buffer === 'http.host') {
        // Suricata refuses both: the normalised host is lower case, so nocase is redundant and upper case never matches.
        if (m.nocase) throw badValue('nocase', 'http.host is lower case already; write the content in lower case without nocase');
        if (m.pattern.some((b) => b >= 0x41 && b <= 0x5a))
          throw badValue('content', 'http.host is lower case; the content has upper-case letters (http.host.raw keeps the case)');
      }
      if (m.kind !== 'content' || m.fastPattern === undefined) continue;
      const positional = m.depth !== undefined || m.offset !== undefined || m.distance !== undefined || m.within !== undefined;
      if (m.fastPattern.only && (m.negated || positional || m.fastPattern.chop !== undefined))
        throw badValue('fast_pattern', '":only" cannot be used on a negated content or with depth, offset, distance or within');
      if (m.negated && positional)
        throw badValue('fast_pattern', 'cannot be used on a negated content with depth, offset, distance or within');
    }
    // flags in a udp rule or itype in a tcp rule load in Suricata (and never match); so they do here.
    this.checkLengths();
    r.fastPattern = selectFastPattern(r.matches);
  }

  /**
   * Suricata refuses a rule whose contents cannot fit the length it requires: `bsize:N` (exact) smaller than
   * what the buffer's contents need, or `urilen:N` (exact) smaller than the longest normalised URI content.
   * "Need" is counted as Suricata does in the simple cases: a relative content adds its length to the one
   * before, an absolute one starts again (negated ones count too, as in Suricata). Only exact values are checked:
   * ranges and bounds are left to match time, where Suricata leaves them too.
   */
  private checkLengths(): void {
    const r = this.rule;
    const needed = (buffer: string): number => {
      let cur = 0;
      let most = 0;
      for (const m of r.matches) {
        if (m.kind !== 'content' || m.buffer !== buffer) continue;
        const relative = m.distance !== undefined || m.within !== undefined;
        cur = (relative ? cur : 0) + m.pattern.length;
        if (cur > most) most = cur;
      }
      return most;
    };
    for (const m of r.matches) {
      if (m.kind !== 'bsize' || m.test.op !== 'eq') continue;
      const n = needed(m.buffer);
      if (n > m.test.value)
        throw badValue('bsize', `${m.test.value} is less than the ${n} bytes the contents of ${m.buffer} need`);
    }
    if (r.urilen !== null && !r.urilen.raw && r.urilen.test.op === 'eq') {
      const n = needed('http.uri');
      if (n > r.urilen.test.value)
        throw badValue('urilen', `${r.urilen.test.value} is less than the ${n} bytes the URI contents need`);
    }
  }
}

/** A pcre source as written: Suricata's `\;` and `\"` escapes become the plain characters (same regex). */
function unescapePcre(source: string): string {
  return source.replace(/\\([;"])/g, '$1');
}
