// @ts-check
/**
 * The policy oracle: an independent reading of issue #11's policy semantics, applied to tshark's truth of a
 * capture (`../shared/fixtures/pcaps/truth/<file>.json`) instead of to packets.
 *
 * It shares no code with netsieve on purpose (Node built-ins only, nothing from src/): its own address and
 * CIDR code, its own name matching, its own reading of the policy document. test/policy/oracle.test.ts
 * checks that the engine decides every flow of a capture as this script does.
 *
 * Semantics, from the issue text:
 * - client = the stream's `src` (the sender of its first packet, as tshark saw it); server = `dst`.
 * - rules are tried in order; the first whose `from` group contains the client, whose `to` group contains the
 *   server, whose `ports` (if present) include the server port with the stream's transport, and whose `apps`
 *   (if present) include the stream's application decides; otherwise `default` (deny when absent).
 * - a group contains an address when one of its `cidrs` does, or one of its `fqdns` matches a name of it:
 *   a name DNS gave the address in a response before the stream's first frame (CNAME chains followed: the
 *   queried name and every CNAME on the way to the address), or, for the server only, the stream's first
 *   TLS ClientHello SNI or first HTTP request Host (port removed). `x.com` matches that name only, `*.x.com`
 *   any subdomain but not `x.com`; case-insensitive; a trailing dot is ignored.
 * - the application is the first layer tshark saw directly above TCP/UDP, mapped to netsieve's app names
 *   (http, tls, dns, mdns, llmnr, redis); anything else (or nothing) is unknown, and an unknown app matches no
 *   rule that lists `apps`.
 *
 * Usage: `node test/policy/oracle/decide.mjs TRUTH.json POLICY.json` prints one JSON decision per line.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {{ transport: 'tcp' | 'udp', stream: number, first_frame: number, src: string, sport: number, dst: string,
 *   dport: number, packets?: number, protocols: string[] }} OracleStream
 * @typedef {{ frame: number, transport?: string, stream: number, response: boolean, queries: { name: string, type: number }[],
 *   answers: { name: string, type: number }[], answer_values: { field: string, value: string }[] }} OracleDns
 * @typedef {{ streams: OracleStream[], dns?: OracleDns[], tls_client_hellos?: { frame: number, transport: string,
 *   stream: number, quic: boolean, sni: string | null }[], http_requests?: { frame: number, stream: number,
 *   host: string | null }[] }} OracleTruth
 * @typedef {{ cidrs?: string[], fqdns?: string[] }} OracleGroupSpec
 * @typedef {{ id: string, from: string, to: string, ports?: string[], apps?: string[], action: 'allow' | 'deny' }} OracleRuleSpec
 * @typedef {{ default?: 'allow' | 'deny', groups?: Record<string, OracleGroupSpec>, rules?: OracleRuleSpec[] }} OraclePolicy
 * @typedef {{ transport: 'tcp' | 'udp', stream: number, src: string, sport: number, dst: string, dport: number,
 *   action: 'allow' | 'deny', rule: string, app: string | null }} OracleDecision
 */

// ---------------------------------------------------------------------------------------------------------------
// Addresses: text -> bytes (4 for IPv4, 16 for IPv6), and CIDR blocks.

/**
 * @param {string} text
 * @returns {number[] | null}
 */
function parseV4(text) {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/**
 * @param {string} text
 * @returns {number[] | null}
 */
function parseV6(text) {
  let s = text;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  /** @type {number[]} */
  let tail4 = [];
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    tail4 = v4;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  /** @param {string} h */
  const groups = (h) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  /** @type {number[]} */
  const out = [];
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const n = Number.parseInt(g, 16);
    out.push(n >> 8, n & 0xff);
  }
  if (tail4.length === 4) out.splice(12, 4, ...tail4);
  return out;
}

/**
 * An address's bytes: 4 for IPv4, 16 for IPv6; null when the text is no address.
 * @param {string} text
 * @returns {number[] | null}
 */
export function parseAddress(text) {
  return text.includes(':') ? parseV6(text) : parseV4(text);
}

/**
 * A canonical text key of an address (so `2001:DB8::1` and `2001:db8:0::1` are one address).
 * @param {string} text
 */
export function addressKey(text) {
  const b = parseAddress(text);
  return b === null ? `?${text}` : b.join('.');
}

/**
 * @param {string} text `10.0.0.0/8`, `fd00::/64`, or one address
 * @returns {{ bytes: number[], prefix: number }}
 */
export function parseCidr(text) {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseAddress(addr);
  if (bytes === null) throw new Error(`oracle: not an address: ${text}`);
  const max = bytes.length * 8;
  const prefix = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`oracle: bad prefix: ${text}`);
  return { bytes, prefix };
}

/**
 * Whether the block holds the address (same family only: an IPv4 address is not in an IPv6 block).
 * @param {{ bytes: number[], prefix: number }} cidr
 * @param {number[]} addr
 */
export function cidrContains(cidr, addr) {
  if (cidr.bytes.length !== addr.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((cidr.bytes[i] ?? 0) & mask) !== ((addr[i] ?? 0) & mask)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Names.

/** @param {string} name */
function normName(name) {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/**
 * Whether a name matches an fqdns entry: exact, or `*.x` for any name below x (not x itself).
 * @param {string} pattern
 * @param {string} name
 */
export function nameMatches(pattern, name) {
  const p = normName(pattern);
  const n = normName(name);
  if (p.startsWith('*.')) {
    const base = p.slice(2);
    return n.length > base.length + 1 && n.endsWith(`.${base}`);
  }
  return n === p;
}

/** tshark's field for the value of each address or alias record type. */
const VALUE_FIELD = /** @type {Record<number, string>} */ ({ 1: 'dns.a', 28: 'dns.aaaa', 5: 'dns.cname' });

/**
 * The (owner, type, value) records of a response. The truth lists the records' owners and types in wire order
 * (`answers`) and their values grouped by tshark field (`answer_values`, wire order within a field), so the
 * k-th A record goes with the k-th `dns.a` value, and so on.
 * @param {OracleDns} msg
 */
function records(msg) {
  /** @type {Record<string, string[]>} */
  const values = {};
  for (const v of msg.answer_values) (values[v.field] ??= []).push(v.value);
  /** @type {Record<string, number>} */
  const taken = {};
  /** @type {{ owner: string, type: number, value: string }[]} */
  const out = [];
  for (const a of msg.answers) {
    const field = VALUE_FIELD[a.type];
    if (field === undefined) continue;
    const k = taken[field] ?? 0;
    taken[field] = k + 1;
    const value = values[field]?.[k];
    if (value !== undefined) out.push({ owner: normName(a.name), type: a.type, value });
  }
  return out;
}

/**
 * What one DNS response teaches: address key -> the names that lead to it from a question (the queried name
 * and every CNAME on the chain). Records for names off every chain (glue in the additional section) teach
 * nothing.
 * @param {OracleDns} msg
 * @returns {Map<string, Set<string>>}
 */
export function namesFromResponse(msg) {
  const recs = records(msg);
  /** @type {Map<string, Set<string>>} */
  const learned = new Map();
  for (const q of msg.queries) {
    /** @type {string[]} */
    const chain = [normName(q.name)];
    // Follow CNAMEs from the queried name; a loop or a fork stops at names already on the chain.
    for (let i = 0; i < chain.length; i++) {
      for (const r of recs) {
        if (r.type === 5 && r.owner === chain[i]) {
          const target = normName(r.value);
          if (!chain.includes(target)) chain.push(target);
        }
      }
    }
    for (const r of recs) {
      if ((r.type !== 1 && r.type !== 28) || !chain.includes(r.owner)) continue;
      const key = addressKey(r.value);
      let set = learned.get(key);
      if (set === undefined) learned.set(key, (set = new Set()));
      // Every name from the question to the record's owner leads to the address.
      for (const n of chain.slice(0, chain.indexOf(r.owner) + 1)) set.add(n);
    }
  }
  return learned;
}

// ---------------------------------------------------------------------------------------------------------------
// Applications.

/** Layers at or below the transport, and IPv6 extension headers, which tshark lists among a stream's protocols. */
const LOWER_LAYERS = new Set([
  'eth',
  'ethertype',
  'vlan',
  'ieee8021ad',
  'mpls',
  'pppoes',
  'ppp',
  'sll',
  'sll2',
  'null',
  'loop',
  'raw',
  'ip',
  'ipv6',
  'tcp',
  'udp',
  'gre',
  'vxlan',
  'geneve',
  // An Ethernet trailer (F5's), which tshark lists after the transport of the frame it ends.
  'f5ethtrailer',
]);

/** tshark's protocol names -> netsieve's app names. */
const APP_NAMES = /** @type {Record<string, string>} */ ({
  http: 'http',
  tls: 'tls',
  dns: 'dns',
  mdns: 'mdns',
  llmnr: 'llmnr',
  resp: 'redis',
});

/**
 * The stream's application: the first layer tshark saw above the transport, when netsieve has a name for it.
 * (`quic,tls` is QUIC, unknown; `mysql,tls` is MySQL that switched to TLS, unknown.)
 * @param {OracleStream} s
 * @returns {string | null}
 */
export function appOf(s) {
  for (const p of s.protocols) {
    if (LOWER_LAYERS.has(p) || p.startsWith('ipv6.') || p.startsWith('ip.')) continue;
    return APP_NAMES[p] ?? null;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// The policy.

/**
 * @param {string} text `tcp/443`, `tcp/8000-8100`, `tcp`, `udp/53`, `icmp`, `ip/47`, ...
 * @returns {{ transport: string, lo: number, hi: number }}
 */
function parsePort(text) {
  const m = /^([a-z0-9]+)(?:\/(\d+)(?:-(\d+))?)?$/.exec(text.toLowerCase());
  if (m === null) throw new Error(`oracle: bad port: ${text}`);
  const transport = m[1] ?? '';
  if (transport === 'ip') return { transport: `ip/${m[2]}`, lo: 0, hi: 65535 };
  if (m[2] === undefined) return { transport, lo: 0, hi: 65535 };
  const lo = Number(m[2]);
  const hi = m[3] === undefined ? lo : Number(m[3]);
  return { transport, lo, hi };
}

/**
 * @param {OraclePolicy} policy
 */
function compile(policy) {
  /** @type {Map<string, { cidrs: { bytes: number[], prefix: number }[], fqdns: string[] }>} */
  const groups = new Map();
  for (const [name, g] of Object.entries(policy.groups ?? {})) {
    groups.set(name, { cidrs: (g.cidrs ?? []).map(parseCidr), fqdns: (g.fqdns ?? []).map(normName) });
  }
  const rules = (policy.rules ?? []).map((r) => ({
    id: r.id,
    from: r.from,
    to: r.to,
    ports: r.ports === undefined ? null : r.ports.map(parsePort),
    apps: r.apps === undefined ? null : r.apps.map((a) => a.toLowerCase()),
    action: r.action,
  }));
  return { groups, rules, defaultAction: policy.default ?? 'deny' };
}

/**
 * Decides every TCP and UDP stream of a capture's truth under a policy document.
 * @param {OracleTruth} truth
 * @param {OraclePolicy} policy
 * @returns {OracleDecision[]}
 */
export function decide(truth, policy) {
  const { groups, rules, defaultAction } = compile(policy);
  const byNumber = (/** @type {string} */ t) => new Map(truth.streams.filter((s) => s.transport === t).map((s) => [s.stream, s]));
  const tcp = byNumber('tcp');
  const udp = byNumber('udp');

  // DNS responses carried by streams netsieve parses as DNS (not mDNS/LLMNR), in frame order.
  const dns = (truth.dns ?? [])
    .filter((m) => {
      if (!m.response) return false;
      const s = (m.transport === 'tcp' ? tcp : udp).get(m.stream);
      return s !== undefined && appOf(s) === 'dns';
    })
    .sort((a, b) => a.frame - b.frame)
    .map((m) => ({ frame: m.frame, learned: namesFromResponse(m) }));

  // The first ClientHello's SNI per TCP stream (QUIC's are out of reach), the first request's Host per HTTP stream.
  /** @type {Map<number, { frame: number, name: string | null }>} */
  const serverNames = new Map();
  for (const h of truth.tls_client_hellos ?? []) {
    if (h.transport !== 'tcp' || h.quic) continue;
    const seen = serverNames.get(h.stream);
    if (seen === undefined || h.frame < seen.frame) serverNames.set(h.stream, { frame: h.frame, name: h.sni || null });
  }
  for (const r of truth.http_requests ?? []) {
    // The truth's request rows name a stream number without the transport. TCP when that TCP stream is HTTP and
    // had begun by the request's frame, unless a UDP stream of the same number had too and was sent to the Host
    // (SSDP's M-SEARCH and NOTIFY over UDP name their multicast group).
    const s = tcp.get(r.stream);
    if (s === undefined || appOf(s) !== 'http' || s.first_frame > r.frame) continue;
    const u = udp.get(r.stream);
    if (
      u !== undefined &&
      u.first_frame <= r.frame &&
      r.host !== null &&
      addressKey(hostWithoutPort(r.host)) === addressKey(u.dst)
    ) {
      continue;
    }
    const seen = serverNames.get(r.stream);
    if (seen !== undefined && seen.frame <= r.frame) continue;
    serverNames.set(r.stream, { frame: r.frame, name: r.host === null || r.host === '' ? null : hostWithoutPort(r.host) });
  }

  /**
   * @param {string} groupName
   * @param {string} address
   * @param {number} beforeFrame
   * @param {string | null} serverName
   */
  const contains = (groupName, address, beforeFrame, serverName) => {
    const g = groups.get(groupName);
    if (g === undefined) return false;
    const bytes = parseAddress(address);
    if (bytes !== null && g.cidrs.some((c) => cidrContains(c, bytes))) return true;
    if (g.fqdns.length === 0) return false;
    /** @type {string[]} */
    const names = [];
    if (serverName !== null) names.push(serverName);
    const key = addressKey(address);
    for (const d of dns) {
      if (d.frame >= beforeFrame) break;
      for (const n of d.learned.get(key) ?? []) names.push(n);
    }
    return g.fqdns.some((p) => names.some((n) => nameMatches(p, n)));
  };

  return truth.streams
    .filter((s) => s.transport === 'tcp' || s.transport === 'udp')
    .map((s) => {
      const app = appOf(s);
      const serverName = s.transport === 'tcp' ? (serverNames.get(s.stream)?.name ?? null) : null;
      let action = defaultAction;
      let rule = 'default';
      for (const r of rules) {
        if (!contains(r.from, s.src, s.first_frame, null)) continue;
        if (!contains(r.to, s.dst, s.first_frame, serverName)) continue;
        if (r.ports !== null && !r.ports.some((p) => p.transport === s.transport && s.dport >= p.lo && s.dport <= p.hi)) continue;
        if (r.apps !== null && (app === null || !r.apps.includes(app))) continue;
        action = r.action;
        rule = r.id;
        break;
      }
      return {
        transport: s.transport,
        stream: s.stream,
        src: s.src,
        sport: s.sport,
        dst: s.dst,
        dport: s.dport,
        action,
        rule,
        app,
      };
    });
}

/**
 * `example.com:8080` -> `example.com`, `[2001:db8::1]:80` -> `2001:db8::1`, lower-cased.
 * @param {string} host
 */
export function hostWithoutPort(host) {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(1, end);
  }
  const colon = h.indexOf(':');
  // More than one colon: a bare IPv6 address, no port to remove.
  if (colon >= 0 && h.indexOf(':', colon + 1) < 0) return normName(h.slice(0, colon));
  return normName(h);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const [truthPath, policyPath] = process.argv.slice(2);
  if (truthPath === undefined || policyPath === undefined) {
    process.stderr.write('usage: node decide.mjs TRUTH.json POLICY.json\n');
    process.exit(2);
  }
  const truth = JSON.parse(fs.readFileSync(truthPath, 'utf8'));
  const policy = JSON.parse(fs.readFileSync(policyPath, 'utf8'));
  for (const d of decide(truth, policy)) process.stdout.write(`${JSON.stringify(d)}\n`);
}
