/**
 * Learning: what `discover` mode writes down, and `learnedPolicy()` (`netsieve learn`) turns into a policy.
 *
 * Each flow is observed once, when its evidence is complete (the moment its final decision is made), as a
 * conversation: client endpoint, server endpoint, transport and server port, application. Endpoints are kept
 * as the evidence a replay of the same traffic will have at that same moment, so the learned policy allows
 * every flow it was learned from:
 * - an address in a run-time group (`setGroups`, workload labels) is that group (the most specific one);
 * - other internal addresses (private, loopback, link-local, CGNAT, multicast) are one group per host, or per
 *   network with `prefix4`/`prefix6`;
 * - an external server is named when the flow named it (TLS SNI, HTTP Host) or DNS had named its address
 *   (a name a client asked for first, then the first in sort order), else it is its address.
 *
 * The output is sorted (groups by name, rules by from, to, port, app) so that the same traffic gives the
 * same file, fit for review in version control.
 */
import { formatAddress, parseAddress } from '../decode/address.js';
import { NetsieveError } from '../errors.js';
import type { Flow } from '../flow/flow.js';
import { isInternalAddress } from './address-groups.js';
import type { RuntimeGroups } from './compiled.js';
import type { Cidr } from './policy-file.js';
import type { FlowPolicy } from './stage.js';
import type { PolicyDocument, PolicyGroupSpec, PolicyRuleSpec } from './types.js';

export interface LearnOptions {
  /** Group internal IPv4 hosts by networks of this prefix length (default 32: one group per host). */
  prefix4?: number;
  /** Group internal IPv6 hosts by networks of this prefix length (default 128: one group per host). */
  prefix6?: number;
  /** Most distinct conversations kept (default 100,000); later ones are counted, not learned. */
  maxConversations?: number;
}

interface Endpoint {
  version: number;
  words: [number, number, number, number];
  /** The server's name, when it is learned by name. */
  name: string | null;
}

interface Conversation {
  client: Endpoint;
  server: Endpoint;
  proto: number;
  port: number;
  app: string | null;
}

const PROTO_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp', 1: 'icmp', 58: 'icmpv6' };
const PORT_PROTOS = new Set([6, 17, 132]);
const scratch = new Uint32Array(4);
/** Where a server name is tried as an address literal (an HTTP Host of `10.0.0.5` is not a name). */
const literal = new Uint32Array(4);

export class Learner {
  private readonly conversations = new Map<string, Conversation>();
  private readonly prefix4: number;
  private readonly prefix6: number;
  private readonly max: number;
  private reportedFull = false;
  /** Conversations not kept because the table was full. */
  dropped = 0;

  constructor(options: LearnOptions) {
    this.prefix4 = checkPrefix(options.prefix4 ?? 32, 32, 'prefix4');
    this.prefix6 = checkPrefix(options.prefix6 ?? 128, 128, 'prefix6');
    this.max = options.maxConversations ?? 100_000;
    if (!Number.isInteger(this.max) || this.max < 1)
      throw new NetsieveError(
        'NS_ERR_OPTION',
        `policy.learn.maxConversations must be a positive integer, not ${JSON.stringify(this.max)}`,
      );
  }

  get size(): number {
    return this.conversations.size;
  }

  /** Observes a flow whose evidence is complete. Returns false the first time the table is found full. */
  observe(flow: Flow, fp: FlowPolicy): boolean {
    const client = endpoint(flow, false, null);
    let serverName: string | null = null;
    flow.addressOf(true, scratch);
    if (!isInternalAddress(flow.ipVersion, scratch)) {
      if (fp.serverName !== null && parseAddress(fp.serverName, literal) === 0) serverName = fp.serverName;
      else if (fp.serverNames !== null) {
        // The name a client asked for beats an alias or a CDN's CNAME target; then sort order.
        let bestAsked = false;
        fp.serverNames.forEach((n, i) => {
          const asked = fp.serverAsked![i]!;
          if (serverName === null || (asked && !bestAsked) || (asked === bestAsked && n < serverName)) {
            serverName = n;
            bestAsked = asked;
          }
        });
      }
    }
    const server = endpoint(flow, true, serverName);
    const port = PORT_PROTOS.has(flow.proto) ? flow.serverPort : 0;
    const key = `${client.version}:${client.words.join('.')}|${server.name ?? `${server.version}:${server.words.join('.')}`}|${flow.proto}/${port}|${fp.app ?? ''}`;
    if (this.conversations.has(key)) return true;
    if (this.conversations.size >= this.max) {
      this.dropped++;
      if (this.reportedFull) return true;
      this.reportedFull = true;
      return false;
    }
    this.conversations.set(key, { client, server, proto: flow.proto, port, app: fp.app });
    return true;
  }

  /** The learned policy: groups for the endpoints, one allow rule per (client group, server group, port, app). */
  policy(runtime: RuntimeGroups): PolicyDocument {
    const groups = new Map<string, PolicyGroupSpec>();
    const groupOf = (e: Endpoint): string => {
      if (e.name !== null) {
        const g = `fqdn-${e.name}`;
        if (!groups.has(g)) groups.set(g, { fqdns: [e.name] });
        return g;
      }
      const label = runtimeGroupOf(e, runtime);
      if (label !== null) {
        if (!groups.has(label)) groups.set(label, { cidrs: runtime.get(label)!.map((c) => c.text) });
        return label;
      }
      const words = Uint32Array.from(e.words);
      const internal = isInternalAddress(e.version, words);
      const full = e.version === 4 ? 32 : 128;
      const prefix = internal ? (e.version === 4 ? this.prefix4 : this.prefix6) : full;
      maskTo(words, prefix);
      const text = formatAddress(words, e.version);
      const name = prefix === full ? `${internal ? 'host' : 'ext'}-${text}` : `net-${text}/${prefix}`;
      if (!groups.has(name)) groups.set(name, { cidrs: [prefix === full ? text : `${text}/${prefix}`] });
      return name;
    };
    const rules = new Map<string, Omit<PolicyRuleSpec, 'id'> & { sortPort: [number, number] }>();
    for (const c of this.conversations.values()) {
      const from = groupOf(c.client);
      const to = groupOf(c.server);
      const port = portText(c.proto, c.port);
      const key = `${from}\u0000${to}\u0000${port}\u0000${c.app ?? ''}`;
      if (rules.has(key)) continue;
      const rule: Omit<PolicyRuleSpec, 'id'> & { sortPort: [number, number] } = {
        from,
        to,
        ports: [port],
        action: 'allow',
        sortPort: [protoOrder(c.proto), c.port],
      };
      if (c.app !== null) rule.apps = [c.app];
      rules.set(key, rule);
    }
    const sorted = [...rules.values()].sort(
      (a, b) =>
        cmp(a.from, b.from) ||
        cmp(a.to, b.to) ||
        a.sortPort[0] - b.sortPort[0] ||
        a.sortPort[1] - b.sortPort[1] ||
        cmp(a.apps?.[0] ?? '', b.apps?.[0] ?? ''),
    );
    const width = String(sorted.length).length;
    const out: PolicyRuleSpec[] = sorted.map((r, i) => {
      // Key order as a person writes a rule: id, from, to, ports, apps, action.
      const rule = {
        id: `learned-${String(i + 1).padStart(width, '0')}`,
        from: r.from,
        to: r.to,
        ports: r.ports!,
      } as PolicyRuleSpec;
      if (r.apps !== undefined) rule.apps = r.apps;
      rule.action = 'allow';
      return rule;
    });
    const groupObject: Record<string, PolicyGroupSpec> = {};
    for (const name of [...groups.keys()].sort(cmp)) groupObject[name] = groups.get(name)!;
    return { mode: 'monitor', default: 'deny', groups: groupObject, rules: out };
  }
}

function endpoint(flow: Flow, server: boolean, name: string | null): Endpoint {
  flow.addressOf(server, scratch);
  return { version: flow.ipVersion, words: [scratch[0]!, scratch[1]!, scratch[2]!, scratch[3]!], name };
}

/** The most specific run-time group holding the address (the first by name among equals), or null. */
function runtimeGroupOf(e: Endpoint, runtime: RuntimeGroups): string | null {
  let best: string | null = null;
  let bestPrefix = -1;
  for (const [name, cidrs] of runtime) {
    for (const c of cidrs) {
      if (c.version !== e.version || !contains(c, e.words)) continue;
      if (c.prefix > bestPrefix || (c.prefix === bestPrefix && best !== null && name < best)) {
        best = name;
        bestPrefix = c.prefix;
      }
    }
  }
  return best;
}

function contains(c: Cidr, words: ArrayLike<number>): boolean {
  let left = c.prefix;
  for (let i = 0; i < 4 && left > 0; i++, left -= 32) {
    const bits = Math.min(32, left);
    const mask = bits === 32 ? 0xffffffff : ~(0xffffffff >>> bits);
    if (((c.words[i]! ^ words[i]!) & mask) !== 0) return false;
  }
  return true;
}

function maskTo(words: Uint32Array, prefix: number): void {
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, prefix - 32 * i));
    words[i] = bits === 0 ? 0 : bits === 32 ? words[i]! : words[i]! & ~(0xffffffff >>> bits);
  }
}

function portText(proto: number, port: number): string {
  const name = PROTO_NAMES[proto];
  if (name === undefined) return `ip/${proto}`;
  return PORT_PROTOS.has(proto) ? `${name}/${port}` : name;
}

function protoOrder(proto: number): number {
  return proto === 6 ? 0 : proto === 17 ? 1 : proto === 132 ? 2 : proto === 1 ? 3 : proto === 58 ? 4 : 5 + proto;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkPrefix(n: number, max: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new NetsieveError('NS_ERR_OPTION', `policy.learn.${what} must be an integer 0..${max}, not ${JSON.stringify(n)}`);
  return n;
}
