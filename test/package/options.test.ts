/**
 * One source of truth for options: the definitions in src/options.ts give the defaults, the validation,
 * the README's table and the configuration file's JSON Schema; these tests fail when any of them drifts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { loadConfig, UsageError } from '../../src/cli/common.js';
import { configSchema, effectiveConfig, optionsTable, withOptionsTable, configCommand } from '../../src/cli/config.js';
import { threatsTable, withThreatsTable } from '../../src/cli/threats.js';
import { THREAT_DETECTORS } from '../../src/threats/registry.js';
import {
  defaultAppLayerOptions,
  defaultOptions,
  OPTION_SPECS,
  resolveOptions,
  type EngineOptionsInput,
} from '../../src/options.js';
import { defaultAppOptions, PROTOCOLS } from '../../src/protocols/registry.js';
import { REPO_ROOT } from '../support/corpus.js';

const SCHEMA_FILE = path.join(REPO_ROOT, 'schema', 'netsieve-config.schema.json');
const EXAMPLE_CONFIG = path.join(REPO_ROOT, 'examples', 'netsieve.config.json');

/** Sets `value` at a dotted `path` of a fresh options input. */
function inputAt(path: string, value: unknown): EngineOptionsInput {
  const keys = path.split('.');
  const root: Record<string, unknown> = {};
  let node = root;
  for (const k of keys.slice(0, -1)) node = (node[k] = {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
  return root as EngineOptionsInput;
}

function validator(): ReturnType<Ajv['compile']> {
  return new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as object);
}

describe('the option definitions', () => {
  it('give the defaults the engine has always had, with the flat timeout keys', () => {
    expect(defaultOptions()).toEqual({
      tcp: {
        overlapPolicy: 'bsd',
        depth: 1 << 20,
        delivery: 'acked',
        maxBufferPerStream: 1 << 20,
        maxHolesPerStream: 64,
        memcap: 256 << 20,
        memcapPolicy: 'bypass',
      },
      flow: {
        maxFlows: 65536,
        memcap: 256 << 20,
        vlanInKey: true,
        timeouts: {
          tcpNew: 60,
          tcpEstablished: 600,
          tcpClosed: 60,
          udpNew: 30,
          udpEstablished: 300,
          icmpNew: 30,
          icmpEstablished: 300,
          otherNew: 30,
          otherEstablished: 300,
        },
      },
      fragments: { timeout: 60, maxDatagrams: 4096, memcap: 16 << 20, maxFragmentsPerDatagram: 1024 },
      decode: { maxTunnelDepth: 4, vxlanPorts: [4789, 8472], genevePorts: [6081] },
    });
  });

  it("agree with the registry's application-layer defaults", () => {
    const registry = defaultAppOptions();
    expect(defaultAppLayerOptions()).toEqual({ enabled: registry.enabled, detection: registry.detection });
  });

  it('hand out fresh default arrays (a caller mutating one does not change the next engine)', () => {
    defaultOptions().decode.vxlanPorts.push(1);
    resolveOptions().decode.genevePorts.push(2);
    expect(defaultOptions().decode).toMatchObject({ vxlanPorts: [4789, 8472], genevePorts: [6081] });
  });

  it('accept every default and refuse, naming the key, a value of the wrong type or out of range', () => {
    expect(OPTION_SPECS.length).toBeGreaterThan(25);
    for (const spec of OPTION_SPECS) {
      expect(() => resolveOptions(inputAt(spec.path, spec.default)), spec.path).not.toThrow();
      const wrong =
        spec.type === 'boolean' ? 1 : spec.type === 'ports' ? [70000] : typeof spec.default === 'string' ? 'nonsense' : true;
      expect(() => resolveOptions(inputAt(spec.path, wrong)), spec.path).toThrow(
        expect.objectContaining({ code: 'NS_ERR_OPTION', message: expect.stringContaining(spec.path) }),
      );
      if (spec.min !== undefined) expect(() => resolveOptions(inputAt(spec.path, spec.min! - 1)), spec.path).toThrow(spec.path);
      if (spec.above !== undefined) expect(() => resolveOptions(inputAt(spec.path, spec.above)), spec.path).toThrow(spec.path);
      if (spec.type === 'integer')
        expect(() => resolveOptions(inputAt(spec.path, spec.min! + 0.5)), spec.path).toThrow(spec.path);
    }
  });

  it('merge a nested subset over the defaults and refuse unknown sections and keys with what is accepted', () => {
    const o = resolveOptions({ flow: { timeouts: { tcpEstablished: 5 } }, tcp: { overlapPolicy: 'linux' } });
    expect(o.flow.timeouts).toMatchObject({ tcpEstablished: 5, tcpNew: 60 });
    expect(o.tcp).toMatchObject({ overlapPolicy: 'linux', depth: 1 << 20 });
    // The README used to document nested timeouts (flow.timeouts.tcp.established): refused with the real keys.
    expect(() => resolveOptions({ flow: { timeouts: { tcp: { established: 5 } } } } as unknown as EngineOptionsInput)).toThrow(
      /option flow\.timeouts\.tcp must be one of the keys tcpNew, tcpEstablished/,
    );
    expect(() => resolveOptions({ flows: {} } as unknown as EngineOptionsInput)).toThrow(
      /option flows must be one of the sections tcp, flow, fragments, decode, app/,
    );
    expect(() => resolveOptions({ tcp: 5 } as unknown as EngineOptionsInput)).toThrow(/option tcp must be an object/);
    expect(() => resolveOptions({ app: { detection: { maxBytes: 0 } } } as unknown as EngineOptionsInput)).toThrow(
      /app\.detection\.maxBytes/,
    );
    // A config file may name its schema for editors; the engine ignores that string and nothing else.
    expect(
      resolveOptions({ $schema: './node_modules/netsieve/schema/netsieve-config.schema.json' } as EngineOptionsInput),
    ).toEqual(defaultOptions());
    expect(() => resolveOptions({ $schema: 5 } as unknown as EngineOptionsInput)).toThrow(
      /option \$schema must be one of the sections/,
    );
  });
});

describe('the configuration file', () => {
  it('its effective form has every option and every protocol, and is accepted back unchanged', () => {
    const dump = effectiveConfig();
    expect(Object.keys(dump.app.protocols)).toEqual(PROTOCOLS.map((m) => m.name));
    const withFile = effectiveConfig(loadConfig(EXAMPLE_CONFIG));
    expect(withFile.tcp.overlapPolicy).toBe('linux');
    expect(withFile.app.protocols.mdns).toBe(false);
    expect(withFile.app.protocols.http).toMatchObject({ inspectBodyLimit: 1048576, maxHeaders: 256 });
    expect(effectiveConfig(JSON.parse(JSON.stringify(withFile)) as never)).toEqual(withFile);
  });

  it('the shipped schema is the generated one (run `npm run docs:options` when this fails)', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(`${JSON.stringify(configSchema(), null, 2)}\n`);
  });

  it('the schema accepts the example config, the defaults and an empty file, and refuses what the engine refuses', () => {
    const validate = validator();
    for (const doc of [JSON.parse(fs.readFileSync(EXAMPLE_CONFIG, 'utf8')), effectiveConfig(), {}]) {
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    }
    const refused: unknown[] = [
      { flow: { timeouts: { tcp: { established: 5 } } } },
      { tcp: { overlapPolicy: 'solaris' } },
      { tcp: { depth: -1 } },
      { flow: { timeouts: { udpNew: 0 } } },
      { decode: { vxlanPorts: [65536] } },
      { app: { protocols: { http: { maxHeaders: 'many' } } } },
      { app: { protocols: { gopher: false } } },
      { app: { protocols: { http: true } } },
    ];
    for (const doc of refused) {
      expect(validate(doc), JSON.stringify(doc)).toBe(false);
      expect(() => effectiveConfig(doc as never), JSON.stringify(doc)).toThrow(
        expect.objectContaining({ code: 'NS_ERR_OPTION' }),
      );
    }
  });

  it('config --dump prints the effective configuration; bad usage and bad files are errors, not crashes', () => {
    let out = '';
    expect(configCommand(['--dump', '--config', EXAMPLE_CONFIG], (t) => (out += t))).toBe(0);
    expect(JSON.parse(out)).toEqual(effectiveConfig(loadConfig(EXAMPLE_CONFIG)));
    out = '';
    expect(configCommand(['--schema'], (t) => (out += t))).toBe(0);
    expect(JSON.parse(out)).toEqual(configSchema());
    expect(() => configCommand([], () => {})).toThrow(UsageError);
    expect(() => configCommand(['--dump', '--bogus'], () => {})).toThrow(/unknown option --bogus for 'config'/);
    expect(() => configCommand(['--dump', '--config', path.join(REPO_ROOT, 'no-such.json')], () => {})).toThrow(
      expect.objectContaining({ code: 'NS_ERR_CONFIG' }),
    );
    expect(() => configCommand(['--dump', '--config', path.join(REPO_ROOT, 'package.json')], () => {})).toThrow(
      expect.objectContaining({ code: 'NS_ERR_OPTION' }),
    );
  });
});

describe('the README options table', () => {
  it('is the generated one (run `npm run docs:options` when this fails)', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toBe(withOptionsTable(readme));
    for (const spec of OPTION_SPECS) expect(optionsTable()).toContain(`\`${spec.path}\``);
  });

  it('has the generated table of threat detectors (run `npm run docs:options` when this fails)', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toBe(withThreatsTable(readme));
    for (const d of THREAT_DETECTORS) {
      expect(threatsTable()).toContain(`| \`${d.name}\` |`);
      for (const k of Object.keys(d.defaults)) expect(optionsTable()).toContain(`\`threats.detectors.${d.name}.${k}\``);
    }
  });

  it('uses a protocol module’s optionDocs when it has them', () => {
    const http = PROTOCOLS.find((m) => m.name === 'http')! as { optionDocs?: Record<string, string> };
    const had = http.optionDocs;
    http.optionDocs = { maxHeaders: 'header fields kept per message' };
    try {
      expect(optionsTable()).toMatch(
        /\| `app\.protocols\.http\.maxHeaders` \| 256 \| number \| header fields kept per message \|/,
      );
      expect(JSON.stringify(configSchema())).toContain('header fields kept per message');
    } finally {
      if (had === undefined) delete http.optionDocs;
      else http.optionDocs = had;
    }
  });
});
