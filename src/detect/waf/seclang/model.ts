/**
 * The typed model of a SecLang (ModSecurity) rule set, the subset OWASP CRS v4 uses. The loader (load.ts)
 * produces it; the WAF's evaluator reads it. Values are kept as written (macros such as `%{tx.x}` unexpanded):
 * expansion happens per transaction.
 */

/** One target of a rule: `ARGS:foo`, `ARGS:/^id_/`, `&ARGS`, `!REQUEST_COOKIES:x`, `XML:/*`. */
export interface SecVariable {
  /** Upper-case collection or variable name (`ARGS`, `TX`, `XML`). */
  name: string;
  /** A literal key (`foo` in `ARGS:foo`; the XPath for `XML:/*`), or null. */
  key: string | null;
  /** The regex of a `:/regex/` key (without the slashes), or null. */
  keyRegex: string | null;
  /** `&`: the number of values rather than the values. */
  count: boolean;
  /** `!`: removes the matching values from the rule's targets. */
  exclude: boolean;
}

/** The operator: `@rx` when the text has no `@`. */
export interface SecOperator {
  /** Name without `@`, as ModSecurity spells it (`rx`, `pmFromFile`, `detectSQLi`). */
  name: string;
  negated: boolean;
  /** The parameter as written (`pmf`/`pmFromFile`: the file names). */
  param: string;
  /** `@pm`, `@pmf`, `@pmFromFile`: the phrases (files read and merged, in order); otherwise null. */
  phrases: string[] | null;
  /** Numeric operators (`@eq` `@ge` `@gt` `@le` `@lt`): the number, or null when the parameter is a macro. */
  number: number | null;
  /** Numeric operators whose parameter is one macro (`%{tx.x}`): its lower-case name (`tx.x`); else null. */
  macro: string | null;
}

/** One action as written, in order. `value` is unquoted, null when the action has no `:`. */
export interface SecAction {
  name: string;
  value: string | null;
}

/** `setvar`: `tx.x=1` (set), `tx.x=+1` (add), `tx.x=-1` (subtract), `!tx.x` (delete), `tx.x` (set to 1). */
export interface SecSetvar {
  /** Lower-case collection (`tx`, `ip`, `global`). */
  collection: string;
  /** The key as written (may hold macros: `%{rule.id}-...`); compare case-insensitively. */
  key: string;
  op: 'set' | 'add' | 'sub' | 'delete';
  /** The value as written (macros unexpanded); '' for delete. */
  value: string;
}

/** `ctl:name=value` (`ruleRemoveTargetById=942100;ARGS:foo` keeps `942100;ARGS:foo` as the value). */
export interface SecCtl {
  name: string;
  value: string;
  /** `ruleRemoveById`, `ruleRemoveTargetById`: the id ranges (inclusive; one id is `[id, id]`). */
  ids?: [number, number][];
  /** `ruleRemoveByTag`, `ruleRemoveTargetByTag`: the tag. */
  tag?: string;
  /** `ruleRemoveTargetById`, `ruleRemoveTargetByTag`: the targets removed (as written after `;`). */
  targets?: SecVariable[];
}

export type SecDisruptive = 'block' | 'deny' | 'pass' | 'allow' | 'drop' | 'redirect';

export interface SecRule {
  kind: 'rule' | 'action' | 'marker';
  /** The rule id; null for a chained rule and a marker. */
  id: number | null;
  /** 1-5; a chained rule has its head's; a marker 0 (it is a position in every phase). */
  phase: number;
  file: string;
  line: number;
  variables: SecVariable[];
  /** null for SecAction and SecMarker. */
  operator: SecOperator | null;
  /** Actions as written (after SecDefaultAction's were merged: see `defaultsApplied`). */
  actions: SecAction[];
  /** `t:` names in order, after `t:none` resets (`none` itself is not kept); defaults of the phase first. */
  transforms: string[];
  /** The rule chained to this one (`chain` action), if any. */
  chain: SecRule | null;
  /** SecMarker name. */
  marker?: string;
  msg: string | null;
  logdata: string | null;
  tags: string[];
  /** 0 (EMERGENCY) .. 7 (DEBUG), or null. */
  severity: number | null;
  ver: string | null;
  rev: string | null;
  /** The disruptive action: the rule's own, else its phase's SecDefaultAction's (head only; null on chained rules). */
  disruptive: SecDisruptive | null;
  /** What `block` does in this rule's phase: the disruptive action of SecDefaultAction (`pass` when none). */
  blockAction: SecDisruptive;
  /** `status:` */
  status: number | null;
  setvars: SecSetvar[];
  skipAfter: string | null;
  skip: number | null;
  ctl: SecCtl[];
  capture: boolean;
  multiMatch: boolean;
  /** `nolog` seen after any `log` (defaults included); false by default. */
  nolog: boolean;
  auditlog: boolean;
}

/** How the engine is configured by the engine directives (modsecurity.conf). Defaults are ModSecurity's. */
export interface SecConfig {
  /** Every engine directive as last written: name -> raw arguments joined by a space. */
  directives: Record<string, string>;
  ruleEngine: 'On' | 'Off' | 'DetectionOnly';
  requestBodyAccess: boolean;
  responseBodyAccess: boolean;
  requestBodyLimit: number;
  requestBodyNoFilesLimit: number;
  requestBodyLimitAction: 'Reject' | 'ProcessPartial';
  requestBodyJsonDepthLimit: number;
  argumentsLimit: number;
  responseBodyLimit: number;
  responseBodyLimitAction: 'Reject' | 'ProcessPartial';
  /** Lower-case MIME types whose response bodies are inspected. */
  responseBodyMimeTypes: string[];
  argumentSeparator: string;
  cookieFormat: number;
  pcreMatchLimit: number;
  pcreMatchLimitRecursion: number;
  componentSignatures: string[];
}

/** A directive or rule that did not load. */
export interface SecRefusal {
  file: string;
  line: number;
  /** The rule id when one could be read. */
  id: number | null;
  /** The directive, action, operator or variable at fault (`SecRule`, `@geoLookup`, `exec`, `FOO_VAR`). */
  directive: string;
  reason: string;
}

/** An engine directive accepted but without effect on passive inspection (audit and debug logs, ...). */
export interface SecIgnored {
  file: string;
  line: number;
  directive: string;
  value: string;
}

export interface SecLoadResult {
  /** Rules in load order (removed ones taken out; markers kept as positions). */
  rules: SecRule[];
  config: SecConfig;
  refused: SecRefusal[];
  ignored: SecIgnored[];
  /** Files read, in order (rule files and data files). */
  files: string[];
}

/** A rule with every action-derived field at its default (no msg, tags, setvars...): loaders fill in the rest. */
export function blankRule(kind: SecRule['kind'], file: string, line: number): SecRule {
  return {
    kind,
    id: null,
    phase: kind === 'marker' ? 0 : 2,
    file,
    line,
    variables: [],
    operator: null,
    actions: [],
    transforms: [],
    chain: null,
    msg: null,
    logdata: null,
    tags: [],
    severity: null,
    ver: null,
    rev: null,
    disruptive: null,
    blockAction: 'pass',
    status: null,
    setvars: [],
    skipAfter: null,
    skip: null,
    ctl: [],
    capture: false,
    multiMatch: false,
    nolog: kind === 'marker',
    auditlog: kind !== 'marker',
  };
}
