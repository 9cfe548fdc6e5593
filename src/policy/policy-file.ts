/**
 * A policy document checked and parsed into the form the policy stage runs (`ParsedPolicy`). Every problem
 * comes back at its JSON path (`$.rules[2].ports[0]`) so that `netsieve policy check` and `engine.setPolicy()`
 * can point at the exact entry; nothing here throws on any input except `parsePolicy` and `readPolicyFile`,
 * which throw `NS_ERR_POLICY` by contract. The grammar of each field is written down in
 * `schema/netsieve-policy.schema.json`; what a schema cannot say (known applications, port ranges, duplicate ids,
 * shadowed rules) is checked here only.
 */
import { readFileSync } from 'node:fs';
import { parseAddress } from '../decode/address.js';
import { NetsieveError } from '../errors.js';
import { PROTOCOLS } from '../protocols/registry.js';
import { type Cidr, formatCidr, parseCidrDetail, quote } from './cidr.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { POLICY_MODES, type PolicyAction, type PolicyMode, type PolicyProblem } from './types.js';

export type { Cidr } from './cidr.js';

/** An `fqdns` entry. */
export interface FqdnPattern {
  /** Lower case, without a trailing dot and without the `*.`. */
  name: string;
  /** Written as `*.name`: any subdomain of `name`, not `name` itself. */
  wildcard: boolean;
  /** The entry as written. */
  text: string;
}

/** A `ports` entry. */
export interface PortRange {
  /** IP protocol number: tcp 6, udp 17, sctp 132, icmp 1, icmpv6 58, `ip/N` N. */
  proto: number;
  /** The server port range; 0..65535 when the entry names no port (`tcp`, `icmp`, `ip/47`). */
  lo: number;
  hi: number;
  /** The entry as written. */
  text: string;
}

export interface ParsedGroup {
  name: string;
  /** Without duplicates; host bits cleared. */
  cidrs: Cidr[];
  /** Without duplicates. */
  fqdns: FqdnPattern[];
}

export interface ParsedRule {
  id: string;
  /** Position in the document's `rules`. */
  index: number;
  from: string;
  to: string;
  /** null: any transport and port. */
  ports: PortRange[] | null;
  /** null: any application, even one never identified. */
  apps: string[] | null;
  action: PolicyAction;
}

export interface ParsedPolicy {
  mode: PolicyMode;
  defaultAction: PolicyAction;
  groups: Map<string, ParsedGroup>;
  rules: ParsedRule[];
}

export interface CheckOptions {
  /** Application names `apps` may use. Default: the registered protocols (`http`, `tls`, `dns`, ...). */
  knownApps?: readonly string[];
}

/** Group names and rule ids: what fits in an EVE field, a file name and a shell argument without quoting. */
export const POLICY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}$/;
const NAME_RULE = 'a letter or digit, then letters, digits and _ . : @ / - (128 characters at most)';

const TOP_KEYS = ['$schema', 'mode', 'default', 'groups', 'rules', 'comment'];
const GROUP_KEYS = ['cidrs', 'fqdns', 'comment'];
const RULE_KEYS = ['id', 'from', 'to', 'ports', 'apps', 'action', 'comment'];
const ACTIONS: readonly PolicyAction[] = ['allow', 'deny'];

/** Transports a `ports` entry names, with their IP protocol numbers. A Map: `constructor` is not a transport. */
const TRANSPORTS = new Map<string, number>([
  ['tcp', 6],
  ['udp', 17],
  ['sctp', 132],
  ['icmp', 1],
  ['icmpv6', 58],
]);
/** Transports without ports: ICMP has types and codes, not ports, and `ip/N` is any other protocol as a whole. */
const PORTLESS = new Set([1, 58]);

/** The application names netsieve identifies from content (the protocol registry). */
export function defaultKnownApps(): string[] {
  return PROTOCOLS.map((m) => m.name);
}

// ---- paths and values ----

/** `$.groups.web` for a name JavaScript could write after a dot, `$.groups["odd name"]` otherwise. */
export function memberPath(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What a value is, for "must be X, not Y" messages. */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${quote(v)}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'function') return 'a function';
  return `${typeof v === 'number' ? 'the number' : 'the value'} ${String(v)}`;
}

/** Collects problems in document order. */
class Problems {
  readonly list: PolicyProblem[] = [];
  errors = 0;
  error(path: string, message: string): void {
    this.list.push({ path, severity: 'error', message });
    this.errors++;
  }
  warning(path: string, message: string): void {
    this.list.push({ path, severity: 'warning', message });
  }
  /** An unknown key is an error rather than ignored: a misspelt `fqnds` would otherwise silently match nothing. */
  keys(obj: Record<string, unknown>, allowed: readonly string[], path: string, what: string): void {
    for (const k of Object.keys(obj))
      if (!allowed.includes(k))
        this.error(memberPath(path, k), `unknown key ${quote(k)} in ${what}: the keys are ${allowed.join(', ')}`);
  }
  comment(obj: Record<string, unknown>, path: string): void {
    if (obj.comment !== undefined && typeof obj.comment !== 'string')
      this.error(memberPath(path, 'comment'), `comment must be a string, not ${kind(obj.comment)}`);
  }
}

// ---- entries ----

/**
 * Parses one `fqdns` entry. Returns the pattern and, for a wildcard over a single label (`*.com`), a warning;
 * or the error message. Names follow RFC 1035 §2.3.1 loosened by RFC 2181 §11 for `_` (service names such as
 * `_dmarc.example.com` appear in real DNS answers).
 */
export function parseFqdn(text: unknown): { pattern: FqdnPattern; warning: string | null } | string {
  if (typeof text !== 'string') return `a name must be a string, not ${kind(text)}`;
  // Before lower-casing: toLowerCase maps some non-ASCII letters to ASCII (the Kelvin sign to "k"), which would
  // let a look-alike name through as another.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is every non-ASCII character
  if (/[^\x00-\x7f]/.test(text)) return `${quote(text)} is not ASCII: write an internationalized name in its xn-- form`;
  let name = text.toLowerCase();
  // One trailing dot is the DNS root ("github.com."); people copy names from zone files and dig with it.
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === '') return 'an empty name';
  const wildcard = name.startsWith('*.');
  if (wildcard) name = name.slice(2);
  if (name.includes('*'))
    return name === '*' || text === '*' || text === '*.'
      ? '"*" alone would match every name; write the names, or "*.example.com" for every subdomain'
      : `"*" is allowed only once, as the whole leftmost label ("*.example.com"), not in ${quote(text)}`;
  if (name === '') return '"*." needs a name after it ("*.example.com")';
  // Only text that could be an address is parsed as one (a name check per entry of a 10,000-name policy adds up).
  if (
    (name.includes(':') || /^[0-9./]+$/.test(name)) &&
    (parseAddress(name, new Uint32Array(4)) !== 0 || typeof parseCidrDetail(name) !== 'string')
  )
    return `${quote(text)} is an IP address, not a name: put it in cidrs`;
  const full = wildcard ? `*.${name}` : name;
  if (full.length > 253) return `the name is ${full.length} characters long; a DNS name has 253 at most`;
  const labels = name.split('.');
  for (const label of labels) {
    if (label === '') return `${quote(text)} has an empty label (two dots in a row, or a leading dot)`;
    if (label.length > 63) return `the label ${quote(label)} is ${label.length} characters long; 63 at most`;
    if (!/^[a-z0-9_-]+$/.test(label))
      return `${quote(text)} has a character a DNS name cannot have: letters, digits, _ and - only, labels separated by dots (write an internationalized name in its xn-- form)`;
    if (label.startsWith('-') || label.endsWith('-')) return `the label ${quote(label)} starts or ends with "-"`;
  }
  const last = labels[labels.length - 1]!;
  // RFC 3696 §2: no top-level domain is all digits, so such a "name" is a mistyped address.
  if (/^[0-9]+$/.test(last))
    return `${quote(text)} ends in the all-digit label ${quote(last)}: no top-level domain is (an address? put it in cidrs)`;
  const warning = wildcard && labels.length === 1 ? `"${text}" matches every .${name} name` : null;
  return { pattern: { name, wildcard, text }, warning };
}

/**
 * Parses one `ports` entry: `tcp/443`, `udp/53`, `tcp/8000-8100`, `tcp`, `sctp/2905`, `icmp`, `icmpv6`, `ip/47`
 * (transport names in any case). Numbers are decimal without leading zeros, as in the schema.
 */
export function parsePort(text: unknown): PortRange | string {
  if (typeof text !== 'string') return `a port must be a string like "tcp/443", not ${kind(text)}`;
  const slash = text.indexOf('/');
  const transport = (slash < 0 ? text : text.slice(0, slash)).toLowerCase();
  const arg = slash < 0 ? null : text.slice(slash + 1);
  if (transport === 'ip') {
    if (arg === null) return '"ip" needs a protocol number: "ip/47"';
    if (!/^(0|[1-9][0-9]{0,2})$/.test(arg) || Number(arg) > 255)
      return `${quote(text)}: ip/N takes an IP protocol number from 0 to 255`;
    const proto = Number(arg);
    // One spelling per protocol, so that a rule's ports read the same everywhere and ports can be given.
    for (const [name, n] of TRANSPORTS)
      if (n === proto) return `ip/${proto} is ${name}: write "${name}"${PORTLESS.has(n) ? '' : ` or "${name}/PORT"`}`;
    return { proto, lo: 0, hi: 65535, text };
  }
  const proto = TRANSPORTS.get(transport);
  if (proto === undefined)
    return `unknown transport ${quote(slash < 0 ? text : text.slice(0, slash))}: write tcp, udp, sctp, icmp, icmpv6 or ip/N`;
  if (arg === null) return { proto, lo: 0, hi: 65535, text };
  if (PORTLESS.has(proto)) return `${transport} has no ports: write "${transport}" alone`;
  const m = /^(0|[1-9][0-9]{0,4})(?:-(0|[1-9][0-9]{0,4}))?$/.exec(arg);
  if (m === null) return `${quote(arg)} is not a port or a range of ports ("${transport}/443", "${transport}/8000-8100")`;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo > 65535 || hi > 65535) return `port ${Math.max(lo, hi)} is more than 65535`;
  if (lo > hi) return `the range ${lo}-${hi} is backwards: write ${hi}-${lo}`;
  return { proto, lo, hi, text };
}

/** A list field: absent (undefined), or an array (with `nonEmpty`, at least one entry); reports otherwise. */
function list(p: Problems, obj: Record<string, unknown>, key: string, path: string, nonEmpty: boolean): unknown[] | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) {
    p.error(memberPath(path, key), `${key} must be an array, not ${kind(v)}`);
    return undefined;
  }
  // An empty list in a rule would match nothing, which is never what a person writing it meant: leave the key out for "any".
  if (nonEmpty && v.length === 0) p.error(memberPath(path, key), `${key} is empty: leave it out to match any`);
  return v;
}

function parseGroup(p: Problems, name: string, spec: unknown, path: string): ParsedGroup | null {
  const before = p.errors;
  if (!POLICY_NAME_PATTERN.test(name)) p.error(path, `group name ${quote(name)} must be ${NAME_RULE}`);
  if (!isObject(spec)) {
    p.error(path, `group ${quote(name)} must be an object with cidrs and/or fqdns, not ${kind(spec)}`);
    return null;
  }
  p.keys(spec, GROUP_KEYS, path, `group ${quote(name)}`);
  p.comment(spec, path);
  const cidrs: Cidr[] = [];
  const seenCidrs = new Map<string, number>();
  const rawCidrs = list(p, spec, 'cidrs', path, false) ?? [];
  const cidrsPath = memberPath(path, 'cidrs');
  for (const [i, entry] of rawCidrs.entries()) {
    const at = `${cidrsPath}[${i}]`;
    if (typeof entry !== 'string') {
      p.error(at, `a CIDR must be a string like "10.0.0.0/24", not ${kind(entry)}`);
      continue;
    }
    const r = parseCidrDetail(entry);
    if (typeof r === 'string') {
      p.error(at, r);
      continue;
    }
    const network = formatCidr(r.cidr);
    if (r.hostBits) p.warning(at, `"${entry}" has host bits set: the network ${network} is used`);
    const first = seenCidrs.get(network);
    if (first !== undefined) {
      p.warning(at, `"${entry}" is the same block as cidrs[${first}]`);
      continue;
    }
    seenCidrs.set(network, i);
    cidrs.push(r.cidr);
  }
  const fqdns: FqdnPattern[] = [];
  const seenNames = new Map<string, number>();
  const rawFqdns = list(p, spec, 'fqdns', path, false) ?? [];
  const fqdnsPath = memberPath(path, 'fqdns');
  for (const [i, entry] of rawFqdns.entries()) {
    const at = `${fqdnsPath}[${i}]`;
    const r = parseFqdn(entry);
    if (typeof r === 'string') {
      p.error(at, r);
      continue;
    }
    if (r.warning !== null) p.warning(at, r.warning);
    const key = r.pattern.wildcard ? `*.${r.pattern.name}` : r.pattern.name;
    const first = seenNames.get(key);
    if (first !== undefined) {
      p.warning(at, `"${r.pattern.text}" is the same name as fqdns[${first}]`);
      continue;
    }
    seenNames.set(key, i);
    fqdns.push(r.pattern);
  }
  // Allowed (the caller may fill the group with engine.setGroups), but usually a forgotten list. Not said when a
  // list was refused: that error is the news.
  const none = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);
  if (none(spec.cidrs) && none(spec.fqdns))
    p.warning(path, `group ${quote(name)} has no cidrs and no fqdns: it matches nothing unless given at run time by setGroups`);
  return p.errors === before ? { name, cidrs, fqdns } : null;
}

interface RuleContext {
  groupNames: ReadonlySet<string>;
  knownApps: readonly string[];
  /** Rule id → index of the rule that has it first. */
  ids: Map<string, number>;
}

function parseRule(p: Problems, raw: unknown, index: number, ctx: RuleContext): ParsedRule | null {
  const path = `$.rules[${index}]`;
  const before = p.errors;
  if (!isObject(raw)) {
    p.error(path, `a rule must be an object with id, from, to and action, not ${kind(raw)}`);
    return null;
  }
  p.keys(raw, RULE_KEYS, path, 'a rule');
  p.comment(raw, path);
  const name = (key: 'id' | 'from' | 'to'): string | null => {
    const v = raw[key];
    if (v === undefined) {
      p.error(path, `the rule has no ${key}`);
      return null;
    }
    if (typeof v !== 'string') {
      p.error(memberPath(path, key), `${key} must be a string, not ${kind(v)}`);
      return null;
    }
    if (!POLICY_NAME_PATTERN.test(v)) {
      p.error(memberPath(path, key), `${key} ${quote(v)} must be ${NAME_RULE}`);
      return null;
    }
    return v;
  };
  const id = name('id');
  if (id !== null) {
    const first = ctx.ids.get(id);
    if (first !== undefined) p.error(`${path}.id`, `duplicate id "${id}": rules[${first}] has it already`);
    else ctx.ids.set(id, index);
  }
  const from = name('from');
  const to = name('to');
  for (const [key, group] of [
    ['from', from],
    ['to', to],
  ] as const) {
    // A warning, not an error: the caller may give the group at run time (engine.setGroups, labels of workloads).
    if (group !== null && !ctx.groupNames.has(group))
      p.warning(
        `${path}.${key}`,
        `group "${group}" is not defined in this file: it matches nothing unless engine.setGroups gives it`,
      );
  }

  let ports: PortRange[] | null = null;
  const rawPorts = list(p, raw, 'ports', path, true);
  if (rawPorts !== undefined) {
    ports = [];
    const seen = new Map<string, number>();
    for (const [i, entry] of rawPorts.entries()) {
      const at = `${path}.ports[${i}]`;
      const r = parsePort(entry);
      if (typeof r === 'string') {
        p.error(at, r);
        continue;
      }
      const key = `${r.proto}/${r.lo}-${r.hi}`;
      const first = seen.get(key);
      if (first !== undefined) {
        p.warning(at, `"${r.text}" is the same as ports[${first}]`);
        continue;
      }
      seen.set(key, i);
      ports.push(r);
    }
  }

  let apps: string[] | null = null;
  const rawApps = list(p, raw, 'apps', path, true);
  if (rawApps !== undefined) {
    apps = [];
    for (const [i, entry] of rawApps.entries()) {
      const at = `${path}.apps[${i}]`;
      if (typeof entry !== 'string') {
        p.error(at, `an application must be a string like "tls", not ${kind(entry)}`);
        continue;
      }
      if (!ctx.knownApps.includes(entry)) {
        p.error(at, `unknown application ${quote(entry)}: the known ones are ${ctx.knownApps.join(', ')}`);
        continue;
      }
      const first = apps.indexOf(entry);
      if (first >= 0) {
        p.warning(at, `"${entry}" is listed twice`);
        continue;
      }
      apps.push(entry);
    }
  }

  let action: PolicyAction | null = null;
  if (raw.action === undefined) p.error(path, 'the rule has no action (allow or deny)');
  else if (typeof raw.action !== 'string' || !(ACTIONS as readonly string[]).includes(raw.action))
    p.error(`${path}.action`, `action must be allow or deny, not ${kind(raw.action)}`);
  else action = raw.action as PolicyAction;

  if (p.errors !== before || id === null || from === null || to === null || action === null) return null;
  return { id, index, from, to, ports, apps, action };
}

/**
 * Warns when an earlier rule makes `later` unreachable: same `from` and `to`, and the earlier one has no `ports`
 * and no `apps`, so it decides every flow the later one would. Only this simple case: overlapping CIDRs or port
 * ranges are left alone, as they are often intended (narrow denies before a broad allow).
 */
/**
 * Warns about a rule that an earlier one always decides first: same from and to, and the earlier has no
 * ports and no apps. `catchAll` holds the first such earlier rule per (from, to), so the check is one lookup.
 */
function checkShadowed(p: Problems, catchAll: Map<string, ParsedRule>, later: ParsedRule): void {
  const key = `${later.from}\u0000${later.to}`;
  const earlier = catchAll.get(key);
  if (earlier !== undefined)
    p.warning(
      `$.rules[${later.index}]`,
      `never matches: rule ${earlier.index} ("${earlier.id}") decides every flow from "${later.from}" to "${later.to}" first`,
    );
  else if (later.ports === null && later.apps === null) catchAll.set(key, later);
}

/**
 * Checks a policy document (any value: what JSON.parse gave, or an object built in code). `policy` is null
 * exactly when a problem is an error; warnings leave a usable policy.
 */
export function checkPolicy(
  doc: unknown,
  options: CheckOptions = {},
): { policy: ParsedPolicy | null; problems: PolicyProblem[] } {
  const p = new Problems();
  if (!isObject(doc)) {
    p.error('$', `a policy must be a JSON object ({"groups": ..., "rules": [...]}), not ${kind(doc)}`);
    return { policy: null, problems: p.list };
  }
  p.keys(doc, TOP_KEYS, '$', 'a policy');
  p.comment(doc, '$');
  if (doc.$schema !== undefined && typeof doc.$schema !== 'string')
    p.error('$.$schema', `$schema must be a string, not ${kind(doc.$schema)}`);

  let mode: PolicyMode = 'monitor';
  if (doc.mode !== undefined) {
    if (typeof doc.mode === 'string' && (POLICY_MODES as readonly string[]).includes(doc.mode)) mode = doc.mode as PolicyMode;
    else p.error('$.mode', `mode must be one of ${POLICY_MODES.join(', ')}, not ${kind(doc.mode)}`);
  }
  let defaultAction: PolicyAction = 'deny';
  if (doc.default !== undefined) {
    if (typeof doc.default === 'string' && (ACTIONS as readonly string[]).includes(doc.default))
      defaultAction = doc.default as PolicyAction;
    else p.error('$.default', `default must be allow or deny, not ${kind(doc.default)}`);
  }

  const groups = new Map<string, ParsedGroup>();
  const groupNames = new Set<string>();
  if (doc.groups !== undefined) {
    if (!isObject(doc.groups)) p.error('$.groups', `groups must be an object of named groups, not ${kind(doc.groups)}`);
    else
      for (const [name, spec] of Object.entries(doc.groups)) {
        groupNames.add(name);
        const g = parseGroup(p, name, spec, memberPath('$.groups', name));
        if (g !== null) groups.set(name, g);
      }
  }

  const rules: ParsedRule[] = [];
  if (doc.rules !== undefined) {
    if (!Array.isArray(doc.rules)) p.error('$.rules', `rules must be an array, not ${kind(doc.rules)}`);
    else {
      const ctx: RuleContext = { groupNames, knownApps: options.knownApps ?? defaultKnownApps(), ids: new Map() };
      const catchAll = new Map<string, ParsedRule>();
      // entries(), not forEach: a hole in an array built in code is reported, not skipped.
      for (const [i, raw] of doc.rules.entries()) {
        const r = parseRule(p, raw, i, ctx);
        if (r === null) continue;
        checkShadowed(p, catchAll, r);
        rules.push(r);
      }
    }
  }
  return { policy: p.errors > 0 ? null : { mode, defaultAction, groups, rules }, problems: p.list };
}

/** The parsed policy, or NS_ERR_POLICY listing every error ("path: message"); warnings are dropped. */
export function parsePolicy(doc: unknown, options: CheckOptions = {}): ParsedPolicy {
  const { policy, problems } = checkPolicy(doc, options);
  if (policy !== null) return policy;
  const errors = problems.filter((x) => x.severity === 'error');
  throw new NetsieveError(
    'NS_ERR_POLICY',
    `the policy has ${errors.length} error${errors.length === 1 ? '' : 's'}: ${errors.map((x) => `${x.path}: ${x.message}`).join('; ')}`,
  );
}

/**
 * Reads a policy file and parses its JSON (not checked: pass the value to checkPolicy or parsePolicy).
 * NS_ERR_POLICY, with the file name, when it cannot be read or is not JSON (then with the line and column).
 */
export function readPolicyFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new NetsieveError('NS_ERR_POLICY', `cannot read the policy file: ${(e as Error).message}`, { file: path });
  }
  // Editors on Windows may save UTF-8 with a byte order mark, which JSON.parse refuses.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const at = findJsonSyntaxError(text);
    const where = at === null ? '' : `line ${at.line}, column ${at.column}: `;
    throw new NetsieveError('NS_ERR_POLICY', `${where}not valid JSON: ${at?.message ?? (e as Error).message}`, { file: path });
  }
}
