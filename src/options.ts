/**
 * Engine options: every limit netsieve has, with its default and the reason for it. `createEngine()`
 * and `--config FILE` take the same shape (any subset; the rest keeps its default).
 *
 * `OPTION_TREE` below is the one definition of each option (type, default, range or values, a one-line
 * description): the defaults, the validation in `resolveOptions`, the README's options table and the JSON
 * Schema of the configuration file (`schema/netsieve-config.schema.json`, by `npm run docs:options`) are
 * all derived from it. The interfaces say the same in TypeScript, with the reasons behind each default;
 * `OptionTree<T>` makes the compiler refuse a tree that misses a key of them or has a default of another type.
 * Options of the application protocols (`app.protocols.<name>.*`) are each module's `defaults`.
 */
import { NetsieveError } from './errors.js';
import type { DetectionOptions } from './protocols/identify.js';

/** How overlapping TCP data is resolved (target-based reassembly, as Suricata and Snort name it). */
export type OverlapPolicy = 'first' | 'last' | 'bsd' | 'linux' | 'windows';

export interface TcpOptions {
  /** Which bytes win when a segment overlaps data received but not yet delivered. Default `bsd` (Suricata's default). */
  overlapPolicy: OverlapPolicy;
  /**
   * Bytes of each direction's stream to reassemble and deliver; after it, the direction is no longer
   * reassembled (`stream.depth_reached`). Default 1 MiB, as Suricata's `stream.reassembly.depth`. 0 = unlimited.
   */
  depth: number;
  /**
   * When stream bytes are handed to consumers. `acked`: once the receiver acknowledged them, so that a
   * retransmission with other bytes can still change what is delivered (IDS; Suricata's default).
   * `immediate`: as soon as they are in order (inline use, where a verdict is due per packet).
   */
  delivery: 'acked' | 'immediate';
  /**
   * Bytes one direction may hold (unacknowledged and out-of-order data). Beyond it, the oldest in-order
   * bytes are delivered without waiting for their acknowledgement (`stream.unacked_flush`) and segments
   * further ahead are not buffered (`stream.segment_beyond_window`). Default 1 MiB: above the bandwidth-delay
   * product of most paths a sensor sees, small enough for thousands of busy flows.
   */
  maxBufferPerStream: number;
  /** Out-of-order holes one direction may have at once; more gives up the oldest hole as a gap. Default 64. */
  maxHolesPerStream: number;
  /**
   * Bytes all TCP streams together may hold (global reassembly memory). Default 256 MiB. Hitting it applies
   * `memcapPolicy` and raises `stream.memcap_bypass` or `stream.memcap_drop`.
   */
  memcap: number;
  /** `bypass`: stop reassembling the flow that needed memory (its counters go on). `drop`: drop the segment (verdict `drop`). */
  memcapPolicy: 'bypass' | 'drop';
}

/** Flow timeouts in seconds, per protocol and state, as Suricata's `flow-timeouts`. */
export interface FlowTimeouts {
  tcpNew: number;
  tcpEstablished: number;
  tcpClosed: number;
  udpNew: number;
  udpEstablished: number;
  icmpNew: number;
  icmpEstablished: number;
  otherNew: number;
  otherEstablished: number;
}

export interface FlowOptions {
  /**
   * Flows tracked at once. When full, the flow closest to its timeout is ended (reason `forced`,
   * `flow.evicted`) to make room. Default 65536.
   */
  maxFlows: number;
  /**
   * Bytes the flow table may account for: its fixed arrays plus each flow's state (a fixed estimate per
   * flow, more once it carries data and gets reassembly and parser state; stream buffers count under
   * `tcp.memcap`). When a new flow or a flow's first data would pass it, flows are evicted, flows still
   * in their handshake (embryonic) first, then the one closest to its timeout (`flow.memcap_reached` once per
   * episode, counts in `stats().flowMemory`). Default 256 MiB: room for `maxFlows` (65,536) flows that all carry
   * data and parser state (~3.4 KB each), so at the defaults `maxFlows` binds first and the memcap guards a raised
   * `maxFlows` (Suricata's `flow.memcap` plays the same role).
   */
  memcap: number;
  /**
   * Whether VLAN ids are part of the flow key (Suricata's `vlan.use-for-tracking`). Default true: the same
   * addresses on two VLANs are two networks. Set false when a capture point sees each packet once per VLAN
   * (a router on a stick) and both copies should count as one flow, as tshark counts them.
   */
  vlanInKey: boolean;
  timeouts: FlowTimeouts;
}

export interface FragmentOptions {
  /** Seconds an incomplete datagram waits for its other fragments. Default 60 (RFC 791's upper bound for TTL-based timers is 15 s; Linux uses 30 s, Suricata 60 s). */
  timeout: number;
  /** Datagrams in reassembly at once; the oldest is dropped beyond it (`decode.frag_table_full`). Default 4096. */
  maxDatagrams: number;
  /** Bytes held by fragment reassembly in total; the oldest datagram is dropped beyond it. Default 16 MiB. */
  memcap: number;
  /**
   * Fragments per datagram; more marks the datagram as hostile and drops it (`decode.frag_too_many_fragments`).
   * Default 1024: a 64 KiB datagram in 64-byte pieces. Stacks fragment at the path MTU (45 pieces for 64 KiB
   * over Ethernet); evasion tools send tiny fragments, and nDPI's ip_fragmented_garbage capture has datagrams
   * of 313 that tshark and nDPI reassemble. Placing a fragment walks the datagram's pieces, so the cap also
   * bounds the work one datagram costs.
   */
  maxFragmentsPerDatagram: number;
}

export interface DecodeOptions {
  /** Tunnels decapsulated inside each other at most. Default 4. */
  maxTunnelDepth: number;
  /** UDP ports that carry VXLAN. Default [4789, 8472] (IANA, and the Linux kernel's old default that Flannel uses). */
  vxlanPorts: number[];
  /** UDP ports that carry Geneve. Default [6081]. */
  genevePorts: number[];
}

export interface EngineOptions {
  tcp: TcpOptions;
  flow: FlowOptions;
  fragments: FragmentOptions;
  decode: DecodeOptions;
}

/** A partial options object: any subset, nested. */
export interface EngineOptionsInput {
  tcp?: Partial<TcpOptions>;
  flow?: Partial<Omit<FlowOptions, 'timeouts'>> & { timeouts?: Partial<FlowTimeouts> };
  fragments?: Partial<FragmentOptions>;
  decode?: Partial<DecodeOptions>;
}

/** The application layer's own options (`app.enabled`, `app.detection.*`); protocols' options are each module's. */
export interface AppLayerOptions {
  enabled: boolean;
  detection: DetectionOptions;
}

/** What one option accepts. `ports`: an array of port numbers. */
export type OptionType = 'integer' | 'number' | 'boolean' | 'enum' | 'ports';

/** One option of the definition tree, for a value of type `V`. */
export interface OptionDef<V> {
  readonly type: OptionType;
  readonly default: V;
  /** Smallest value accepted (integers and numbers). */
  readonly min?: number;
  /** Values must be above this (numbers, e.g. timeouts above 0). */
  readonly above?: number;
  /** The values an `enum` accepts. */
  readonly values?: readonly string[];
  /** How the README writes the default: bytes as KiB/MiB, seconds with `s`. */
  readonly unit?: 'bytes' | 'seconds';
  /** One line for the README and the schema; the interfaces hold the reasons. */
  readonly description: string;
}

type Leaf = number | boolean | string | readonly number[];
/** A definition tree mirroring an options interface key for key. */
export type OptionTree<T> = { readonly [K in keyof T]-?: T[K] extends Leaf ? OptionDef<T[K]> : OptionTree<T[K]> };

/** One option, flattened: `path` is its dotted name (`flow.timeouts.tcpNew`). */
export interface OptionSpec extends OptionDef<Leaf> {
  readonly path: string;
  /** The top-level section: `tcp`, `flow`, `fragments`, `decode`, `app`. */
  readonly section: string;
  /** The path inside the section (`timeouts.tcpNew`). */
  readonly key: string;
}

const int = (def: number, min: number, description: string, unit?: 'bytes' | 'seconds'): OptionDef<number> =>
  unit === undefined
    ? { type: 'integer', default: def, min, description }
    : { type: 'integer', default: def, min, unit, description };
const seconds = (def: number, description: string): OptionDef<number> => ({
  type: 'number',
  default: def,
  above: 0,
  unit: 'seconds',
  description,
});
const timeout = (def: number, flows: string): OptionDef<number> => seconds(def, `idle time before ${flows} end`);
const ports = (def: number[], description: string): OptionDef<number[]> => ({ type: 'ports', default: def, description });
const choice = <V extends string>(values: readonly V[], def: V, description: string): OptionDef<V> => ({
  type: 'enum',
  default: def,
  values,
  description,
});
const flag = (def: boolean, description: string): OptionDef<boolean> => ({ type: 'boolean', default: def, description });

/** Every engine option, as the sections of `createEngine()` and `--config` nest them. */
export const OPTION_TREE: { readonly [S in keyof EngineOptions]: OptionTree<EngineOptions[S]> } & {
  readonly app: OptionTree<AppLayerOptions>;
} = {
  tcp: {
    overlapPolicy: choice<OverlapPolicy>(
      ['first', 'last', 'bsd', 'linux', 'windows'],
      'bsd',
      "which bytes win when a segment overlaps data held but not yet delivered (Suricata's target-based rules)",
    ),
    depth: int(1 << 20, 0, 'bytes of each direction reassembled and delivered; 0 = unlimited', 'bytes'),
    delivery: choice(
      ['acked', 'immediate'] as const,
      'acked',
      'hand bytes to consumers once acknowledged (IDS, overlap-safe), or at once (`immediate`, inline)',
    ),
    maxBufferPerStream: int(1 << 20, 1, 'bytes one direction may hold (unacknowledged and out of order)', 'bytes'),
    maxHolesPerStream: int(64, 1, 'out-of-order holes per direction before the oldest becomes a gap'),
    memcap: int(256 << 20, 1, 'bytes all streams may hold together', 'bytes'),
    memcapPolicy: choice(
      ['bypass', 'drop'] as const,
      'bypass',
      'at the memcap: stop reassembling the flow (`bypass`) or drop the segment (`drop`, verdict `drop`)',
    ),
  },
  flow: {
    maxFlows: int(
      65536,
      1,
      'flows tracked at once; when full, the flow closest to its timeout is ended (`forced`, `flow.evicted`)',
    ),
    memcap: int(
      256 << 20,
      1,
      'bytes the flow table accounts for: its arrays, ~700 B per embryonic flow, ~3.4 KB once a TCP flow carries data and has reassembly and parser state (stream buffers count under `tcp.memcap`); at the cap, flows still in their handshake are evicted first, then the flow closest to its timeout (`flow.memcap_reached` once per episode; `stats().flowMemory`)',
      'bytes',
    ),
    vlanInKey: flag(true, "VLAN ids are part of the flow key (Suricata's `vlan.use-for-tracking`)"),
    timeouts: {
      tcpNew: timeout(60, 'TCP flows still in their handshake'),
      tcpEstablished: timeout(600, 'established TCP flows'),
      tcpClosed: timeout(60, 'closing or closed TCP flows'),
      udpNew: timeout(30, 'UDP flows seen one way only'),
      udpEstablished: timeout(300, 'UDP flows seen both ways'),
      icmpNew: timeout(30, 'ICMP flows seen one way only'),
      icmpEstablished: timeout(300, 'ICMP flows seen both ways'),
      otherNew: timeout(30, 'flows of other protocols seen one way only'),
      otherEstablished: timeout(300, 'flows of other protocols seen both ways'),
    },
  },
  fragments: {
    timeout: seconds(60, 'how long an incomplete IP datagram waits for its other fragments'),
    maxDatagrams: int(4096, 1, 'datagrams in reassembly at once (the oldest is dropped beyond it)'),
    memcap: int(16 << 20, 1, 'bytes held by fragment reassembly in total', 'bytes'),
    maxFragmentsPerDatagram: int(1024, 1, 'more fragments mark the datagram hostile and drop it'),
  },
  decode: {
    maxTunnelDepth: int(4, 0, 'tunnels decapsulated inside each other'),
    vxlanPorts: ports([4789, 8472], 'UDP ports carrying VXLAN'),
    genevePorts: ports([6081], 'UDP ports carrying Geneve'),
  },
  app: {
    enabled: flag(true, 'detect and parse application protocols'),
    detection: {
      maxBytes: int(4096, 1, 'bytes of each direction offered to the probes before detection gives up', 'bytes'),
      maxChunks: int(16, 1, 'chunks (TCP deliveries, datagrams) of each direction offered to the probes'),
    },
  },
};

function isDef(node: object): node is OptionDef<Leaf> {
  return typeof (node as { type?: unknown }).type === 'string' && 'default' in node;
}

function flatten(node: object, path: string[], out: OptionSpec[]): OptionSpec[] {
  if (isDef(node)) {
    out.push({ ...node, path: path.join('.'), section: path[0]!, key: path.slice(1).join('.') });
    return out;
  }
  for (const [k, child] of Object.entries(node)) flatten(child as object, [...path, k], out);
  return out;
}

/** Every option of `OPTION_TREE`, flattened, in the tree's order. */
export const OPTION_SPECS: readonly OptionSpec[] = flatten(OPTION_TREE, [], []);

/** The top-level key a configuration file may use to name its JSON Schema (a string; ignored by the engine). */
export const SCHEMA_KEY = '$schema';

/** The sections `createEngine()` and `--config` accept (`app` is resolved with its protocols by the registry). */
export const OPTION_SECTIONS: readonly string[] = Object.keys(OPTION_TREE);

function defaultsOf(node: object): unknown {
  if (isDef(node)) return Array.isArray(node.default) ? [...node.default] : node.default;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(node)) out[k] = defaultsOf(child as object);
  return out;
}

export function defaultOptions(): EngineOptions {
  const { app: _app, ...engine } = OPTION_TREE;
  return defaultsOf(engine) as EngineOptions;
}

/** `app.enabled` and `app.detection.*` with their defaults (the registry adds each protocol's). */
export function defaultAppLayerOptions(): AppLayerOptions {
  return defaultsOf(OPTION_TREE.app) as AppLayerOptions;
}

/**
 * Merges user options over the defaults and checks every value against `OPTION_TREE`; throws
 * `NS_ERR_OPTION` naming the key and what it accepts. The `app` section is checked here as far as the tree
 * goes (`enabled`, `detection`) and left out of the result: the engine resolves it with the protocols'
 * options (`resolveAppOptions` in src/protocols/registry.ts).
 */
export function resolveOptions(input: EngineOptionsInput = {}): EngineOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) bad('options', 'an object');
  const merged = defaultOptions() as unknown as Record<string, unknown>;
  for (const [section, value] of Object.entries(input)) {
    // A configuration file may name its JSON Schema, for editors to check and complete it.
    if (section === SCHEMA_KEY && typeof value === 'string') continue;
    if (!OPTION_SECTIONS.includes(section)) bad(section, `one of the sections ${OPTION_SECTIONS.join(', ')}`);
    if (value === undefined) continue;
    const tree = (OPTION_TREE as unknown as Record<string, object>)[section]!;
    if (section === 'app') {
      const { protocols: _protocols, ...rest } = value as Record<string, unknown>;
      mergeInto(defaultsOf(tree) as Record<string, unknown>, tree, rest, section, ['protocols']);
      continue;
    }
    mergeInto(merged[section] as Record<string, unknown>, tree, value, section, []);
  }
  return merged as unknown as EngineOptions;
}

/** Checks `value` against the definition `tree` and writes it over `target`, key by key. */
function mergeInto(
  target: Record<string, unknown>,
  tree: object,
  value: unknown,
  path: string,
  alsoKnown: readonly string[],
): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(path, 'an object');
  const keys = Object.keys(tree);
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const child = (tree as Record<string, object>)[k];
    if (child === undefined) bad(`${path}.${k}`, `one of the keys ${[...keys, ...alsoKnown].join(', ')}`);
    if (isDef(child)) target[k] = check(`${path}.${k}`, child, v);
    else mergeInto(target[k] as Record<string, unknown>, child, v, `${path}.${k}`, []);
  }
}

function check(key: string, def: OptionDef<Leaf>, v: unknown): Leaf {
  switch (def.type) {
    case 'integer':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (def.min ?? -Infinity))
        bad(key, `an integer of at least ${def.min}`);
      return v;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || !(v > (def.above ?? -Infinity)) || v < (def.min ?? -Infinity)) {
        bad(key, def.unit === 'seconds' ? `a number of seconds above ${def.above ?? 0}` : 'a finite number');
      }
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') bad(key, 'true or false');
      return v;
    case 'enum':
      if (typeof v !== 'string' || !def.values!.includes(v)) bad(key, def.values!.join(' | '));
      return v;
    case 'ports':
      if (!Array.isArray(v) || v.some((p) => !Number.isInteger(p) || p < 0 || p > 65535))
        bad(key, 'an array of port numbers (0-65535)');
      return [...(v as number[])];
  }
}

function bad(key: string, accepts: string): never {
  throw new NetsieveError('NS_ERR_OPTION', `option ${key} must be ${accepts}`);
}
