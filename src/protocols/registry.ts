/**
 * The protocols netsieve detects and parses. Adding one is a folder under `src/protocols/` (see
 * `_template/` and CONTRIBUTING.md) and one line in `PROTOCOLS`: everything else (the event union, the EVE
 * mappers, the typed `app.protocols` options, `netsieve protocols`, the anomaly tables) is derived from it.
 */
import { NetsieveError } from '../errors.js';
import { dnsModule, llmnrModule, mdnsModule } from './dns/index.js';
import { httpModule } from './http/index.js';
import { DEFAULT_DETECTION, type DetectionOptions } from './identify.js';
import type { AnyProtocolModule, OptionsOf, OptionValue, RecordOf } from './module.js';
import { redisModule } from './redis/index.js';
import { stratumModule } from './stratum/index.js';
import { tlsModule } from './tls/index.js';

/** Every protocol module, in the order probes are asked when no port hint applies. */
export const PROTOCOLS = [
  httpModule,
  tlsModule,
  dnsModule,
  mdnsModule,
  llmnrModule,
  redisModule,
  stratumModule,
] as const satisfies readonly AnyProtocolModule[];

/** The registry's module types. */
export type RegisteredModule = (typeof PROTOCOLS)[number];
/** The registered protocols' names (= their event types). */
export type AppProtocolName = RegisteredModule['name'];
/** Event type → record type, one entry per registered module (the app events of `NetsieveEvent`). */
export type AppRecordMap = { [M in RegisteredModule as M['name']]: RecordOf<M> };
/** Protocol name → its options type. */
export type AppProtocolOptionsMap = { [M in RegisteredModule as M['name']]: OptionsOf<M> };

/** Maps a record of each event type to the object EVE JSON writes under that type (from the modules). */
export const EVE_MAPPERS: Readonly<Record<string, (payload: never) => Record<string, unknown>>> = Object.freeze(
  Object.fromEntries(PROTOCOLS.map((m: AnyProtocolModule) => [m.name, (payload: never) => m.toEve(payload)])),
);

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
  /** Per protocol name: its resolved options; a protocol left out (`false`) has no entry. */
  protocols: Partial<AppProtocolOptionsMap>;
}

/** What a caller passes as `app`: a misspelt protocol or option name is a type error. */
export interface AppOptionsInput {
  enabled?: boolean;
  detection?: Partial<DetectionOptions>;
  /** Per protocol: any subset of its options, or false to leave it out. */
  protocols?: { [N in AppProtocolName]?: Partial<AppProtocolOptionsMap[N]> | false };
}

function cloneDefaults(m: AnyProtocolModule): Record<string, OptionValue> {
  return { ...(m.defaults as Record<string, OptionValue>) };
}

export function defaultAppOptions(): AppOptions {
  const protocols: Record<string, unknown> = {};
  for (const m of PROTOCOLS as readonly AnyProtocolModule[]) protocols[m.name] = normalize(m, cloneDefaults(m));
  return { enabled: true, detection: { ...DEFAULT_DETECTION }, protocols: protocols as Partial<AppProtocolOptionsMap> };
}

function normalize(m: AnyProtocolModule, o: Record<string, OptionValue>): Record<string, OptionValue> {
  return m.normalizeOptions !== undefined ? (m.normalizeOptions(o) as Record<string, OptionValue>) : o;
}

/**
 * Merges a caller's `app` options over the defaults: the one place protocol options are resolved. Unknown
 * protocol or option names, values of the wrong type and string values outside a module's choices are
 * refused with NS_ERR_OPTION and the key's full path (`app.protocols.http.inspectBodyLimit`); then each
 * module brings its values into range (`normalizeOptions`).
 */
export function resolveAppOptions(input: AppOptionsInput | undefined): AppOptions {
  const o = defaultAppOptions();
  if (input === undefined) return o;
  const bad = (what: string, want: string): never => {
    throw new NetsieveError('NS_ERR_OPTION', `option app${what === '' ? '' : `.${what}`} must be ${want}`);
  };
  if (typeof input !== 'object' || input === null) bad('', 'an object');
  for (const k of Object.keys(input))
    if (!['enabled', 'detection', 'protocols'].includes(k)) bad(k, 'one of enabled, detection, protocols');
  if (input.enabled !== undefined) {
    if (typeof input.enabled !== 'boolean') bad('enabled', 'true or false');
    o.enabled = input.enabled;
  }
  if (input.detection !== undefined && (typeof input.detection !== 'object' || input.detection === null))
    bad('detection', 'an object');
  for (const [k, v] of Object.entries(input.detection ?? {})) {
    if (!(k in o.detection)) bad(`detection.${k}`, `one of ${Object.keys(o.detection).join(', ')}`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bad(`detection.${k}`, 'an integer above 0');
    (o.detection as unknown as Record<string, number>)[k] = v as number;
  }
  if (input.protocols !== undefined && (typeof input.protocols !== 'object' || input.protocols === null))
    bad('protocols', 'an object');
  const resolved = o.protocols as Record<string, unknown>;
  const byName = new Map<string, AnyProtocolModule>(PROTOCOLS.map((m: AnyProtocolModule) => [m.name, m]));
  for (const [name, v] of Object.entries((input.protocols ?? {}) as Record<string, unknown>)) {
    const m = byName.get(name);
    if (m === undefined) bad(`protocols.${name}`, `one of ${[...byName.keys()].join(', ')}`);
    if (v === false) {
      delete resolved[name];
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(`protocols.${name}`, 'an object or false');
    const merged = cloneDefaults(m!);
    const choices = (m!.optionChoices ?? {}) as Record<string, readonly string[] | undefined>;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const path = `protocols.${name}.${k}`;
      if (!Object.hasOwn(merged, k)) bad(path, `one of ${Object.keys(merged).join(', ')}`);
      const want = typeof merged[k];
      if (typeof x !== want) bad(path, `a ${want}`);
      if (want === 'number' && !Number.isFinite(x as number)) bad(path, 'a finite number');
      const allowed = choices[k];
      if (allowed !== undefined && !allowed.includes(x as string)) bad(path, `one of ${allowed.join(', ')}`);
      merged[k] = x as OptionValue;
    }
    resolved[name] = normalize(m!, merged);
  }
  return o;
}

/** The modules the options leave in. */
export function enabledModules(options: AppOptions): AnyProtocolModule[] {
  return options.enabled ? (PROTOCOLS as readonly AnyProtocolModule[]).filter((m) => m.name in options.protocols) : [];
}
