/**
 * Loading rule sets: every rule of every input is parsed on its own, so one bad rule costs only itself, and
 * the result is the loaded rules plus a report of the refused ones (file, line, sid, keyword, why), as
 * Suricata's "N rules successfully loaded, M rules failed".
 *
 * Duplicates (same gid and sid) are resolved as Suricata 7 resolves them: a later rule with a higher rev
 * replaces the loaded one silently (counted in `stats.replaced`, not a failure); a later rule with the same or
 * a lower rev is refused as a `duplicate` failure ("Duplicate signature" in Suricata).
 */
import { NetsieveError } from '../../errors.js';
import { type Classtype, parseClassificationConfig } from './classification.js';
import { splitRules } from './lexer.js';
import type { Rule, RuleLocation } from './model.js';
import { findSid, type ParseContext, parseRule as parseOne } from './parser.js';
import { RuleError, type RuleErrorKind } from './rule-error.js';
import { resolveVars } from './vars.js';

/** A rules text with the name it is reported under. */
export interface RuleInput {
  path?: string;
  text: string;
}

export interface LoadOptions {
  /** Variables (`HOME_NET`, `HTTP_PORTS`, ...) over Suricata's defaults; names without `$`. */
  vars?: Readonly<Record<string, string>>;
  /** A classification.config to read over the built-in classtypes. */
  classification?: RuleInput;
  /** Most rules loaded; the rest are refused as `too-large`. Default 1,000,000. */
  maxRules?: number;
}

/** One refused rule. */
export interface RuleFailure {
  file: string;
  line: number;
  sid: number | undefined;
  kind: RuleErrorKind;
  /** The keyword at fault, when one is. */
  keyword: string | undefined;
  message: string;
}

export interface LoadStats {
  /** Rules found in the inputs (comments and blank lines aside). */
  rules: number;
  /** Rules in effect (a replaced rule is not counted). */
  loaded: number;
  failed: number;
  /** Rules replaced by a later rule with the same gid:sid and a higher rev. */
  replaced: number;
  /** Refusals by kind. */
  byKind: Partial<Record<RuleErrorKind, number>>;
  /** Refusals by reason (`unsupported keyword "lua"`...), the most frequent first. */
  byReason: [string, number][];
  /** Wall time of the load, milliseconds. */
  elapsedMs: number;
}

export interface LoadResult {
  rules: Rule[];
  failed: RuleFailure[];
  stats: LoadStats;
}

const DEFAULT_MAX_RULES = 1_000_000;

/** Builds the parse context (variables and classtypes) for a load. Throws NS_ERR_OPTION / NS_ERR_CONFIG. */
export function parseContext(options: LoadOptions = {}): ParseContext {
  let vars: Map<string, string>;
  try {
    vars = resolveVars(options.vars);
  } catch (e) {
    throw new NetsieveError('NS_ERR_OPTION', (e as Error).message);
  }
  let classtypes: Map<string, Classtype> | undefined;
  if (options.classification !== undefined)
    classtypes = parseClassificationConfig(options.classification.text, options.classification.path ?? '<classification>');
  else classtypes = parseClassificationConfig('', '<built-in>');
  return { vars, classtypes, addressCache: new Map(), portCache: new Map() };
}

/** Loads rules from texts (named `<rules N>`) or `{ path, text }` inputs. Bad rules are reported, not thrown. */
export function loadRules(inputs: string | readonly (string | RuleInput)[], options: LoadOptions = {}): LoadResult {
  const started = performance.now();
  const ctx = parseContext(options);
  const maxRules = options.maxRules ?? DEFAULT_MAX_RULES;
  const list = typeof inputs === 'string' ? [inputs] : inputs;
  const rules: (Rule | null)[] = [];
  const failed: RuleFailure[] = [];
  const byId = new Map<string, number>();
  let total = 0;
  // Rules currently loaded (a replaced duplicate leaves a null behind in `rules`).
  let live = 0;
  let replaced = 0;
  list.forEach((input, n) => {
    const file = typeof input === 'string' ? `<rules ${n + 1}>` : (input.path ?? `<rules ${n + 1}>`);
    const text = typeof input === 'string' ? input : input.text;
    for (const src of splitRules(text)) {
      total++;
      const location: RuleLocation = { file, line: src.line };
      const fail = (e: RuleError) =>
        failed.push({ file, line: src.line, sid: findSid(src.text), kind: e.kind, keyword: e.keyword, message: e.message });
      if (live >= maxRules) {
        fail(new RuleError('too-large', `more than ${maxRules} rules`));
        continue;
      }
      let rule: Rule;
      try {
        rule = parseOne(src.text, location, ctx);
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        fail(e);
        continue;
      }
      const id = `${rule.gid}:${rule.sid}`;
      const prev = byId.get(id);
      if (prev === undefined) {
        byId.set(id, rules.length);
        rules.push(rule);
        live++;
        continue;
      }
      const old = rules[prev]!;
      const where = (r: Rule) => `${r.location.file}:${r.location.line}`;
      if (rule.rev > old.rev) {
        // The newer revision replaces the loaded one, as in Suricata.
        rules[prev] = null;
        byId.set(id, rules.length);
        rules.push(rule);
        replaced++;
      } else {
        fail(new RuleError('duplicate', `duplicate signature ${id} rev ${rule.rev}: rev ${old.rev} at ${where(old)} is kept`));
      }
    }
  });
  const loaded = rules.filter((r): r is Rule => r !== null);
  failed.sort((a, b) => (a.file === b.file ? a.line - b.line : 0));
  const stats = statsOf(total, loaded.length, failed, performance.now() - started);
  stats.replaced = replaced;
  return { rules: loaded, failed, stats };
}

function statsOf(total: number, loaded: number, failed: RuleFailure[], elapsedMs: number): LoadStats {
  const byKind: Partial<Record<RuleErrorKind, number>> = {};
  const reasons = new Map<string, number>();
  for (const f of failed) {
    byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    const reason = reasonOf(f);
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const byReason = [...reasons].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return { rules: total, loaded, failed: failed.length, replaced: 0, byKind, byReason, elapsedMs };
}

/** A failure's reason without the rule's own values, so that like refusals group together. */
export function reasonOf(f: RuleFailure): string {
  switch (f.kind) {
    case 'unknown-keyword':
    case 'unsupported-keyword':
    case 'unsupported-buffer':
      return f.message;
    case 'unsupported-protocol':
      return f.message.replace(/^app-layer-protocol: /, '');
    case 'invalid-value':
    case 'syntax':
      return f.keyword !== undefined ? `${f.kind} in ${f.keyword}` : f.kind;
    default:
      return f.kind;
  }
}

/** One line of the report: `rules.rules:12 sid 2024001: unsupported keyword "lua"`. */
export function formatFailure(f: RuleFailure): string {
  return `${f.file}:${f.line}${f.sid !== undefined ? ` sid ${f.sid}` : ''}: ${f.message}`;
}

/**
 * Parses one rule; throws a NetsieveError `NS_ERR_RULE` naming the place and the keyword when it is refused.
 * For many rules use `loadRules`, which reports instead of throwing.
 */
export function parseRule(text: string, options: LoadOptions & { file?: string; line?: number } = {}): Rule {
  const ctx = parseContext(options);
  const location = { file: options.file ?? '<rule>', line: options.line ?? 1 };
  try {
    return parseOne(text.trim(), location, ctx);
  } catch (e) {
    if (!(e instanceof RuleError)) throw e;
    const sid = findSid(text);
    throw new NetsieveError(
      'NS_ERR_RULE',
      `${location.file}:${location.line}${sid !== undefined ? ` sid ${sid}` : ''}: ${e.message}`,
    );
  }
}
