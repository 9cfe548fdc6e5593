/**
 * One SecRule or SecAction to a `SecRule` (model.ts): targets, operator, then the actions in order, with the
 * SecDefaultAction of the rule's phase applied first so that the rule's own actions override it.
 *
 * What the defaults give, as ModSecurity applies them: their transformations come before the rule's (a `t:none`
 * of the rule drops them), their disruptive action is the rule's when the rule names none (and is what `block`
 * means), their `log`/`nolog`/`auditlog`/`noauditlog` and tags apply unless the rule says otherwise. A chained
 * rule takes only the transformations: its disruptive action and metadata are its head's.
 */
import { ACTION_NAMES, CTL_NAMES, DISRUPTIVE, SEVERITIES, TRANSFORMATION_NAMES } from './actions.js';
import { SecLangError } from './lexer.js';
import { blankRule, type SecAction, type SecCtl, type SecDisruptive, type SecRule, type SecSetvar } from './model.js';
import { type OperatorContext, parseOperator } from './operators.js';
import { parseVariables } from './variables.js';

/** Rule ids in `1 2 100-200` / `"942100,942200"` arguments (SecRuleRemoveById, ctl:ruleRemoveById). */
export function idRanges(directive: string, args: string[]): [number, number][] {
  const out: [number, number][] = [];
  for (const w of args.flatMap((a) => a.split(/[\s,]+/)).filter((x) => x !== '')) {
    const m = /^(\d{1,10})(?:-(\d{1,10}))?$/.exec(w);
    if (m === null) throw new SecLangError(directive, `${directive}: "${w}" is not an id or an id range`);
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    if (hi < lo) throw new SecLangError(directive, `${directive}: range ${w} is backwards`);
    out.push([lo, hi]);
  }
  if (out.length === 0) throw new SecLangError(directive, `${directive}: needs ids`);
  return out;
}

const CTL_CHOICES: Readonly<Record<string, readonly string[]>> = {
  ruleEngine: ['On', 'Off', 'DetectionOnly'],
  requestBodyProcessor: ['URLENCODED', 'MULTIPART', 'XML', 'JSON'],
  requestBodyAccess: ['On', 'Off'],
  forceRequestBodyVariable: ['On', 'Off'],
  auditEngine: ['On', 'Off', 'RelevantOnly'],
};

/** `ctl:name=value`, typed: id ranges, tag and targets of the rule-removal options; choices checked. */
export function parseCtl(text: string): SecCtl {
  const eq = text.indexOf('=');
  const raw = eq < 0 ? text : text.slice(0, eq);
  const name = CTL_NAMES.get(raw.trim().toLowerCase());
  if (name === undefined) throw new SecLangError(`ctl:${raw}`, `ctl:${raw} is not supported`);
  if (eq < 0) throw new SecLangError(`ctl:${name}`, `ctl:${name} needs "=value"`);
  const value = text.slice(eq + 1).trim();
  const ctl: SecCtl = { name, value };
  const key = `ctl:${name}`;
  const choices = CTL_CHOICES[name];
  if (choices !== undefined && !choices.some((c) => c.toLowerCase() === value.toLowerCase()))
    throw new SecLangError(key, `${key}: "${value}" is not one of ${choices.join(', ')}`);
  if (name === 'ruleRemoveById') ctl.ids = idRanges(key, [value]);
  else if (name === 'ruleRemoveByTag') {
    if (value === '') throw new SecLangError(key, `${key}: needs a tag`);
    ctl.tag = value;
  } else if (name === 'ruleRemoveTargetById' || name === 'ruleRemoveTargetByTag') {
    const semi = value.indexOf(';');
    if (semi <= 0 || semi === value.length - 1) throw new SecLangError(key, `${key}: "${value}" is not selector;targets`);
    if (name === 'ruleRemoveTargetById') ctl.ids = idRanges(key, [value.slice(0, semi)]);
    else ctl.tag = value.slice(0, semi);
    ctl.targets = parseVariables(value.slice(semi + 1));
  }
  return ctl;
}

/** The SecDefaultAction of one phase. */
export interface PhaseDefaults {
  actions: SecAction[];
  disruptive: SecDisruptive;
}

/** ModSecurity's built-in default: `phase:2,log,auditlog,pass` for every phase. */
export function builtInDefaults(): PhaseDefaults {
  return {
    actions: [
      { name: 'log', value: null },
      { name: 'auditlog', value: null },
    ],
    disruptive: 'pass',
  };
}

/** Actions a SecDefaultAction may not hold (ModSecurity refuses metadata and flow actions there). */
const NOT_IN_DEFAULTS: ReadonlySet<string> = new Set([
  'id',
  'msg',
  'rev',
  'ver',
  'chain',
  'skipAfter',
  'skip',
  'logdata',
  'severity',
]);

/**
 * Actions only the first rule of a chain may hold (ModSecurity's reference manual: disruptive actions, phase,
 * metadata, skip and skipAfter); id, phase and the disruptive actions are checked with their own messages.
 */
const HEAD_ONLY: ReadonlySet<string> = new Set([
  'msg',
  'logdata',
  'tag',
  'severity',
  'ver',
  'rev',
  'maturity',
  'accuracy',
  'skip',
  'skipAfter',
]);

/** Reads `phase:` values: 1-5, `request` (2), `response` (4), `logging` (5). */
export function parsePhase(value: string | null): number {
  const v = (value ?? '').trim().toLowerCase();
  if (v === 'request') return 2;
  if (v === 'response') return 4;
  if (v === 'logging') return 5;
  if (/^[1-5]$/.test(v)) return Number(v);
  throw new SecLangError('phase', `phase: "${value}" is not 1-5, request, response or logging`);
}

/** Canonical action list: names to ModSecurity's spelling; unknown actions refused. */
export function canonicalActions(list: SecAction[]): SecAction[] {
  return list.map((a) => {
    const name = ACTION_NAMES.get(a.name.toLowerCase());
    if (name === undefined) throw new SecLangError(a.name, `action ${a.name} is not supported`);
    return { name, value: a.value };
  });
}

/** Checks a SecDefaultAction's action list and returns its phase and defaults. */
export function parseDefaults(list: SecAction[]): { phase: number; defaults: PhaseDefaults } {
  const actions = canonicalActions(list);
  let phase = 2;
  let disruptive: SecDisruptive | null = null;
  const kept: SecAction[] = [];
  for (const a of actions) {
    if (NOT_IN_DEFAULTS.has(a.name)) throw new SecLangError(a.name, `SecDefaultAction: ${a.name} is not allowed here`);
    if (a.name === 'phase') phase = parsePhase(a.value);
    else if (DISRUPTIVE.has(a.name)) {
      if (a.name === 'block')
        throw new SecLangError('block', 'SecDefaultAction: block is not allowed here (it means this default)');
      disruptive = a.name as SecDisruptive;
    } else {
      checkAction(a);
      kept.push(a);
    }
  }
  if (disruptive === null) throw new SecLangError('SecDefaultAction', 'SecDefaultAction needs a disruptive action');
  return { phase, defaults: { actions: kept, disruptive } };
}

function parseId(value: string | null): number {
  const v = (value ?? '').trim();
  if (!/^\d{1,10}$/.test(v) || Number(v) === 0 || Number(v) > 0xffffffff)
    throw new SecLangError('id', `id: "${value}" is not a positive integer`);
  return Number(v);
}

/** Validates one action's value; returns nothing. */
function checkAction(a: SecAction): void {
  const needsValue = [
    'id',
    'phase',
    'msg',
    'logdata',
    'tag',
    'severity',
    'ver',
    'rev',
    'status',
    'setvar',
    'skipAfter',
    'skip',
    'ctl',
    't',
  ];
  if (needsValue.includes(a.name) && (a.value === null || a.value === ''))
    throw new SecLangError(a.name, `${a.name}: needs a value`);
  if (a.name === 't') {
    const t = TRANSFORMATION_NAMES.get(a.value!.toLowerCase());
    if (t === undefined) throw new SecLangError(`t:${a.value}`, `transformation ${a.value} is not supported`);
  } else if (a.name === 'ctl') parseCtl(a.value!);
  else if (a.name === 'severity') {
    const v = a.value!.trim().toLowerCase();
    if (!SEVERITIES.has(v) && !/^[0-7]$/.test(v))
      throw new SecLangError('severity', `severity: "${a.value}" is not 0-7 or a level name`);
  } else if (a.name === 'setvar') parseSetvar(a.value!);
  else if (a.name === 'status' && !/^\d{3}$/.test(a.value!.trim()))
    throw new SecLangError('status', `status: "${a.value}" is not an HTTP status`);
  else if (a.name === 'skip' && !/^\d+$/.test(a.value!.trim()))
    throw new SecLangError('skip', `skip: "${a.value}" is not a count`);
}

/** `setvar` values: `tx.x=1`, `tx.x=+%{tx.y}`, `tx.x=-1`, `!tx.x`, `tx.x`. */
export function parseSetvar(value: string): SecSetvar {
  let v = value.trim();
  let del = false;
  if (v.startsWith('!')) {
    del = true;
    v = v.slice(1);
  }
  const eq = v.indexOf('=');
  const target = eq < 0 ? v : v.slice(0, eq);
  const dot = target.indexOf('.');
  if (dot <= 0 || dot === target.length - 1) throw new SecLangError('setvar', `setvar: "${value}" is not collection.key`);
  const collection = target.slice(0, dot).toLowerCase();
  if (collection !== 'tx' && collection !== 'ip' && collection !== 'global' && collection !== 'session' && collection !== 'user')
    throw new SecLangError('setvar', `setvar: collection ${collection} is not supported`);
  const key = target.slice(dot + 1);
  if (del) {
    if (eq >= 0) throw new SecLangError('setvar', `setvar: "${value}" deletes and assigns`);
    return { collection, key, op: 'delete', value: '' };
  }
  if (eq < 0) return { collection, key, op: 'set', value: '1' };
  const rest = v.slice(eq + 1);
  if (rest.startsWith('+')) return { collection, key, op: 'add', value: rest.slice(1) };
  if (rest.startsWith('-')) return { collection, key, op: 'sub', value: rest.slice(1) };
  return { collection, key, op: 'set', value: rest };
}

export interface RuleText {
  kind: 'rule' | 'action';
  /** SecRule only. */
  variables?: string;
  operator?: string;
  actions: string;
  file: string;
  line: number;
}

/** A rule before the loader places it: the parsed rule and whether it opens a chain. */
export interface ParsedRule {
  rule: SecRule;
  chained: boolean;
  /** The actions as written (canonical names), for SecRuleUpdate*. */
  own: SecAction[];
}

/**
 * Parses one SecRule/SecAction. `head` is the rule this one is chained to (null for a head), `defaults` the
 * SecDefaultAction per phase so far.
 */
export function parseRuleText(
  src: RuleText,
  own: SecAction[],
  head: SecRule | null,
  defaults: ReadonlyMap<number, PhaseDefaults>,
  opCtx: OperatorContext,
): ParsedRule {
  const actions = canonicalActions(own);
  for (const a of actions) checkAction(a);
  const rule = blankRule(src.kind, src.file, src.line);
  if (src.variables !== undefined) rule.variables = parseVariables(src.variables);
  if (src.operator !== undefined) rule.operator = parseOperator(src.operator, opCtx);
  rule.actions = actions;
  let chained = false;
  let phaseSeen = false;
  for (const a of actions) {
    if (a.name === 'phase') {
      rule.phase = parsePhase(a.value);
      phaseSeen = true;
    } else if (a.name === 'id') rule.id = parseId(a.value);
    else if (a.name === 'chain') chained = true;
  }
  if (head !== null) {
    if (rule.id !== null) throw new SecLangError('id', 'a chained rule may not have an id');
    if (phaseSeen) throw new SecLangError('phase', "a chained rule may not have a phase (it runs in its head's)");
    if (src.kind !== 'rule') throw new SecLangError('SecAction', 'a chain continues with SecRule');
    const headOnly = actions.find((a) => HEAD_ONLY.has(a.name));
    if (headOnly !== undefined) throw new SecLangError(headOnly.name, `${headOnly.name} belongs to the chain's first rule`);
    rule.phase = head.phase;
  } else if (rule.id === null) throw new SecLangError(src.kind === 'rule' ? 'SecRule' : 'SecAction', 'a rule needs an id');
  const phaseDefaults = defaults.get(rule.phase) ?? builtInDefaults();
  rule.blockAction = phaseDefaults.disruptive;
  const applied = head === null ? phaseDefaults.actions : phaseDefaults.actions.filter((a) => a.name === 't');
  let logSeen: boolean | null = null;
  let auditSeen: boolean | null = null;
  for (const a of [...applied, ...actions]) {
    const v = a.value ?? '';
    switch (a.name) {
      case 't': {
        const t = TRANSFORMATION_NAMES.get(v.toLowerCase())!;
        if (t === 'none') rule.transforms = [];
        else rule.transforms.push(t);
        break;
      }
      case 'msg':
        rule.msg = v;
        break;
      case 'logdata':
        rule.logdata = v;
        break;
      case 'tag':
        rule.tags.push(v);
        break;
      case 'severity': {
        const s = v.trim().toLowerCase();
        rule.severity = SEVERITIES.get(s) ?? Number(s);
        break;
      }
      case 'ver':
        rule.ver = v;
        break;
      case 'rev':
        rule.rev = v;
        break;
      case 'status':
        rule.status = Number(v.trim());
        break;
      case 'setvar':
        rule.setvars.push(parseSetvar(v));
        break;
      case 'skipAfter':
        rule.skipAfter = v.trim();
        break;
      case 'skip':
        rule.skip = Number(v.trim());
        break;
      case 'ctl':
        rule.ctl.push(parseCtl(v));
        break;
      case 'capture':
        rule.capture = true;
        break;
      case 'multiMatch':
        rule.multiMatch = true;
        break;
      case 'log':
        logSeen = true;
        break;
      case 'nolog':
        logSeen = false;
        auditSeen = false;
        break;
      case 'auditlog':
        auditSeen = true;
        break;
      case 'noauditlog':
        auditSeen = false;
        break;
      default:
        if (DISRUPTIVE.has(a.name)) {
          if (head !== null) throw new SecLangError(a.name, `a chained rule may not have a disruptive action (${a.name})`);
          rule.disruptive = a.name as SecDisruptive;
        }
    }
  }
  // `nolog` implies `noauditlog` in ModSecurity unless auditlog is said after it.
  rule.nolog = logSeen === false;
  rule.auditlog = auditSeen ?? !rule.nolog;
  if (head === null && rule.disruptive === null) rule.disruptive = phaseDefaults.disruptive;
  if (head !== null) rule.auditlog = head.auditlog;
  return { rule, chained, own: actions };
}
