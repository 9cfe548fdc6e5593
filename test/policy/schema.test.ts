/**
 * schema/netsieve-policy.schema.json: it compiles under ajv's strict mode, accepts the shipped examples, and
 * agrees with checkPolicy on structural samples (both accept, or both refuse). Semantic checks the schema cannot
 * express (ranges of numbers inside strings, known applications, unique ids, name lengths) are checkPolicy's
 * alone, and listed as such below so that a change of either side is a visible decision.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { checkPolicy } from '../../src/policy/policy-file.js';
import { POLICY_MODES } from '../../src/policy/types.js';
import { REPO_ROOT } from '../support/corpus.js';

const SCHEMA_PATH = path.join(REPO_ROOT, 'schema', 'netsieve-policy.schema.json');
const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples', 'policy');

let compiled: { ajv: Ajv; validate: ValidateFunction; schema: Record<string, unknown> } | undefined;
/** The schema compiled once, on first use (inside a test, never at import). */
function validator() {
  if (compiled === undefined) {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ strict: true, allErrors: true });
    compiled = { ajv, validate: ajv.compile(schema), schema };
  }
  return compiled;
}

const groups = { a: { cidrs: ['10.0.0.0/8'] }, b: { fqdns: ['example.com'] } };
const rule = (extra: Record<string, unknown> = {}) => ({ id: 'r1', from: 'a', to: 'b', action: 'allow', ...extra });
const withRule = (extra: Record<string, unknown>) => ({ groups, rules: [rule(extra)] });
const withGroup = (spec: unknown) => ({ groups: { g: spec } });

/** Documents both accept (warnings allowed: a schema does not warn). */
const VALID: [string, unknown][] = [
  ['empty', {}],
  [
    'the issue example',
    {
      mode: 'monitor',
      default: 'deny',
      groups: {
        web: { cidrs: ['10.0.0.0/24', 'fd00::/64'] },
        gh: { fqdns: ['github.com', '*.github.com'] },
        any: { cidrs: ['0.0.0.0/0', '::/0'] },
      },
      rules: [
        {
          id: 'r1',
          from: 'web',
          to: 'gh',
          ports: ['tcp/443', 'udp/53', 'tcp/8000-8100'],
          apps: ['tls', 'http'],
          action: 'allow',
        },
      ],
    },
  ],
  ['$schema and comments', { $schema: 'x', comment: 'c', groups: { g: { cidrs: ['10.0.0.1'], comment: 'g' } } }],
  ['every transport form', withRule({ ports: ['TCP', 'udp/0', 'sctp/2905', 'icmp', 'ICMPv6', 'ip/47', 'tcp/1-65535'] })],
  ['a group name with every allowed character', { groups: { 'a0_.:@/-Z': {} } }],
  ['IPv4-mapped and full IPv6', withGroup({ cidrs: ['::ffff:10.0.0.0/120', '2001:db8:0:0:0:0:0:1'] })],
  [
    'names: case, trailing dot, underscores, wildcards',
    withGroup({ fqdns: ['GitHub.COM.', '_dmarc.example.com', '*.a.b', '*.com'] }),
  ],
  ['host bits (a warning only)', withGroup({ cidrs: ['10.0.0.5/24'] })],
  ['a group not in the file (a warning only)', { rules: [rule({ from: 'frontend' })] }],
  ['a shadowed rule (a warning only)', { groups, rules: [rule(), rule({ id: 'r2' })] }],
  ['every mode', { mode: 'protect', default: 'allow' }],
];

/** Documents both refuse: structure, types, and the grammar of each string. */
const INVALID_BOTH: [string, unknown][] = [
  ['null', null],
  ['an array', []],
  ['a number', 3],
  ['an unknown top-level key', { rule: [] }],
  ['an unknown mode', { mode: 'enforce' }],
  ['a mode in capitals', { mode: 'Monitor' }],
  ['an unknown default', { default: 'drop' }],
  ['groups as an array', { groups: [] }],
  ['rules as an object', { rules: {} }],
  ['a group name with a space', { groups: { 'odd name': {} } }],
  ['a group name starting with -', { groups: { '-web': {} } }],
  ['a group that is a list', withGroup(['10.0.0.0/8'])],
  ['an unknown group key', withGroup({ fqnds: [] })],
  ['cidrs as a string', withGroup({ cidrs: '10.0.0.0/8' })],
  ['a cidr that is a number', withGroup({ cidrs: [10] })],
  ['a cidr that is a name', withGroup({ cidrs: ['github.com'] })],
  ['a cidr with a leading-zero prefix', withGroup({ cidrs: ['10.0.0.0/08'] })],
  ['a cidr without a prefix after /', withGroup({ cidrs: ['10.0.0.0/'] })],
  ['a zone index', withGroup({ cidrs: ['fe80::1%eth0'] })],
  ['a bare *', withGroup({ fqdns: ['*'] })],
  ['*foo.com', withGroup({ fqdns: ['*foo.com'] })],
  ['a wildcard inside', withGroup({ fqdns: ['a.*.com'] })],
  ['two wildcards', withGroup({ fqdns: ['*.*.com'] })],
  ['an IPv4 address as a name', withGroup({ fqdns: ['1.2.3.4'] })],
  ['an IPv6 address as a name', withGroup({ fqdns: ['fd00::1'] })],
  ['an all-digit last label', withGroup({ fqdns: ['example.123'] })],
  ['an empty label', withGroup({ fqdns: ['a..com'] })],
  ['a label ending in -', withGroup({ fqdns: ['a-.com'] })],
  ['a 64-character label', withGroup({ fqdns: [`${'a'.repeat(64)}.com`] })],
  ['a non-ASCII name', withGroup({ fqdns: ['bücher.de'] })],
  ['a Kelvin sign, which lower-cases to k', withGroup({ fqdns: ['\u212Aexample.com'] })],
  ['a rule without an id', { groups, rules: [{ from: 'a', to: 'b', action: 'allow' }] }],
  ['a rule without an action', { groups, rules: [{ id: 'r', from: 'a', to: 'b' }] }],
  ['an unknown rule key', withRule({ port: ['tcp/80'] })],
  ['an id with a space', withRule({ id: 'rule one' })],
  ['from as a number', withRule({ from: 1 })],
  ['an unknown action', withRule({ action: 'drop' })],
  ['empty ports', withRule({ ports: [] })],
  ['empty apps', withRule({ apps: [] })],
  ['an unknown transport', withRule({ ports: ['tpc/443'] })],
  ['a port with a leading zero', withRule({ ports: ['tcp/0443'] })],
  ['a port on icmp', withRule({ ports: ['icmp/8'] })],
  ['ip without a number', withRule({ ports: ['ip'] })],
  ['a port list in one string', withRule({ ports: ['tcp/80,443'] })],
  ['an application in capitals', withRule({ apps: ['TLS'] })],
  ['an application that is a number', withRule({ apps: [1] })],
];

/** Documents only checkPolicy refuses: what a JSON Schema cannot say (or says only clumsily). */
const INVALID_CHECK_ONLY: [string, unknown][] = [
  ['an unknown application (the registry decides, not the schema)', withRule({ apps: ['ssh'] })],
  ['a duplicate rule id', { groups, rules: [rule({ ports: ['tcp/1'] }), rule({ ports: ['tcp/2'] })] }],
  ['a port above 65535', withRule({ ports: ['tcp/65536'] })],
  ['a backwards range', withRule({ ports: ['tcp/200-100'] })],
  ['ip/N above 255', withRule({ ports: ['ip/256'] })],
  ['ip/6 (write tcp)', withRule({ ports: ['ip/6'] })],
  ['an IPv4 prefix above 32', withGroup({ cidrs: ['10.0.0.0/33'] })],
  ['an IPv6 prefix above 128', withGroup({ cidrs: ['fd00::/129'] })],
  ['an IPv4 octet above 255', withGroup({ cidrs: ['10.0.0.256'] })],
  ['malformed IPv6', withGroup({ cidrs: ['1:2:3:4:5:6:7:8:9'] })],
  ['a name over 253 characters', withGroup({ fqdns: [Array.from({ length: 5 }, () => 'a'.repeat(50)).join('.')] })],
];

describe('schema/netsieve-policy.schema.json', () => {
  it('compiles in ajv strict mode and lists the same modes as the types', () => {
    const { schema } = validator();
    const props = schema.properties as Record<string, { enum?: string[] }>;
    expect(props.mode!.enum).toEqual([...POLICY_MODES]);
    expect(props.default!.enum).toEqual(['allow', 'deny']);
  });

  it('accepts every example in examples/policy/, which checkPolicy passes without errors', () => {
    const { ajv, validate } = validator();
    const files = fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const doc = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8')) as unknown;
      expect(validate(doc), `${f}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      const errors = checkPolicy(doc).problems.filter((p) => p.severity === 'error');
      expect(errors, f).toEqual([]);
    }
  });

  it.each(VALID)('both accept: %s', (_name, doc) => {
    const { ajv, validate } = validator();
    expect(validate(doc), ajv.errorsText(validate.errors)).toBe(true);
    expect(checkPolicy(doc).policy).not.toBeNull();
  });

  it.each(INVALID_BOTH)('both refuse: %s', (_name, doc) => {
    const { validate } = validator();
    expect(validate(doc)).toBe(false);
    expect(checkPolicy(doc).policy).toBeNull();
  });

  it.each(INVALID_CHECK_ONLY)('only checkPolicy refuses: %s', (_name, doc) => {
    const { ajv, validate } = validator();
    expect(validate(doc), ajv.errorsText(validate.errors)).toBe(true);
    expect(checkPolicy(doc).policy).toBeNull();
  });
});
