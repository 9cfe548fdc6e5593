/**
 * `netsieve config`: the effective configuration (defaults merged with a `--config` file) as JSON, and the
 * configuration file's JSON Schema. Also the generators of the README's options table and of
 * `schema/netsieve-config.schema.json` (`npm run docs:options`), so that the command, the table and the
 * schema are all read off the same definitions: `OPTION_TREE` in src/options.ts and each protocol module's
 * `defaults` (and its `optionDocs`, when the module has them).
 */
import { type Command, loadConfig, parse, UsageError } from './common.js';
import {
  OPTION_SPECS,
  OPTION_TREE,
  resolveOptions,
  SCHEMA_KEY,
  type EngineOptions,
  type EngineOptionsInput,
  type OptionSpec,
} from '../options.js';
import { PROTOCOLS, resolveAppOptions, type AppOptionsInput } from '../protocols/registry.js';
import type { AnyProtocolModule } from '../protocols/module.js';
import { THREAT_DEFAULTS, THREAT_DETECTORS, resolveThreatOptions, type ThreatOptions } from '../threats/index.js';

export const CONFIG_HELP = `Usage: netsieve config --dump [--config FILE]
       netsieve config --schema

Prints the configuration the engine runs with, as JSON: every option of every section
(tcp, flow, fragments, decode, app) with its default, and the values of FILE over them.
The output is itself a valid configuration file. A bad FILE is refused (exit 2) with the
key at fault, as replay, streams and live would refuse it.

Options:
  --dump          print the effective configuration
  --config FILE   engine options as JSON (any subset of the sections)
  --schema        print the JSON Schema of configuration files
  -h, --help      this text
`;

/** The whole configuration, as a `--config` file writes it: a protocol left out is `false`. */
export interface EffectiveConfig extends EngineOptions {
  app: {
    enabled: boolean;
    detection: { maxBytes: number; maxChunks: number };
    protocols: Record<string, Record<string, unknown> | false>;
  };
  /** The threat stage (on by default in replay and live): every detector's thresholds, or `false`. */
  threats: false | { window: number; maxTracked: number; detectors: Record<string, Record<string, number | boolean> | false> };
}

type ConfigInput = EngineOptionsInput & { app?: AppOptionsInput; threats?: ThreatOptions | false };

/** Defaults merged with `input`, checked as `createEngine()` checks them (NS_ERR_OPTION on a bad value). */
export function effectiveConfig(input: ConfigInput = {}): EffectiveConfig {
  const { threats: threatInput, ...rest } = input;
  const engine = resolveOptions(rest);
  const app = resolveAppOptions(input.app);
  const protocols: Record<string, Record<string, unknown> | false> = {};
  for (const m of PROTOCOLS) protocols[m.name] = (app.protocols[m.name] as Record<string, unknown> | undefined) ?? false;
  let threats: EffectiveConfig['threats'] = false;
  if (threatInput !== false) {
    const t = resolveThreatOptions(threatInput ?? {});
    const detectors: Record<string, Record<string, number | boolean> | false> = {};
    for (const def of THREAT_DETECTORS) detectors[def.name] = false;
    for (const d of t.detectors) detectors[d.def.name] = { ...d.thresholds };
    threats = { window: t.window, maxTracked: t.maxTracked, detectors };
  }
  return { ...engine, app: { enabled: app.enabled, detection: { ...app.detection }, protocols }, threats };
}

/** `netsieve config ...`; returns the exit code. Usage errors are NS_ERR_USAGE (exit 2 in main). */
export function configCommand(argv: string[], out: (text: string) => void = (t) => process.stdout.write(t)): number {
  const { values, positionals } = parse('config', argv, {
    dump: { type: 'boolean' },
    schema: { type: 'boolean' },
    config: { type: 'string' },
  });
  if (positionals.length > 0)
    throw new UsageError(`config takes no file names (got ${positionals[0]}); see netsieve help config`);
  if (values.help === true) {
    out(CONFIG_HELP);
    return 0;
  }
  if (values.schema === true && values.dump !== true && values.config === undefined) {
    out(`${JSON.stringify(configSchema(), null, 2)}\n`);
    return 0;
  }
  if (values.dump !== true || values.schema === true) {
    throw new UsageError('config needs --dump (with an optional --config FILE) or --schema alone; see netsieve help config');
  }
  const input: ConfigInput = loadConfig(values.config as string | undefined);
  out(`${JSON.stringify(effectiveConfig(input), null, 2)}\n`);
  return 0;
}

/** The `config` command as the CLI's command table lists it. */
export const configCli: Command = {
  name: 'config',
  usage: ['config --dump [--config FILE] | --schema'],
  help: CONFIG_HELP,
  run: async (argv) => configCommand(argv),
};

/** A module's options with their defaults, descriptions and (for string options) allowed values. */
function protocolOptions(
  m: AnyProtocolModule,
): { key: string; value: unknown; doc: string; choices: readonly string[] | undefined }[] {
  const docs = m.optionDocs as Readonly<Record<string, string>>;
  const choices = (m.optionChoices ?? {}) as Readonly<Record<string, readonly string[] | undefined>>;
  return Object.entries(m.defaults as Record<string, unknown>).map(([key, value]) => ({
    key,
    value,
    doc: docs[key] ?? '',
    choices: choices[key],
  }));
}

// ---- JSON Schema (draft-07: what editors and most validators read) ----

type Schema = Record<string, unknown>;

function leafSchema(spec: OptionSpec): Schema {
  const base: Schema = { description: spec.description, default: spec.default };
  switch (spec.type) {
    case 'integer':
      return { type: 'integer', ...(spec.min !== undefined ? { minimum: spec.min } : {}), ...base };
    case 'number':
      return {
        type: 'number',
        ...(spec.min !== undefined ? { minimum: spec.min } : {}),
        ...(spec.above !== undefined ? { exclusiveMinimum: spec.above } : {}),
        ...base,
      };
    case 'boolean':
      return { type: 'boolean', ...base };
    case 'enum':
      return { enum: [...spec.values!], ...base };
    case 'ports':
      return { type: 'array', items: { type: 'integer', minimum: 0, maximum: 65535 }, ...base };
  }
}

function objectSchema(properties: Record<string, Schema>, description?: string): Schema {
  return { type: 'object', ...(description !== undefined ? { description } : {}), additionalProperties: false, properties };
}

/** The JSON Schema of `--config` files, from `OPTION_TREE` and the protocol modules' defaults. */
export function configSchema(): Schema {
  const sections: Record<string, Schema> = {};
  const build = (node: object, path: string[]): Schema => {
    const props: Record<string, Schema> = {};
    for (const [k, child] of Object.entries(node)) {
      const spec = OPTION_SPECS.find((s) => s.path === [...path, k].join('.'));
      props[k] = spec !== undefined ? leafSchema(spec) : build(child as object, [...path, k]);
    }
    return objectSchema(props);
  };
  for (const [section, tree] of Object.entries(OPTION_TREE)) sections[section] = build(tree, [section]);
  const protocols: Record<string, Schema> = {};
  for (const m of PROTOCOLS as readonly AnyProtocolModule[]) {
    const props: Record<string, Schema> = {};
    for (const o of protocolOptions(m)) {
      // The registry checks a protocol option by the type of its default (and a string by its choices).
      props[o.key] = {
        type: typeof o.value,
        default: o.value,
        description: o.doc,
        ...(o.choices !== undefined ? { enum: [...o.choices] } : {}),
      };
    }
    protocols[m.name] = {
      oneOf: [{ const: false, description: `leave ${m.name} out` }, objectSchema(props, `${m.name} options`)],
    };
  }
  const app = sections.app!;
  (app.properties as Record<string, Schema>).protocols = objectSchema(
    protocols,
    'per protocol: its options, or false to leave it out',
  );
  const detectors: Record<string, Schema> = {};
  for (const def of THREAT_DETECTORS) {
    const props: Record<string, Schema> = {};
    for (const [k, v] of Object.entries(def.defaults)) {
      props[k] = {
        type: typeof v === 'boolean' ? 'boolean' : 'number',
        ...(typeof v === 'number' ? { minimum: 0 } : {}),
        default: v,
        description: (def.docs as Record<string, string>)[k] ?? '',
      };
    }
    detectors[def.name] = {
      oneOf: [
        { const: false, description: `turn ${def.name} off` },
        objectSchema(props, `${def.title} (${def.techniques.join(', ')}): ${def.description}`),
      ],
    };
  }
  sections.threats = {
    oneOf: [
      { const: false, description: 'no threat stage (replay and live run it by default)' },
      objectSchema(
        {
          window: {
            type: 'number',
            exclusiveMinimum: 0,
            maximum: 86_400,
            default: THREAT_DEFAULTS.window,
            description: 'seconds within which findings of one detector, attacker and target make one alert',
          },
          maxTracked: {
            type: 'integer',
            minimum: 16,
            maximum: 16_777_216,
            default: THREAT_DEFAULTS.maxTracked,
            description: 'the cap of every table a detector keeps (least recently used entries go first)',
          },
          detectors: objectSchema(detectors, 'per detector: its thresholds, or false to turn it off'),
        },
        'the threat stage (src/threats/): network attack detectors tagged with MITRE ATT&CK',
      ),
    ],
  };
  const schemaRef: Schema = { type: 'string', description: "this file's JSON Schema, for editors (the engine ignores it)" };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'netsieve configuration',
    description:
      'Engine options for `netsieve --config FILE` and createEngine(): any subset of the sections; the rest keeps its default. Generated from src/options.ts by `npm run docs:options`.',
    ...objectSchema({ [SCHEMA_KEY]: schemaRef, ...sections }),
  };
}

// ---- README table ----

function formatBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return String(n);
}

function formatDefault(spec: OptionSpec): string {
  const v = spec.default;
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'number') return spec.unit === 'bytes' ? formatBytes(v) : spec.unit === 'seconds' ? `${v} s` : String(v);
  return typeof v === 'string' ? `\`${v}\`` : String(v);
}

function formatAccepts(spec: OptionSpec): string {
  switch (spec.type) {
    case 'integer':
      return `integer ≥ ${spec.min}`;
    case 'number':
      return spec.above !== undefined ? `number > ${spec.above}` : 'number';
    case 'boolean':
      return 'boolean';
    case 'enum':
      return spec.values!.map((x) => `\`${x}\``).join(', ');
    case 'ports':
      return 'port numbers';
  }
}

/** The README's options table (markdown), one row per option. */
export function optionsTable(): string {
  const rows = ['| option | default | accepts | meaning |', '|---|---|---|---|'];
  for (const s of OPTION_SPECS) rows.push(`| \`${s.path}\` | ${formatDefault(s)} | ${formatAccepts(s)} | ${s.description} |`);
  rows.push(
    `| \`app.protocols.<name>\` | each module's defaults | object or \`false\` | a protocol's options, or \`false\` to leave it out: ${PROTOCOLS.map((m) => `\`${m.name}\``).join(', ')} |`,
  );
  for (const m of PROTOCOLS as readonly AnyProtocolModule[]) {
    for (const o of protocolOptions(m)) {
      const accepts = o.choices !== undefined ? o.choices.map((c) => `\`${c}\``).join(', ') : typeof o.value;
      rows.push(
        `| \`app.protocols.${m.name}.${o.key}\` | ${typeof o.value === 'string' ? `\`${o.value}\`` : String(o.value)} | ${accepts} | ${o.doc} |`,
      );
    }
  }
  rows.push(
    `| \`threats.window\` | ${THREAT_DEFAULTS.window} s | number > 0 | findings of one detector, attacker and target within it make one alert |`,
    `| \`threats.maxTracked\` | ${THREAT_DEFAULTS.maxTracked} | integer ≥ 16 | the cap of every table a detector keeps (least recently used entries go first) |`,
    "| `threats.detectors.<name>` | every detector on | object or `false` | a detector's thresholds, or `false` to turn it off (`threats: false` turns the stage off) |",
  );
  for (const def of THREAT_DETECTORS) {
    for (const [k, v] of Object.entries(def.defaults)) {
      rows.push(
        `| \`threats.detectors.${def.name}.${k}\` | ${String(v)} | ${typeof v === 'boolean' ? 'boolean' : 'number ≥ 0'} | ${(def.docs as Record<string, string>)[k] ?? ''} |`,
      );
    }
  }
  return `${rows.join('\n')}\n`;
}

export const OPTIONS_BEGIN = '<!-- options:begin (generated from src/options.ts by `npm run docs:options`; edit there) -->';
export const OPTIONS_END = '<!-- options:end -->';

/** `readme` with the text between the option markers replaced by the current table. */
export function withOptionsTable(readme: string): string {
  const begin = readme.indexOf(OPTIONS_BEGIN);
  const end = readme.indexOf(OPTIONS_END);
  if (begin < 0 || end < begin) throw new Error(`README.md lacks the markers ${OPTIONS_BEGIN} ... ${OPTIONS_END}`);
  return `${readme.slice(0, begin + OPTIONS_BEGIN.length)}\n${optionsTable()}${readme.slice(end)}`;
}
