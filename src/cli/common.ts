/**
 * What every `netsieve` subcommand shares: exit codes, the command contract, argument parsing with clear
 * messages, `--config` loading. Subcommands import this module, never main.ts, so that main.ts only wires
 * commands together (no import cycle).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DetectOptions } from '../detect/index.js';
import type { WafOptions } from '../detect/waf/index.js';
import { isNetsieveError, NetsieveError } from '../errors.js';
import type { EngineOptionsInput } from '../options.js';
import type { PolicyMode, PolicyOptions } from '../policy/index.js';
import { EVE_MAPPERS } from '../protocols/registry.js';
import { THREAT_DETECTORS, type ThreatOptions, type ThreatThresholds } from '../threats/index.js';
import type { Engine } from '../engine.js';
import { Progress } from './progress.js';

/** Done. */
export const EXIT_OK = 0;
/** An input was unusable or damaged; everything before the fault was still processed and written. */
export const EXIT_INPUT = 1;
/** Usage: an unknown option, a bad value, an unreadable or invalid `--config`. */
export const EXIT_USAGE = 2;
/** EX_SOFTWARE (sysexits.h): a bug in netsieve, not in the input or the command line. */
export const EXIT_INTERNAL = 70;
/** EX_IOERR (sysexits.h): the output (`--out`, a streams directory, stdout) could not be written. */
export const EXIT_OUTPUT = 74;

/** The exit-code table shown by `netsieve --help` and each command's help. */
export const EXIT_CODES_HELP = `Exit codes:
  0   done (also when the reader of standard output closes it early, as in | head)
  1   an input was unusable or damaged; everything before the fault was still
      processed and written, and the next input is read
  2   usage: unknown option, bad value, unreadable or invalid --config
  70  internal error in netsieve (please report it with the input)
  74  the output could not be written (--out FILE, the streams directory)
`;

/** A `netsieve` subcommand: main.ts lists them in its command table. */
export interface Command {
  name: string;
  /** Usage line(s) for the top-level help, without the leading `netsieve ` (later lines are indented). */
  usage: readonly string[];
  /** Full help text (`netsieve help <name>`, `<name> --help`). */
  help: string;
  run(argv: string[]): Promise<number>;
}

export class UsageError extends Error {}

/** The reader of standard output went away (EPIPE): not a failure, the run just ends (exit 0). */
export class OutputClosed extends Error {
  constructor() {
    super('standard output was closed by its reader');
  }
}

/** Reads `--config FILE`: JSON with the engine option sections. */
export function loadConfig(path: string | undefined): EngineOptionsInput {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new NetsieveError('NS_ERR_CONFIG', `cannot read the configuration file ${path}: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('the top level must be an object');
    return v as EngineOptionsInput;
  } catch (e) {
    throw new NetsieveError('NS_ERR_CONFIG', `the configuration file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/**
 * Parses a command's arguments. Unknown options and missing values are usage errors (exit 2) with a message
 * of our own: Node's parseArgs text quotes the option with an unbalanced quote and suggests `--`.
 */
export function parse(command: string, argv: string[], options: OptionSpec): ParsedArgs {
  const spec: OptionSpec = { ...options, help: { type: 'boolean', short: 'h' } };
  const see = `see netsieve help ${command}`;
  // Checked here, in our words, and rewritten as `--name=value` so that a value starting with '-' (a negative
  // epoch time, `--out -`) is taken as the value it is rather than refused as "ambiguous".
  const normalized: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      normalized.push(...argv.slice(i));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      normalized.push(arg);
      continue;
    }
    let name: string;
    if (arg.startsWith('--')) {
      name = arg.slice(2).split('=', 1)[0]!;
    } else {
      const long = arg.length === 2 ? Object.entries(spec).find(([, o]) => o.short === arg[1])?.[0] : undefined;
      if (long === undefined) throw new UsageError(`unknown option ${arg} for '${command}'; ${see}`);
      name = long;
    }
    const o = spec[name];
    if (o === undefined) throw new UsageError(`unknown option --${name} for '${command}'; ${see}`);
    const inline = arg.startsWith('--') && arg.includes('=');
    if (o.type === 'boolean') {
      if (inline) throw new UsageError(`option --${name} of '${command}' takes no value; ${see}`);
      normalized.push(`--${name}`);
    } else if (inline) {
      normalized.push(arg);
    } else {
      const value = argv[i + 1];
      if (value === undefined) throw new UsageError(`option --${name} of '${command}' needs a value; ${see}`);
      normalized.push(`--${name}=${value}`);
      i++;
    }
  }
  try {
    const r = parseArgs({ args: normalized, options: spec, allowPositionals: true, strict: true });
    return { values: r.values as ParsedArgs['values'], positionals: r.positionals };
  } catch (e) {
    // Anything the check above did not catch (it mirrors parseArgs's rules); keep Node's words but not its quotes.
    throw new UsageError(`${(e as Error).message.replace(/['"]/g, '')}; ${see}`);
  }
}

/** `--progress` / `--no-progress`: forced on, forced off, or undefined (on when stderr is a terminal). */
export function progressChoice(values: ParsedArgs['values']): boolean | undefined {
  return values.progress ? true : values['no-progress'] ? false : undefined;
}

// ---- options replay and live share ----

/** The options of the detection stage (replay and live). */
export const DETECT_OPTIONS: OptionSpec = {
  rules: { type: 'string', multiple: true },
  var: { type: 'string', multiple: true },
  dlp: { type: 'string' },
  classification: { type: 'string' },
  waf: { type: 'string' },
  'waf-config': { type: 'string', multiple: true },
  paranoia: { type: 'string' },
  'waf-mode': { type: 'string' },
};

export const DETECT_HELP = `  --rules FILE          Suricata rules to run (repeat for more files); alerts are EVE
                        alert events; refused rules are listed on stderr
  --var NAME=VALUE      a rule variable, e.g. --var HOME_NET=[10.0.0.0/8] (repeatable;
                        Suricata's defaults otherwise)
  --classification FILE a Suricata classification.config (classtype descriptions, priorities)
  --dlp all|S,S,...     DLP sensors that alert: credit_card, us_ssn, iban, aws_access_key,
                        github_token, slack_token, private_key, jwt, email (masked in alerts)
  --waf crs[=DIR]       run OWASP CRS (a coreruleset release or checkout; DIR defaults to
                        $NETSIEVE_CRS_DIR) on every HTTP transaction: each rule match is an
                        alert (gid 9, signature_id = the CRS rule id). In progress (issue #12)
  --waf-config FILE     SecLang loaded before CRS, in order (modsecurity.conf, then your
                        crs-setup.conf); repeatable
  --paranoia N          CRS paranoia level 1-4, over crs-setup.conf's
  --waf-mode detect|block
                        detect (default): alerts and the http record's waf results only;
                        block: a transaction CRS blocks (anomaly score at the threshold,
                        949110/959100) drops its flow from the request's end, like a
                        Suricata drop rule (verdict drop; with tcp.delivery immediate the
                        request's last packet is dropped)`;

export const THREAT_OPTIONS: OptionSpec = {
  threats: { type: 'string' },
};

export const THREAT_HELP = `  --threats on|off|D,D  the threat detectors (netsieve threats lists them; on by default):
                        off turns them off, a list runs only those; thresholds come from
                        the config file's threats section. Threats are EVE alerts (gid 10)
                        with ATT&CK ids in alert.metadata (mitre_technique_id, ...)`;

/**
 * The engine's `threats` option from --threats and the config file's `threats` section: on unless either
 * says off; a list of detector names turns the others off.
 */
export function threatsOption(values: ParsedArgs['values'], config: { threats?: unknown }): ThreatOptions | undefined {
  const flag = (values.threats as string | undefined) ?? 'on';
  const fromConfig = config.threats;
  if (flag === 'off' || (fromConfig === false && flag === 'on')) return undefined;
  const base =
    fromConfig === undefined || fromConfig === false || fromConfig === true
      ? {}
      : ({ ...(fromConfig as object) } as ThreatOptions);
  if (flag === 'on') return base;
  const wanted = flag
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const known = new Set(THREAT_DETECTORS.map((d) => d.name));
  for (const name of wanted) {
    if (!known.has(name))
      throw new UsageError(`--threats: no detector ${name} (on, off, or names from: ${[...known].join(', ')})`);
  }
  const detectors: Record<string, false | Readonly<Partial<ThreatThresholds>>> = { ...(base.detectors ?? {}) };
  for (const name of known) if (!wanted.includes(name)) detectors[name] = false;
  return { ...base, detectors };
}

/** The `--config` file's engine options, and the threat stage's option from `--threats` and the file's `threats`. */
export function configWithThreats(values: ParsedArgs['values']): {
  config: EngineOptionsInput;
  threats: ThreatOptions | undefined;
} {
  const { threats: section, ...config } = loadConfig(values.config as string | undefined) as EngineOptionsInput & {
    threats?: unknown;
  };
  return { config, threats: threatsOption(values, { threats: section }) };
}

/**
 * The engine options the shared flags give: the `--config` file, `--threats` (and the file's `threats`),
 * the signature flags (`--rules`, `--dlp`, `--waf`, ...) and the policy flags. A command adds its own.
 */
export function stageOptions(values: ParsedArgs['values']): EngineOptionsInput & {
  threats?: ThreatOptions;
  detect?: DetectOptions;
  policy?: PolicyOptions;
} {
  const { config, threats } = configWithThreats(values);
  const detect = detectOption(values);
  const policy = policyOption(values);
  return {
    ...config,
    ...(threats !== undefined ? { threats } : {}),
    ...(detect !== undefined ? { detect } : {}),
    ...(policy !== undefined ? { policy } : {}),
  };
}

/**
 * Replays `inputs` in order as one capture through an engine whose events nobody reads (`eventTypes: []`:
 * `learn`, `attack-layer`), with a progress bar per input; a damaged input is reported and the next one
 * read. Returns EXIT_INPUT when an input failed, else EXIT_OK. Open flows stay open (the caller closes).
 */
export async function replayInputs(
  engine: Engine,
  inputs: readonly string[],
  forceProgress: boolean | undefined,
): Promise<number> {
  let exit = EXIT_OK;
  for (const file of inputs) {
    const progress = new Progress(process.stderr, path.basename(file), forceProgress);
    try {
      for await (const _ of engine.replay(file === '-' ? process.stdin : file, {
        flush: false,
        name: file,
        onProgress: (bytes, total, packets) => progress.update(bytes, total, packets),
      })) {
        // No event type is built: nothing comes out.
      }
    } catch (e) {
      progress.done();
      if (!isNetsieveError(e)) throw e;
      process.stderr.write(`netsieve: ${e.message}\n`);
      if (inputs.length > 1) process.stderr.write('netsieve: going on with the next input\n');
      exit = EXIT_INPUT;
    }
    progress.done();
  }
  return exit;
}

export const POLICY_OPTIONS: OptionSpec = {
  policy: { type: 'string' },
  mode: { type: 'string' },
  groups: { type: 'string' },
};

export const POLICY_HELP = `  --policy FILE         a policy file (JSON; netsieve policy check FILE validates it): flows
                        are decided against it; flow lines get a policy object, denied flows
                        an EVE alert (gid 8, alert.metadata.policy_rule)
  --mode M              discover, monitor or protect, over the file's mode (protect counts
                        the packets and bytes of denied flows as dropped)
  --groups FILE         run-time groups as JSON, {"frontend": ["10.1.0.0/16"], ...}: names a
                        policy's rules may use, as an orchestrator gives workload labels`;

/** The engine's `policy` option from --policy, --mode and --groups (undefined when none is given). */
export function policyOption(values: ParsedArgs['values']): PolicyOptions | undefined {
  const file = values.policy as string | undefined;
  const mode = values.mode as string | undefined;
  const groups = values.groups as string | undefined;
  if (file === undefined && mode === undefined && groups === undefined) return undefined;
  if (mode !== undefined && mode !== 'discover' && mode !== 'monitor' && mode !== 'protect')
    throw new UsageError(`--mode must be discover, monitor or protect, not ${mode}`);
  const out: PolicyOptions = {};
  if (file !== undefined) out.document = file;
  if (mode !== undefined) out.mode = mode as PolicyMode;
  if (groups !== undefined) out.groups = readGroupsFile(groups);
  return out;
}

/** A --groups file: an object of group name -> list of CIDR blocks or addresses. */
export function readGroupsFile(path: string): Record<string, string[]> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new NetsieveError('NS_ERR_CONFIG', `cannot read the groups file ${path}: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new NetsieveError('NS_ERR_CONFIG', `the groups file ${path} must hold an object: {"name": ["10.0.0.0/24"], ...}`);
  for (const [name, list] of Object.entries(value)) {
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string'))
      throw new NetsieveError(
        'NS_ERR_CONFIG',
        `the groups file ${path}: group ${JSON.stringify(name)} must be a list of CIDR blocks`,
      );
  }
  return value as Record<string, string[]>;
}

/**
 * The engine's `detect` option from --rules, --var, --dlp and --classification (undefined when none is
 * given). Rule files are read by the engine, which reports a missing one as NS_ERR_CONFIG.
 */
export function detectOption(values: ParsedArgs['values']): DetectOptions | undefined {
  const rules = (values.rules as string[] | undefined) ?? [];
  const vars = (values.var as string[] | undefined) ?? [];
  const dlp = values.dlp as string | undefined;
  const classification = values.classification as string | undefined;
  const waf = wafOption(values);
  if (rules.length === 0 && dlp === undefined && waf === undefined) {
    if (vars.length > 0 || classification !== undefined) throw new UsageError('--var and --classification need --rules');
    return undefined;
  }
  const parsedVars: Record<string, string> = {};
  for (const v of vars) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--var takes NAME=VALUE (e.g. HOME_NET=[10.0.0.0/8]), not ${v}`);
    parsedVars[v.slice(0, eq).replace(/^\$/, '')] = v.slice(eq + 1);
  }
  const out: DetectOptions = { rules: rules.map((path) => ({ path })), vars: parsedVars };
  if (classification !== undefined) out.classification = classification;
  if (dlp !== undefined) {
    const list = dlp
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
    if (list.length === 0) throw new UsageError('--dlp takes all or a list of sensors, e.g. --dlp credit_card,us_ssn');
    out.dlp = list.length === 1 && list[0] === 'all' ? 'all' : list;
  }
  if (waf !== undefined) out.waf = waf;
  return out;
}

/** `--waf crs[=DIR]`, `--waf-config FILE...`, `--paranoia N` as the detection stage's `waf` option. */
function wafOption(values: ParsedArgs['values']): WafOptions | undefined {
  const spec = values.waf as string | undefined;
  const configs = (values['waf-config'] as string[] | undefined) ?? [];
  const paranoia = values.paranoia as string | undefined;
  const mode = values['waf-mode'] as string | undefined;
  if (spec === undefined) {
    if (configs.length > 0 || paranoia !== undefined || mode !== undefined)
      throw new UsageError('--waf-config, --paranoia and --waf-mode need --waf crs=DIR');
    return undefined;
  }
  const m = /^crs(?:=(.+))?$/.exec(spec);
  if (m === null) throw new UsageError(`--waf takes crs=DIR (a CRS directory), or crs with NETSIEVE_CRS_DIR set; not ${spec}`);
  const dir = m[1] ?? process.env.NETSIEVE_CRS_DIR;
  if (dir === undefined || dir === '')
    throw new UsageError('--waf crs needs a directory: --waf crs=DIR, or set NETSIEVE_CRS_DIR to a coreruleset checkout');
  const out: WafOptions = { crsDir: dir, configFiles: configs };
  if (paranoia !== undefined) {
    if (!/^[1-4]$/.test(paranoia)) throw new UsageError(`--paranoia takes 1, 2, 3 or 4, not ${paranoia}`);
    out.paranoia = Number(paranoia);
  }
  if (mode !== undefined) {
    if (mode !== 'detect' && mode !== 'block') throw new UsageError(`--waf-mode takes detect or block, not ${mode}`);
    out.mode = mode;
  }
  return out;
}

/** "N rules loaded, M failed" and each refusal (at most `limit`), for stderr. */
export function rulesReportText(
  report: {
    failed: readonly { file: string; line: number; sid: number | undefined; message: string }[];
    stats: { loaded: number; failed: number };
  },
  limit = 20,
): string {
  let out = `netsieve: ${report.stats.loaded} rules loaded, ${report.stats.failed} failed\n`;
  for (const f of report.failed.slice(0, limit))
    out += `netsieve:   ${f.file}:${f.line}${f.sid !== undefined ? ` sid ${f.sid}` : ''}: ${f.message}\n`;
  if (report.failed.length > limit)
    out += `netsieve:   ... and ${report.failed.length - limit} more (netsieve rules check lists them all)\n`;
  return out;
}

/** How often buffered lines are written when input arrives over time (a pipe, a live interface). */
export const STREAMING_FLUSH_MS = 200;

/** Event types --types accepts: those netsieve writes, and `alert` (signatures, a coming feature). */
export function eveEventTypes(): string[] {
  return ['flow', 'anomaly', ...Object.keys(EVE_MAPPERS), 'alert'];
}

/** `--types flow,http`: the set of EVE event types to write, or null for all. */
export function parseTypes(value: string | undefined): Set<string> | null {
  if (value === undefined) return null;
  const valid = eveEventTypes();
  const wanted = value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (wanted.length === 0) throw new UsageError(`--types needs at least one event type: ${valid.join(', ')}`);
  const unknown = wanted.filter((t) => !valid.includes(t));
  if (unknown.length > 0) {
    throw new UsageError(
      `--types: unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; valid types: ${valid.join(', ')}`,
    );
  }
  // Policy violations and threats are written as EVE alerts: asking for alerts asks for them too.
  if (wanted.includes('alert')) wanted.push('violation', 'threat');
  return new Set(wanted);
}

/** `--count N`: a positive whole number. */
export function parseCount(value: string | undefined): number {
  if (value === undefined) return Infinity;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--count must be a whole number of packets, 1 or more, not ${value}`);
  }
  return Number(value);
}

/** `--start`/`--end`: ISO 8601 text or epoch seconds (fractions allowed), as epoch seconds. */
export function parseTime(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  // Only ISO-looking text: Date.parse also accepts forms like "May 1" whose meaning depends on the host.
  const ms = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(`${option} must be an ISO 8601 time (2024-05-01T12:00:00Z) or seconds since the epoch, not ${value}`);
  }
  return ms / 1000;
}

/** `--community-id-seed N`: 0..65535. */
export function parseSeed(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value) || Number(value) > 0xffff)
    throw new UsageError(`--community-id-seed must be 0 to 65535, not ${value}`);
  return Number(value);
}
