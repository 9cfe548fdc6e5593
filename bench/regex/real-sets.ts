/**
 * Real rule sets, generated sets and inputs for the regex engine's differential tests and benchmarks against
 * native Hyperscan (test/regex/rule-sets.test.ts, bench/regex.bench.ts).
 *
 * Third-party rules are read at run time from where the caller says (the shared folder's `crs/` and
 * `gitleaks/`, see test/support/corpus.ts); nothing of them is copied into the repository.
 *
 * - `crsRxPatterns(dir)`: every `@rx` operand of the OWASP Core Rule Set's `<dir>/rules/*.conf`.
 * - `gitleaksPatterns(dir)`: every rule's `regex` of `<dir>/*.toml` (gitleaks' configuration).
 * - `boundedRepeatSet()`, `randomSet()`, `generatedRules()`: seeded generated sets.
 * - `httpInput()`, `randomInput()`, `adversarialInput()`: what they are scanned on.
 *
 * Every set keeps only the patterns native Hyperscan 5.4 compiles on its own in block and stream mode
 * (checked once per process with bench/regex/hyperscan-harness.c `--check`), and lists the others with
 * Hyperscan's reason; without native Hyperscan the set is unchecked and says why (`checked`).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { httpCorpus, randomCorpus } from './corpus.js';
import { hyperscanHarness, hyperscanRefusals } from './hyperscan.js';
import { Rng } from './prng.js';

export interface RulePattern {
  /** The id reported with each match: the pattern's position in its set, from 1. */
  id: number;
  /** Where it comes from: the CRS rule id (`942190`, `920120/chain1` for a chained rule), a gitleaks rule id. */
  rule: string;
  /** Hyperscan PCRE syntax. */
  expression: string;
  /** Hyperscan flag letters. */
  flags: string;
}

export interface RefusedPattern {
  rule: string;
  expression: string;
  flags: string;
  /** Why it is not in the set: Hyperscan's compile error, or why the extraction left it out. */
  reason: string;
}

export interface RuleSet {
  name: string;
  patterns: RulePattern[];
  refused: RefusedPattern[];
  /** True when native Hyperscan checked every pattern; else why it could not. */
  checked: true | string;
}

interface Extracted {
  rule: string;
  expression: string;
  /** Set when the extraction itself refuses the operand. */
  reason?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// CRS

/**
 * The flags CRS's regexes are matched with. ModSecurity v2 (CRS's reference engine) compiles every `@rx`
 * operand with PCRE_DOTALL | PCRE_DOLLAR_ENDONLY and no other option; libmodsecurity v3 and Coraza also
 * make `.` match a newline. Hence `s`: request bodies and headers scanned as bytes contain newlines, and
 * `.*?` runs across them there. What stays different: DOLLAR_ENDONLY has no Hyperscan flag, so a `$`
 * here also matches before a final `\n` of the data (only data that ends in a newline can tell), and
 * ModSecurity applies the regex to each variable (one header, one argument) while a byte-oriented matcher
 * sees the whole message, so `^`/`$` anchor at the data's ends rather than a value's. Caseless and other
 * modes stay in the patterns' own inline flags (`(?i)`), as CRS writes them.
 */
export const CRS_FLAGS = 's';

/** SecRule directives of one .conf file's text: the `@rx` operands with their rule ids. */
export function parseCrsRules(text: string): Extracted[] {
  // A line ending in a backslash continues on the next one (Apache's configuration syntax).
  const logical = text.replace(/\\\r?\n/g, '').split(/\r?\n/);
  const out: Extracted[] = [];
  let chainParent: string | null = null;
  let chainIndex = 0;
  for (const line of logical) {
    const trimmed = line.trimStart();
    if (!trimmed.startsWith('SecRule ') && !trimmed.startsWith('SecRule\t')) continue;
    const args = directiveArguments(trimmed.slice('SecRule'.length));
    const operator = args[1];
    const actions = args[2] ?? '';
    if (operator === undefined) continue;
    const id = /(?:^|[,\s])id:'?(\d+)/.exec(actions)?.[1];
    let rule: string;
    if (chainParent !== null) {
      chainIndex++;
      rule = `${chainParent}/chain${chainIndex}`;
    } else {
      rule = id ?? '?';
      chainIndex = 0;
    }
    // A rule with the `chain` action continues in the next SecRule, which has no id of its own.
    const chains = /(?:^|,)\s*chain\s*(?:,|$)/.test(actions);
    if (chainParent === null && chains) chainParent = rule;
    else if (chainParent !== null && !chains) chainParent = null;

    let op = operator.startsWith('!') ? operator.slice(1) : operator;
    if (op.startsWith('@')) {
      // Always matches (op starts with @); `\S*` so that a bare `@` is no crash.
      const name = /^@(\S*)/.exec(op)![1]!;
      if (name !== 'rx') continue;
      op = op.slice(name.length + 1).replace(/^\s+/, '');
    }
    // An operator without `@` is @rx (ModSecurity's default operator).
    if (op.includes('%{')) out.push({ rule, expression: op, reason: 'macro expansion (%{...}): the regex is built at run time' });
    else if (op === '') out.push({ rule, expression: op, reason: 'empty operand' });
    else out.push({ rule, expression: op });
  }
  return out;
}

/**
 * A directive's arguments: bare words, or double-quoted strings in which `\"` stands for `"` (the only
 * escape Apache's configuration parser resolves; CRS writes a backslash as `\x5c` for that reason).
 */
function directiveArguments(s: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    let arg = '';
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && s[i + 1] === '"') {
          arg += '"';
          i += 2;
        } else arg += s[i++];
      }
      i++;
    } else {
      while (i < s.length && !/\s/.test(s[i]!)) arg += s[i++];
    }
    args.push(arg);
  }
  return args;
}

/** The CRS `@rx` set of `<dir>/rules/*.conf`, files in name order, with `CRS_FLAGS` (or `flags`). */
export function crsRxPatterns(dir: string, flags = CRS_FLAGS): RuleSet {
  const rulesDir = path.join(dir, 'rules');
  const files = fs
    .readdirSync(rulesDir)
    .filter((f) => f.endsWith('.conf'))
    .sort();
  const extracted = files.flatMap((f) => parseCrsRules(fs.readFileSync(path.join(rulesDir, f), 'utf8')));
  return checkedSet('CRS @rx', extracted, flags);
}

// ---------------------------------------------------------------------------------------------------------------
// gitleaks

/**
 * The flags of gitleaks' regexes: none. Gitleaks compiles them with Go's regexp (RE2 syntax, its defaults:
 * `.` does not match `\n`, `^`/`$` at the text's ends), the same as PCRE's and Hyperscan's defaults except that
 * Hyperscan's `$` also matches before a final newline; modes the rules need are inline (`(?i)`).
 */
export const GITLEAKS_FLAGS = '';

/** The `[[rules]]` tables of a gitleaks TOML file: each rule's `regex`, with its `id`. */
export function parseGitleaksToml(text: string): Extracted[] {
  const out: Extracted[] = [];
  let inRule = false;
  let id: string | null = null;
  let regex: string | null = null;
  const flush = () => {
    if (inRule && regex !== null) out.push({ rule: id ?? '?', expression: regex });
    id = null;
    regex = null;
  };
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/.exec(line);
    if (header !== null) {
      // A sub-table (`[[rules.allowlists]]`) belongs to the rule above it, but its keys are not the rule's.
      flush();
      inRule = header[1] === 'rules';
      continue;
    }
    if (!inRule) continue;
    const kv = /^\s*(id|regex)\s*=\s*(.*)$/.exec(line);
    if (kv === null) continue;
    let value = kv[2]!;
    // A multi-line string runs on until its closing delimiter.
    for (const delim of ["'''", '"""']) {
      if (value.startsWith(delim) && value.indexOf(delim, 3) < 0) {
        while (n + 1 < lines.length && value.indexOf(delim, 3) < 0) value += `\n${lines[++n]!}`;
      }
    }
    const s = tomlString(value);
    if (kv[1] === 'id') id = s;
    else regex = s;
  }
  flush();
  return out;
}

/** A TOML string value (literal `'…'`, `'''…'''`, or basic `"…"`, `"""…"""` with escapes) at the start of `v`. */
export function tomlString(v: string): string {
  for (const delim of ["'''", '"""']) {
    if (v.startsWith(delim)) {
      const end = v.indexOf(delim, 3);
      if (end < 0) throw new Error(`unterminated TOML string: ${v.slice(0, 40)}`);
      // A newline right after the opening delimiter is not part of the string.
      const body = v.slice(3, end).replace(/^\r?\n/, '');
      return delim === "'''" ? body : tomlUnescape(body.replace(/\\\r?\n\s*/g, ''));
    }
  }
  if (v.startsWith("'")) {
    const end = v.indexOf("'", 1);
    if (end < 0) throw new Error(`unterminated TOML string: ${v.slice(0, 40)}`);
    return v.slice(1, end);
  }
  if (v.startsWith('"')) {
    let i = 1;
    while (i < v.length && v[i] !== '"') i += v[i] === '\\' ? 2 : 1;
    if (i >= v.length) throw new Error(`unterminated TOML string: ${v.slice(0, 40)}`);
    return tomlUnescape(v.slice(1, i));
  }
  throw new Error(`not a TOML string: ${v.slice(0, 40)}`);
}

const TOML_ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };

function tomlUnescape(s: string): string {
  return s.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (_, e: string) => {
    if (e.length > 1) return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
    const c = TOML_ESCAPES[e];
    if (c === undefined) throw new Error(`invalid TOML escape \\${e}`);
    return c;
  });
}

/** The gitleaks set: every rule's `regex` in `<dir>/*.toml`, files in name order, with `GITLEAKS_FLAGS`. */
export function gitleaksPatterns(dir: string, flags = GITLEAKS_FLAGS): RuleSet {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.toml'))
    .sort();
  const extracted = files.flatMap((f) => parseGitleaksToml(fs.readFileSync(path.join(dir, f), 'utf8')));
  return checkedSet('gitleaks', extracted, flags);
}

// ---------------------------------------------------------------------------------------------------------------
// The Hyperscan check

const checkCache = new Map<string, Map<number, string>>();

/**
 * `hyperscanRefusals`, once per pattern list and harness build: kept in memory and in the temp directory
 * (the CRS check compiles ~320 patterns one by one, ~20 s), named by a hash of both.
 */
function refusalsOnce(binary: string, probe: { id: number; expression: string; flags: string }[]): Map<number, string> {
  const key = createHash('sha256').update(binary).update(JSON.stringify(probe)).digest('hex').slice(0, 24);
  const hit = checkCache.get(key);
  if (hit !== undefined) return hit;
  const file = path.join(os.tmpdir(), `netsieve-hs-check-${key}.json`);
  let reasons: Map<number, string>;
  try {
    reasons = new Map(JSON.parse(fs.readFileSync(file, 'utf8')) as [number, string][]);
  } catch {
    reasons = hyperscanRefusals(probe);
    // Written under a private name and renamed: parallel test workers may check the same set.
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, JSON.stringify([...reasons]));
    fs.renameSync(partial, file);
  }
  checkCache.set(key, reasons);
  return reasons;
}

/** Numbers the extracted patterns and keeps those native Hyperscan compiles (see the module comment). */
function checkedSet(name: string, extracted: readonly Extracted[], flags: string): RuleSet {
  const refused: RefusedPattern[] = [];
  const candidates: RulePattern[] = [];
  for (const e of extracted) {
    if (e.reason !== undefined) refused.push({ rule: e.rule, expression: e.expression, flags, reason: e.reason });
    // The harness's pattern file is line-based: a pattern with a line break or NUL cannot be checked.
    else if (/[\n\r\0]/.test(e.expression))
      refused.push({ rule: e.rule, expression: e.expression, flags, reason: 'a line break or NUL in the expression' });
    else candidates.push({ id: 0, rule: e.rule, expression: e.expression, flags });
  }
  return keepCompilable(name, candidates, refused);
}

function keepCompilable(name: string, candidates: readonly RulePattern[], refused: RefusedPattern[]): RuleSet {
  const h = hyperscanHarness();
  let reasons: Map<number, string> | null = null;
  let checked: true | string = true;
  if (!h.ok) checked = `native Hyperscan unavailable (${h.hint}): ${h.reason}`;
  else {
    const probe = candidates.map((c, i) => ({ id: i, expression: c.expression, flags: c.flags }));
    reasons = refusalsOnce(h.binary, probe);
  }
  const patterns: RulePattern[] = [];
  candidates.forEach((c, i) => {
    const why = reasons?.get(i);
    if (why !== undefined) refused.push({ rule: c.rule, expression: c.expression, flags: c.flags, reason: why });
    else patterns.push({ ...c, id: patterns.length + 1 });
  });
  return { name, patterns, refused, checked };
}

// ---------------------------------------------------------------------------------------------------------------
// Generated sets

/** Words of the generated sets: what WAF and DLP rules look for, so that HTTP-like text holds some. */
const WORDS = [
  'union',
  'select',
  'from',
  'where',
  'script',
  'iframe',
  'src',
  'onerror',
  'eval',
  'exec',
  'alert',
  'document',
  'cookie',
  'passwd',
  'token',
  'secret',
  'password',
  'admin',
  'login',
  'session',
  'key',
  'api',
  'user',
  'http',
  'json',
  'get',
  'post',
  'cmd',
  'bash',
  'wget',
  'curl',
  'base64',
  'id',
  'data',
  'value',
  'name',
];

/** The kinds of bounded repeat the generated set is made of (the DFA-exploding shapes of real rules). */
const BOUNDS = [8, 16, 24, 32, 50, 64, 100, 128, 200, 256, 300];

/**
 * `n` patterns of bounded repeats, the shapes that make a DFA explode: `w1.{0,N}w2`, `w1[^>]{0,N}w2`,
 * `w\d{3,40}`, `(?:ab|cd){5,20}`, `x.{n,m}y`, with `i` and `s` flags mixed in, N up to 300. Seeded.
 */
export function boundedRepeatSet(n = 40, seed = 0xb0b0): RuleSet {
  const rng = new Rng(seed);
  const out: RulePattern[] = [];
  for (let i = 0; i < n; i++) {
    const w1 = rng.pick(WORDS);
    let w2 = rng.pick(WORDS);
    if (w2 === w1) w2 = `${w2}s`;
    const big = rng.pick(BOUNDS);
    const lo = rng.between(0, Math.min(20, big - 1));
    const flags = rng.pick(['', 'i', 's', 'is']);
    let expression: string;
    switch (i % 6) {
      case 0:
        expression = `${w1}.{0,${big}}${w2}`;
        break;
      case 1:
        expression = `${w1}[^>]{0,${big}}${w2}`;
        break;
      case 2:
        expression = `${w1}=\\d{3,${rng.between(10, 40)}}`;
        break;
      case 3:
        expression = `(?:${w1.slice(0, 2)}|${w2.slice(0, 2)}){5,${rng.between(8, 20)}}`;
        break;
      case 4:
        expression = `${w1[0]}.{${lo},${big}}${w2[0]}${w2[1]}`;
        break;
      default:
        expression = `${w1}\\s[^\\n]{${lo},${big}}\\s${w2}`;
    }
    out.push({ id: 0, rule: `bounded.${i}`, expression, flags });
  }
  return keepCompilable('bounded repeats', out, []);
}

const RANDOM_ALPHABET = 'abcxyz';

/** A random pattern of the random sets: never empty-matching at its top (it starts with a literal). */
function randomExpression(rng: Rng, depth: number): string {
  const atom = (): string => {
    switch (rng.below(depth > 2 ? 4 : 7)) {
      case 0:
      case 1:
        return rng.pick([...RANDOM_ALPHABET]);
      case 2:
        return rng.pick(['[a-c]', '[^x]', '[xyz]', '.', '\\w', '\\d', '\\s', '[^a\\n]']);
      case 3:
        return rng.chance(0.2) ? '\\B' : '\\b';
      case 4:
        return `(?:${randomExpression(rng, depth + 1)}|${randomExpression(rng, depth + 1)})`;
      default:
        return `(?:${randomExpression(rng, depth + 1)})`;
    }
  };
  const quantified = (): string => {
    const a = atom();
    if (a === '\\b' || a === '\\B') return a;
    switch (rng.below(8)) {
      case 0:
        return `${a}*`;
      case 1:
        return `${a}+`;
      case 2:
        return `${a}?`;
      case 3: {
        const lo = rng.below(4);
        // Not {0,0}: Hyperscan refuses it.
        return `${a}{${lo},${Math.max(1, lo + rng.below(depth > 0 ? 4 : 40))}}`;
      }
      default:
        return a;
    }
  };
  // At the top, anchors at either end now and then (so that `m` matters).
  let s = depth === 0 ? `${rng.chance(0.15) ? '^' : ''}${rng.pick([...RANDOM_ALPHABET])}` : '';
  for (let k = rng.between(1, 4); k > 0; k--) s += quantified();
  return depth === 0 && rng.chance(0.15) ? `${s}$` : s;
}

/**
 * `n` seeded random patterns over a small alphabet (so that random-ish text over it matches often), with
 * random flags among i s m H L.
 */
export function randomSet(n: number, seed: number): RuleSet {
  const rng = new Rng(seed);
  const out: RulePattern[] = [];
  for (let i = 0; i < n; i++) {
    let flags = '';
    for (const f of ['i', 's', 'm', 'H', 'L']) if (rng.chance(0.2)) flags += f;
    // Hyperscan refuses H with L.
    if (flags.includes('H') && flags.includes('L')) flags = flags.replace('H', '');
    out.push({ id: 0, rule: `random.${seed}.${i}`, expression: randomExpression(rng, 0), flags });
  }
  return keepCompilable(`random ${n} (seed ${seed})`, out, []);
}

/**
 * `n` rule-like patterns for compile-time figures (1,000 and 10,000): literals, caseless literals, literal
 * with a class run, alternations of words, and one in ten a bounded repeat. Ids 1..n, not Hyperscan-checked
 * (every shape compiles there).
 */
export function generatedRules(n: number, seed = 0x5e75): RulePattern[] {
  const rng = new Rng(seed);
  const out: RulePattern[] = [];
  const word = () => `${rng.pick(WORDS)}${rng.chars('abcdefghijklmnopqrstuvwxyz', rng.between(2, 6))}`;
  for (let i = 0; i < n; i++) {
    let expression: string;
    let flags = '';
    switch (rng.below(10)) {
      case 0:
      case 1:
      case 2:
        expression = word();
        break;
      case 3:
      case 4:
        expression = word();
        flags = 'i';
        break;
      case 5:
        expression = `${word()}[=:]\\s*[0-9a-f]{${rng.between(8, 40)}}`;
        break;
      case 6:
        expression = `\\b${word()}\\s+${word()}\\b`;
        flags = 'i';
        break;
      case 7:
        expression = `(?:${word()}|${word()}|${word()})\\(`;
        break;
      case 8:
        expression = `/${word()}/[\\w.-]+\\.(?:php|asp|jsp)`;
        break;
      default:
        expression = `${word()}.{0,${rng.pick(BOUNDS)}}${word()}`;
        flags = rng.pick(['', 'i', 's']);
    }
    out.push({ id: i + 1, rule: `generated.${i}`, expression, flags });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

/** HTTP/1.1 requests and responses (query strings, headers, JSON and HTML bodies): bench/regex/corpus.ts. */
export function httpInput(bytes: number, seed?: number): Uint8Array {
  return httpCorpus(bytes, seed);
}

/** Uniformly random bytes. */
export function randomInput(bytes: number, seed?: number): Uint8Array {
  return randomCorpus(bytes, seed);
}

/**
 * The literal fragments (3 bytes or more) of a pattern, in order: what must be in the data for it to get
 * anywhere. Escaped punctuation counts as literal; classes, escapes like `\s`, groups' syntax and quantified
 * characters break a fragment. An approximation (a fragment inside an optional group is not required), which
 * is all an adversarial input needs.
 */
export function literalFragments(expression: string): string[] {
  const out: string[] = [];
  let run = '';
  const end = () => {
    if (run.length >= 3) out.push(run);
    run = '';
  };
  const quantifierAt = (j: number) => j < expression.length && /[*+?{]/.test(expression[j]!);
  for (let i = 0; i < expression.length; ) {
    const c = expression[i]!;
    if (c === '\\') {
      const e = expression[i + 1] ?? '';
      if (/[^A-Za-z0-9]/.test(e) && e !== '') {
        if (quantifierAt(i + 2)) end();
        else run += e;
        i += 2;
      } else {
        end();
        i += e === 'x' ? 4 : 2;
      }
    } else if (c === '[') {
      end();
      let j = i + 1;
      if (expression[j] === '^') j++;
      if (expression[j] === ']') j++;
      while (j < expression.length && expression[j] !== ']') j += expression[j] === '\\' ? 2 : 1;
      i = j + 1;
    } else if (c === '(') {
      end();
      i++;
      if (expression[i] === '?') {
        // (?: (?i) (?i: (?= (?<name> ...: skip to the group's body or past the option group.
        const m = /^\?(?:[a-zA-Z-]*[:)]|[=!]|<[=!]|P?<[A-Za-z_]\w*>)/.exec(expression.slice(i));
        i += m !== null ? m[0].length : 1;
      }
    } else if (/[)|^$.]/.test(c)) {
      end();
      i++;
    } else if (/[*+?]/.test(c)) {
      end();
      i++;
    } else if (c === '{') {
      end();
      const close = expression.indexOf('}', i);
      i = close < 0 ? i + 1 : close + 1;
    } else {
      if (quantifierAt(i + 1)) end();
      else run += c;
      i++;
    }
  }
  end();
  return out;
}

/**
 * Input built to hurt an engine on this set: dense openers that start every bounded repeat and keep it alive.
 * Each pattern's first literal fragment (its opener, e.g. `union` for `union.{0,100}select`), then filler the
 * repeats accept (spaces, letters, digits, no `>` or newline), over and over; one time in `closeEvery` a
 * later fragment (a closer, `select`) so that some matches complete. Patterns without a fragment of three
 * bytes add nothing. Seeded; `bytes` long exactly.
 */
export function adversarialInput(
  patterns: readonly { expression: string }[],
  bytes: number,
  seed = 0xad0e,
  closeEvery = 16,
): Uint8Array {
  const rng = new Rng(seed);
  const openers: string[] = [];
  const closers: string[] = [];
  for (const p of patterns) {
    const f = literalFragments(p.expression);
    if (f.length > 0) openers.push(f[0]!);
    for (const later of f.slice(1)) closers.push(later);
  }
  if (openers.length === 0) openers.push('union ');
  const out = new Uint8Array(bytes);
  let at = 0;
  const put = (s: string) => {
    for (let k = 0; k < s.length && at < bytes; k++) out[at++] = s.charCodeAt(k) & 0xff;
  };
  while (at < bytes) {
    put(rng.pick(openers));
    put(rng.pick([' ', '=', '(', ' ', "'", '/', '']));
    if (rng.chance(0.25)) put(rng.chars('0123456789', rng.between(1, 12)));
    if (closers.length > 0 && rng.below(closeEvery) === 0) put(rng.pick(closers));
  }
  return out;
}
