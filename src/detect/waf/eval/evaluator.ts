/**
 * Runs a loaded SecLang rule set (src/detect/waf/seclang/) on one HTTP transaction, phase by phase, with
 * ModSecurity v3's semantics for what CRS uses: targets with keys, regex keys, counts and exclusions;
 * transformation chains (cached per value and chain); operators (./operators.ts); chains (a rule matches when
 * every link does; as in ModSecurity v3, each link's `setvar`s run at each of that link's matches, before the
 * next link is evaluated, which CRS relies on; `ctl`, logging and skipAfter need the whole chain); `setvar`
 * with arithmetic and macros;
 * `capture`; `skipAfter` to markers; `ctl` (rule and target removal, the request body processor, the rule
 * engine); logged matches as alerts.
 *
 * This is the first cut of issue #12's evaluator: values are binary strings (latin1), regexes run on V8
 * (the multi-pattern prefilter on netsieve's engine comes next), and the collections come from a simple
 * request/response description (./transaction.ts).
 */
import type { SecCtl, SecLoadResult, SecRule, SecVariable } from '../seclang/model.js';
import { type CompiledOperator, compileOperator, type OperatorHooks, toInt } from './operators.js';
import { type WafRequest, type WafResponse, WafVariables } from './transaction.js';

export interface WafHooks extends OperatorHooks {
  /** Applies one transformation (by ModSecurity's name, lower-case) to a binary string. */
  transform(name: string, value: string): string;
}

/** A logged match. */
export interface WafMatch {
  id: number;
  phase: number;
  msg: string;
  logdata: string;
  tags: string[];
  severity: number | null;
  /** The target that matched (`ARGS:id`) and its value (after transformations). */
  matchedVar: string;
  matchedValue: string;
}

interface CompiledRule {
  rule: SecRule;
  op: CompiledOperator | null;
  chain: CompiledRule | null;
  /** Keys of regex selectors, compiled. */
  keyRegexes: (RegExp | null)[];
}

/** A rule the evaluator could not compile (an operator parameter it cannot use), with the reason. */
export interface WafCompileProblem {
  id: number | null;
  file: string;
  line: number;
  reason: string;
}

export class WafRuleSet {
  /** Per phase (index 1-5), the rules and markers in load order. */
  readonly phases: CompiledRule[][] = [[], [], [], [], [], []];
  readonly problems: WafCompileProblem[] = [];

  constructor(
    readonly loaded: SecLoadResult,
    readonly hooks: WafHooks,
  ) {
    for (const rule of loaded.rules) {
      if (rule.kind === 'marker') {
        const c: CompiledRule = { rule, op: null, chain: null, keyRegexes: [] };
        for (let p = 1; p <= 5; p++) this.phases[p]!.push(c);
        continue;
      }
      const compiled = this.compile(rule);
      if (compiled !== null) this.phases[rule.phase]!.push(compiled);
    }
  }

  private compile(rule: SecRule): CompiledRule | null {
    try {
      return {
        rule,
        op: rule.operator === null ? null : compileOperator(rule.operator, this.hooks),
        chain: rule.chain === null ? null : this.compile(rule.chain),
        keyRegexes: rule.variables.map((v) => (v.keyRegex === null ? null : new RegExp(v.keyRegex, 'i'))),
      };
    } catch (e) {
      this.problems.push({ id: rule.id, file: rule.file, line: rule.line, reason: (e as Error).message });
      return null;
    }
  }

  /** Evaluates a whole transaction (phases 1-2 on the request, 3-4 with the response, 5 logging). */
  evaluate(request: WafRequest, response: WafResponse | null): WafTransaction {
    const t = this.begin(request);
    t.runRequestPhases();
    t.runResponsePhases(response);
    return t;
  }

  /**
   * A transaction whose request is known: run `runRequestPhases()` when the request is complete (a verdict
   * can be given then), and `runResponsePhases()` when the response is (or without one, for phase 5 alone).
   */
  begin(request: WafRequest): WafTransaction {
    return new WafTransaction(this, request, null);
  }
}

export class WafTransaction {
  readonly vars: WafVariables;
  readonly matches: WafMatch[] = [];
  private readonly removedIds: [number, number][] = [];
  private readonly removedTargets = new Map<number, SecVariable[]>();
  /** `ctl:ruleRemoveByTag`: rules with one of these tags no longer run. */
  private readonly removedTags: string[] = [];
  /** `ctl:ruleRemoveTargetByTag`: targets removed from the rules with a tag. */
  private readonly removedTargetsByTag: { tag: string; targets: SecVariable[] }[] = [];
  private engineOff = false;
  /** Transformation cache: chain key -> value -> result. */
  private readonly transformed = new Map<string, Map<string, string>>();
  private readonly captures: string[] = [];

  constructor(
    private readonly set: WafRuleSet,
    request: WafRequest,
    response: WafResponse | null,
  ) {
    this.vars = new WafVariables(request, response, set.loaded.config);
  }

  /** Phases 1 and 2 (request headers, then the request body). */
  runRequestPhases(): void {
    this.runPhase(1);
    this.runPhase(2);
  }

  /** Phases 3 and 4 on the response (skipped when there is none), then phase 5 (logging). */
  runResponsePhases(response: WafResponse | null): void {
    if (response !== null) {
      this.vars.setResponse(response);
      this.runPhase(3);
      this.runPhase(4);
    }
    this.runPhase(5);
  }

  /** TX as a plain object (lower-case keys), for tests and records. */
  get tx(): Record<string, string> {
    return Object.fromEntries(this.vars.tx);
  }

  runPhase(phase: number): void {
    if (phase === 2) this.vars.processRequestBody();
    const list = this.set.phases[phase]!;
    for (let i = 0; i < list.length; i++) {
      if (this.engineOff) return;
      const c = list[i]!;
      const r = c.rule;
      if (r.kind === 'marker') continue;
      if (r.id !== null && this.removed(r.id)) continue;
      if (this.removedTags.length > 0 && r.tags.some((t) => this.removedTags.includes(t))) continue;
      this.vars.matchedVars.length = 0;
      if (!this.evalLink(c, this.excludedTargets(r))) continue;
      // The whole chain matched: its links' ctl actions (rule removal, the engine, the body processor).
      for (let link: CompiledRule | null = c; link !== null; link = link.chain) for (const ctl of link.rule.ctl) this.ctl(ctl);
      if (!r.nolog && r.id !== null) this.log(r, phase);
      if (r.skipAfter !== null) {
        const target = r.skipAfter;
        let j = i + 1;
        while (j < list.length && !(list[j]!.rule.kind === 'marker' && list[j]!.rule.marker === target)) j++;
        i = j; // continue after the marker (or end the phase when it is missing)
      }
    }
  }

  private removed(id: number): boolean {
    for (const [lo, hi] of this.removedIds) if (id >= lo && id <= hi) return true;
    return false;
  }

  /** The targets ctl removed from a rule (by its id or by one of its tags), for every link of its chain. */
  private excludedTargets(head: SecRule): SecVariable[] | undefined {
    const byId = head.id !== null ? this.removedTargets.get(head.id) : undefined;
    if (this.removedTargetsByTag.length === 0) return byId;
    const byTag = this.removedTargetsByTag.filter((x) => head.tags.includes(x.tag)).flatMap((x) => x.targets);
    return byTag.length === 0 ? byId : [...(byId ?? []), ...byTag];
  }

  /** Whether one link (and, when it matches, its chain) matches. */
  private evalLink(c: CompiledRule, excluded: SecVariable[] | undefined): boolean {
    const r = c.rule;
    if (c.op === null) {
      // SecAction: matches unconditionally.
      this.runSetvars(r);
      return true;
    }
    const op = c.op;
    const param = op.dynamic ? this.vars.expand(r.operator!.param) : r.operator!.param;
    let matched = false;
    const values = this.vars.collect(r.variables, c.keyRegexes, excluded);
    for (const { name, value } of values) {
      const candidates = r.multiMatch ? this.allStages(r.transforms, value) : [this.applyChain(r.transforms, value)];
      for (const v of candidates) {
        const hit = op.match(v, param, r.capture ? this.captures : null) !== op.negated;
        if (!hit) continue;
        matched = true;
        this.vars.setMatched(name, v);
        if (r.capture) for (let k = 0; k < this.captures.length; k++) this.vars.tx.set(String(k), this.captures[k]!);
        // As in ModSecurity v3, this link's setvars run at each match (each value, and each multiMatch stage,
        // that matches, with that match's captures), whatever the rest of the chain does: the next link may
        // read what they set, and CRS collects values one per match (922150's multipart content types).
        this.runSetvars(r);
      }
    }
    if (!matched) return false;
    return c.chain === null || this.evalLink(c.chain, excluded);
  }

  private applyChain(chain: readonly string[], value: string): string {
    if (chain.length === 0) return value;
    const key = chain.join(',');
    let cache = this.transformed.get(key);
    if (cache === undefined) {
      cache = new Map();
      this.transformed.set(key, cache);
    }
    let out = cache.get(value);
    if (out === undefined) {
      out = value;
      for (const t of chain) out = this.set.hooks.transform(t, out);
      cache.set(value, out);
    }
    return out;
  }

  /** multiMatch: the value before any transformation and after each one that changed it. */
  private allStages(chain: readonly string[], value: string): string[] {
    const out = [value];
    let v = value;
    for (const t of chain) {
      const next = this.set.hooks.transform(t, v);
      if (next !== v) out.push(next);
      v = next;
    }
    return out;
  }

  private runSetvars(link: SecRule): void {
    for (const s of link.setvars) {
      const key = this.vars.expand(s.key).toLowerCase();
      const col = s.collection === 'tx' ? this.vars.tx : this.vars.persistent(s.collection);
      if (s.op === 'delete') {
        col.delete(key);
        continue;
      }
      const value = this.vars.expand(s.value);
      if (s.op === 'set') col.set(key, value);
      else {
        const cur = toInt(col.get(key) ?? '0');
        const delta = toInt(value);
        col.set(key, String(s.op === 'add' ? cur + delta : cur - delta));
      }
    }
  }

  private ctl(ctl: SecCtl): void {
    switch (ctl.name) {
      case 'ruleRemoveById':
        if (ctl.ids !== undefined) this.removedIds.push(...ctl.ids);
        break;
      case 'ruleRemoveTargetById':
        if (ctl.ids !== undefined && ctl.targets !== undefined)
          for (const [lo, hi] of ctl.ids)
            for (let id = lo; id <= hi && id - lo < 10000; id++)
              this.removedTargets.set(id, [...(this.removedTargets.get(id) ?? []), ...ctl.targets]);
        break;
      case 'ruleRemoveByTag':
        if (ctl.tag !== undefined) this.removedTags.push(ctl.tag);
        break;
      case 'ruleRemoveTargetByTag':
        if (ctl.tag !== undefined && ctl.targets !== undefined)
          this.removedTargetsByTag.push({ tag: ctl.tag, targets: ctl.targets });
        break;
      case 'ruleEngine':
        if (ctl.value.toLowerCase() === 'off') this.engineOff = true;
        break;
      case 'requestBodyProcessor':
        this.vars.setBodyProcessor(ctl.value.toUpperCase());
        break;
      case 'forceRequestBodyVariable':
        this.vars.forceRequestBody = ctl.value.toLowerCase() === 'on';
        break;
      default:
        break;
    }
  }

  private log(r: SecRule, phase: number): void {
    this.matches.push({
      id: r.id!,
      phase,
      msg: r.msg === null ? '' : this.vars.expand(r.msg, r),
      logdata: r.logdata === null ? '' : this.vars.expand(r.logdata, r),
      tags: r.tags,
      severity: r.severity,
      matchedVar: this.vars.matchedVarName,
      matchedValue: this.vars.matchedVar,
    });
  }

  // ------------------------------------------------------------------ results (issue #12's "Results")
  // Read-only views of the transaction's outcome, for records and verdicts: nothing here changes how rules
  // run. Passive inspection does not stop at an intervention: every phase runs (the sensor sees the response
  // the server really sent), so `matches` and the scores are those of the whole transaction.

  /** A TX variable as an integer (0 when unset or not a number), as CRS's `@ge` reads it. */
  txInt(name: string): number {
    return toInt(this.vars.tx.get(name) ?? '0');
  }

  /**
   * CRS's anomaly scores as its rules left them in TX (REQUEST-949, RESPONSE-959, RESPONSE-980's names):
   * the blocking scores (at the blocking paranoia level, which 949110 and 959100 compare with the
   * thresholds), the detection scores (at the detection paranoia level, reported only), the thresholds and
   * both paranoia levels; 0 for what the rule set does not set.
   */
  get scores(): WafScores {
    return {
      blockingInbound: this.txInt('blocking_inbound_anomaly_score'),
      detectionInbound: this.txInt('detection_inbound_anomaly_score'),
      inboundThreshold: this.txInt('inbound_anomaly_score_threshold'),
      blockingOutbound: this.txInt('blocking_outbound_anomaly_score'),
      detectionOutbound: this.txInt('detection_outbound_anomaly_score'),
      outboundThreshold: this.txInt('outbound_anomaly_score_threshold'),
      blockingParanoia: this.txInt('blocking_paranoia_level'),
      detectionParanoia: this.txInt('detection_paranoia_level'),
    };
  }

  /**
   * The first logged match whose rule's effective disruptive action (its own, `block` meaning its phase's
   * SecDefaultAction's) is deny, drop or redirect: CRS's 949110/949111 (inbound score at the threshold) or
   * 959100 (outbound). Null when none. A rule with `nolog` is not seen here (CRS's disruptive rules log).
   */
  get intervention(): WafIntervention | null {
    for (const m of this.matches) {
      const r = ruleById(this.set, m.id);
      if (r === undefined) continue;
      const d = r.disruptive === 'block' ? r.blockAction : r.disruptive;
      if (d === 'deny' || d === 'drop' || d === 'redirect') return { rule: m.id, phase: m.phase, action: d };
    }
    return null;
  }
}

/** CRS's scores, thresholds and paranoia levels read from TX (`WafTransaction.scores`). */
export interface WafScores {
  blockingInbound: number;
  detectionInbound: number;
  inboundThreshold: number;
  blockingOutbound: number;
  detectionOutbound: number;
  outboundThreshold: number;
  blockingParanoia: number;
  detectionParanoia: number;
}

/** A disruptive action that stops the transaction (in a blocking deployment), and the rule that took it. */
export interface WafIntervention {
  rule: number;
  phase: number;
  action: 'deny' | 'drop' | 'redirect';
}

const rulesById = new WeakMap<WafRuleSet, Map<number, SecRule>>();

/** A rule set's rules with an id (chain heads, SecActions), built once per rule set. */
function ruleById(set: WafRuleSet, id: number): SecRule | undefined {
  let m = rulesById.get(set);
  if (m === undefined) {
    m = new Map();
    for (const r of set.loaded.rules) if (r.id !== null && !m.has(r.id)) m.set(r.id, r);
    rulesById.set(set, m);
  }
  return m.get(id);
}
