/**
 * The protocols netsieve detects and parses. Adding one is a folder under `src/protocols/` (its probe,
 * parser, records, anomalies and EVE mapping) and one line in `PROTOCOLS` (and `EVE_MAPPERS` when its
 * events have an EVE form).
 */
import { NetsieveError } from '../errors.js';
import { DEFAULT_DETECTION, type DetectionOptions } from './identify.js';
import { dnsProtocol, dnsToEve, llmnrProtocol, llmnrToEve, mdnsProtocol, mdnsToEve } from './dns/index.js';
import { httpProtocol, httpToEve } from './http/index.js';
import { redisProtocol, redisToEve } from './redis/index.js';
import { tlsEve, tlsProtocol } from './tls/index.js';
import type { ProtocolModule } from './module.js';

/** Every protocol module, in the order probes are asked when no port hint applies. */
export const PROTOCOLS: readonly ProtocolModule[] = [
  httpProtocol,
  tlsProtocol,
  dnsProtocol,
  mdnsProtocol,
  llmnrProtocol,
  redisProtocol,
] as ProtocolModule[];

/** Maps a record of each event type to the object Suricata's EVE JSON writes under that type. */
export const EVE_MAPPERS: Readonly<Record<string, (payload: never) => Record<string, unknown>>> = {
  http: httpToEve,
  tls: tlsEve,
  dns: dnsToEve,
  mdns: mdnsToEve,
  llmnr: llmnrToEve,
  redis: redisToEve,
} as Record<string, (payload: never) => Record<string, unknown>>;

/** Anomaly names of the application layer itself (protocol modules have their own tables). */
export const APP_ANOMALIES = [
  'app.none', // 0: never raised
  'app.protocol_mismatch', // 1: the protocol found is not the one the server port is well known for
  'app.parser_error', // 2: a parser failed on this flow (a bug in it): the flow's parsing stopped
] as const;

/** The application layer's options: on or off, the detection budget, each protocol's own options. */
export interface AppOptions {
  /** Detect and parse application protocols. Default true. */
  enabled: boolean;
  detection: DetectionOptions;
  /** Per protocol name: its options (each module documents its own), or false to leave it out. */
  protocols: Record<string, unknown>;
}

export interface AppOptionsInput {
  enabled?: boolean;
  detection?: Partial<DetectionOptions>;
  protocols?: Record<string, Record<string, unknown> | false>;
}

export function defaultAppOptions(): AppOptions {
  const protocols: Record<string, unknown> = {};
  for (const m of PROTOCOLS) protocols[m.name] = structuredClone(m.defaults);
  return { enabled: true, detection: { ...DEFAULT_DETECTION }, protocols };
}

/** Merges a caller's `app` options over the defaults, refusing unknown names with NS_ERR_OPTION. */
export function resolveAppOptions(input: AppOptionsInput | undefined): AppOptions {
  const o = defaultAppOptions();
  if (input === undefined) return o;
  const bad = (what: string, want: string): never => {
    throw new NetsieveError('NS_ERR_OPTION', `option app.${what} must be ${want}`);
  };
  if (typeof input !== 'object' || input === null) bad('', 'an object');
  for (const k of Object.keys(input)) if (!['enabled', 'detection', 'protocols'].includes(k)) bad(k, 'one of enabled, detection, protocols');
  if (input.enabled !== undefined) {
    if (typeof input.enabled !== 'boolean') bad('enabled', 'true or false');
    o.enabled = input.enabled;
  }
  for (const [k, v] of Object.entries(input.detection ?? {})) {
    if (!(k in o.detection)) bad(`detection.${k}`, `one of ${Object.keys(o.detection).join(', ')}`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bad(`detection.${k}`, 'an integer above 0');
    (o.detection as unknown as Record<string, number>)[k] = v as number;
  }
  for (const [name, v] of Object.entries(input.protocols ?? {})) {
    if (!(name in o.protocols)) bad(`protocols.${name}`, `one of ${Object.keys(o.protocols).join(', ') || '(none)'}`);
    if (v === false) {
      delete o.protocols[name];
      continue;
    }
    if (typeof v !== 'object' || v === null) bad(`protocols.${name}`, 'an object or false');
    const defaults = o.protocols[name] as Record<string, unknown>;
    for (const [k, x] of Object.entries(v)) {
      if (!(k in defaults)) bad(`protocols.${name}.${k}`, `one of ${Object.keys(defaults).join(', ')}`);
      if (typeof x !== typeof defaults[k]) bad(`protocols.${name}.${k}`, `a ${typeof defaults[k]}`);
      defaults[k] = x;
    }
  }
  return o;
}

/** The modules the options leave in. */
export function enabledModules(options: AppOptions): ProtocolModule[] {
  return options.enabled ? PROTOCOLS.filter((m) => m.name in options.protocols) : [];
}
