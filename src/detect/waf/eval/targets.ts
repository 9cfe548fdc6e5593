/**
 * A rule's targets, compiled once at load: what to include (`ARGS`, `REQUEST_HEADERS:User-Agent`,
 * `ARGS:/^id_/`, `&ARGS`), what to exclude (`!REQUEST_COOKIES:/__utm/`), a signature that names the list (rules
 * with the same list share the values a transaction selects for it), and whether the selection can only
 * change when the transaction's collections are rebuilt (`stable`): then it is computed once per phase.
 */
import type { SecVariable } from '../seclang/model.js';

/** One target or exclusion: a variable, with its key as a lower-case literal or a regex, or neither. */
export interface TargetSpec {
  name: string;
  keyLower: string | null;
  keyRegex: RegExp | null;
  count: boolean;
  /** `&ARGS:foo`: the name a count is reported under. */
  countName: string;
  /** `ARGS:foo` (the key in lower case): names the spec in caches. */
  id: string;
}

export interface CompiledTargets {
  readonly include: readonly TargetSpec[];
  readonly exclude: readonly TargetSpec[];
  /** The list as written, normalised: equal lists have equal signatures. */
  readonly signature: string;
  /** No target reads a variable that rules or the transaction's progress change (TX, MATCHED_VAR, ...). */
  readonly stable: boolean;
}

/**
 * Variables whose values change while a phase runs (rules set them, a match sets them, `ctl` sets them):
 * a selection that reads one is computed each time. Everything else is fixed from when the request headers
 * (phase 1), the request body (phase 2) or the response (phases 3-4) are known.
 */
const CHANGING = new Set([
  'TX',
  'IP',
  'GLOBAL',
  'SESSION',
  'USER',
  'RESOURCE',
  'MATCHED_VAR',
  'MATCHED_VARS',
  'MATCHED_VAR_NAME',
  'MATCHED_VARS_NAMES',
  'REQBODY_PROCESSOR',
  'DURATION',
  'RULE',
]);

/** Key regexes by source, compiled once (`ARGS:/^id_/` is tested against every key of every transaction). */
const keyRegexes = new Map<string, RegExp>();

export function keyRegexOf(source: string): RegExp {
  let re = keyRegexes.get(source);
  if (re === undefined) {
    re = new RegExp(source, 'i');
    keyRegexes.set(source, re);
  }
  return re;
}

const specs = new WeakMap<SecVariable, TargetSpec>();

/** The spec of one variable (memoised per variable object: `ctl` removals reuse theirs). */
export function targetSpec(v: SecVariable): TargetSpec {
  let s = specs.get(v);
  if (s === undefined) {
    s = {
      name: v.name,
      keyLower: v.key === null ? null : v.key.toLowerCase(),
      keyRegex: v.keyRegex === null ? null : keyRegexOf(v.keyRegex),
      count: v.count,
      countName: `&${v.name}${v.key !== null ? `:${v.key}` : ''}`,
      id: `${v.name}:${v.keyRegex !== null ? `/${v.keyRegex}/` : (v.key?.toLowerCase() ?? '')}`,
    };
    specs.set(v, s);
  }
  return s;
}

export function compileTargets(variables: readonly SecVariable[]): CompiledTargets {
  const include: TargetSpec[] = [];
  const exclude: TargetSpec[] = [];
  let stable = true;
  const parts: string[] = [];
  for (const v of variables) {
    (v.exclude ? exclude : include).push(targetSpec(v));
    if (CHANGING.has(v.name)) stable = false;
    const key = v.keyRegex !== null ? `/${v.keyRegex}/` : v.key !== null ? v.key.toLowerCase() : '';
    parts.push(`${v.exclude ? '!' : ''}${v.count ? '&' : ''}${v.name}${key === '' ? '' : `:${key}`}`);
  }
  return { include, exclude, signature: parts.join('|'), stable };
}

/** Whether a value's key is selected by a spec's key (a spec without a key selects every value). */
export function keySelects(spec: TargetSpec, key: string, keyLower: string): boolean {
  if (spec.keyRegex !== null) return spec.keyRegex.test(key);
  return spec.keyLower === null || spec.keyLower === keyLower;
}
