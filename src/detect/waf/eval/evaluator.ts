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
 * Values are binary strings (latin1); the collections come from a request/response description
 * (./transaction.ts). Speed comes from doing each piece of work once per transaction: target lists are
 * compiled at load (./targets.ts) and their selections shared by the rules that name the same list;
 * transformation chains are a tree of prefixes cached per value, a step skipped when the value holds none of
 * its trigger bytes; the multi-pattern prefilter (./prefilter.ts) scans each distinct transformed value once
 * and keeps rules (and values) without their literals from running at all.
 */
import type { SecCtl, SecLoadResult, SecRule, SecVariable } from '../seclang/model.js';
import { holdsTrigger, triggerBytes } from '../transforms/triggers.js';
import { type CompiledOperator, compileOperator, type OperatorHooks, toInt } from './operators.js';
import { type PrefilterInfo, RulePrefilter } from './prefilter.js';
import { type CompiledTargets, compileTargets } from './targets.js';
import { type Removal, type WafRequest, type WafResponse, WafVariables } from './transaction.js';

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

/**
 * One step of a transformation chain. Chains are a tree of their prefixes, shared by every rule that starts
 * with the same steps: a transaction caches each node's output per value, so `t:urlDecodeUni,t:lowercase`
 * reuses what `t:urlDecodeUni` computed.
 */
interface ChainNode {
  index: number;
  parent: ChainNode | null;
  name: string;
  /** Bytes without which the step changes nothing (transforms/triggers.ts), or null. */
  trigger: Uint8Array | null;
}

interface CompiledRule {
  rule: SecRule;
  op: CompiledOperator | null;
  chain: CompiledRule | null;
  targets: CompiledTargets;
  /** The last step of its transformations, or null for none. */
  transform: ChainNode | null;
  /** Its index among the rules the prefilter decides for (head links only), or -1. */
  filter: number;
  /** The prefilter's hit decides alone (`@pm` family: the factors are the phrases, compared as the operator does). */
  exact: boolean;
  /** Rules with the same targets and transformations share a group: their prefilter hits are computed once. */
  group: number;
  /** skipAfter: the index of the marker it skips to in its phase's list (the list's length when missing). */
  skipTo: number;
  /** A number for each head link, from 0 (per-transaction caches are arrays indexed by it). */
  ordinal: number;
}

/** A rule the evaluator could not compile (an operator parameter it cannot use), with the reason. */
export interface WafCompileProblem {
  id: number | null;
  file: string;
  line: number;
  reason: string;
}

/** setvar keys without macros, in lower case (they are few and fixed: the rules'). */
const lowerKeys = new Map<string, string>();
function lowerKey(key: string): string {
  let k = lowerKeys.get(key);
  if (k === undefined) {
    k = key.toLowerCase();
    if (lowerKeys.size < 100_000) lowerKeys.set(key, k);
  }
  return k;
}

const ctlIds = new WeakMap<SecCtl, number>();
let nextCtlId = 0;

/** A number for each ctl action (load-time objects), to name lists of them. */
function ctlId(ctl: SecCtl): number {
  let id = ctlIds.get(ctl);
  if (id === undefined) {
    id = nextCtlId++;
    ctlIds.set(ctl, id);
  }
  return id;
}

export class WafRuleSet {
  /** Per phase (index 1-5), the rules and markers in load order. */
  readonly phases: CompiledRule[][] = [[], [], [], [], [], []];
  readonly problems: WafCompileProblem[] = [];
  /** @internal */
  readonly prefilter = new RulePrefilter();
  /** @internal Transformation chain steps (see ChainNode). */
  readonly chainNodes: ChainNode[] = [];
  private readonly chainIndex = new Map<string, ChainNode>();
  private readonly groupIndex = new Map<string, number>();
  private readonly filterGroups: number[] = [];
  /** @internal Per filtered rule (its prefilter index), its group. */
  groupOfFilter = new Int32Array(0);
  /** @internal Per phase, the rules without the markers (what a transaction runs). */
  readonly runnable: CompiledRule[][] = [];
  /** Head links compiled so far (their ordinals). */
  heads = 0;
  /** Per head link (its ordinal): what each list of tag removals takes from it (see tagRemoval). */
  private readonly tagRemovals: (Map<string, Removal | undefined> | undefined)[] = [];

  constructor(
    readonly loaded: SecLoadResult,
    readonly hooks: WafHooks,
    /** `prefilter: false` runs every operator on every value (to compare, or to rule the prefilter out). */
    private readonly options: { prefilter?: boolean } = {},
  ) {
    for (const rule of loaded.rules) {
      if (rule.kind === 'marker') {
        const c: CompiledRule = {
          rule,
          op: null,
          chain: null,
          targets: compileTargets([]),
          transform: null,
          filter: -1,
          exact: false,
          group: -1,
          skipTo: -1,
          ordinal: -1,
        };
        for (let p = 1; p <= 5; p++) this.phases[p]!.push(c);
        continue;
      }
      const compiled = this.compile(rule, true);
      if (compiled !== null) this.phases[rule.phase]!.push(compiled);
    }
    this.prefilter.finish();
    this.groupOfFilter = Int32Array.from(this.filterGroups);
    for (let i = 0; i < this.heads; i++) this.tagRemovals.push(undefined);
    // The rules each phase runs, markers left out; each skipAfter lands after the first marker of its name
    // that follows the rule (markers are in every phase): `skipTo` is the index of the last rule before it.
    for (const list of this.phases) {
      const runnable: CompiledRule[] = [];
      const before: number[] = []; // rules before each list position
      for (const c of list) {
        before.push(runnable.length);
        if (c.rule.kind !== 'marker') runnable.push(c);
      }
      list.forEach((c, i) => {
        const target = c.rule.skipAfter;
        if (c.rule.kind === 'marker' || target === null) return;
        let j = i + 1;
        while (j < list.length && !(list[j]!.rule.kind === 'marker' && list[j]!.rule.marker === target)) j++;
        c.skipTo = (j < list.length ? before[j]! : runnable.length) - 1;
      });
      this.runnable.push(runnable);
    }
  }

  /** What the prefilter decides for, and what it cost to build. */
  get prefilterInfo(): PrefilterInfo {
    return this.prefilter.info;
  }

  /** Groups of rules sharing targets and transformations (the prefilter's unit of work). */
  get groups(): number {
    return this.groupIndex.size;
  }

  private compile(rule: SecRule, head: boolean): CompiledRule | null {
    try {
      const op = rule.operator === null ? null : compileOperator(rule.operator, this.hooks);
      const targets = compileTargets(rule.variables);
      const transform = this.chainOf(rule.transforms);
      const chain = rule.chain === null ? null : this.compile(rule.chain, false);
      if (rule.chain !== null && chain === null) return null;
      const filter = head && this.options.prefilter !== false ? this.prefilter.add(rule, targets.stable) : -1;
      let group = -1;
      if (filter >= 0) {
        const key = `${targets.signature}\u0000${transform?.index ?? -1}${rule.multiMatch ? 'm' : ''}`;
        group = this.groupIndex.get(key) ?? this.groupIndex.size;
        this.groupIndex.set(key, group);
        this.filterGroups[filter] = group;
      }
      const exact = filter >= 0 && rule.operator !== null && rule.operator.name !== 'rx';
      return { rule, op, chain, targets, transform, filter, exact, group, skipTo: -1, ordinal: head ? this.heads++ : -1 };
    } catch (e) {
      this.problems.push({ id: rule.id, file: rule.file, line: rule.line, reason: (e as Error).message });
      return null;
    }
  }

  /**
   * What the `ctl:ruleRemoveTargetByTag` actions so far (named by `key`) take from a rule, or undefined when
   * nothing: computed once per rule and list of actions, for every transaction.
   */
  tagRemoval(c: CompiledRule, removals: readonly { tag: string; targets: SecVariable[] }[], key: string): Removal | undefined {
    let cache = this.tagRemovals[c.ordinal];
    if (cache === undefined) {
      cache = new Map();
      this.tagRemovals[c.ordinal] = cache;
    } else if (cache.has(key)) return cache.get(key);
    const targets = removals.filter((x) => c.rule.tags.includes(x.tag)).flatMap((x) => x.targets);
    const removal = targets.length === 0 ? undefined : { targets, key: `t${key}` };
    if (cache.size < 64) cache.set(key, removal);
    return removal;
  }

  /** The node of a transformation chain (`none` already removed by the loader), made once per prefix. */
  private chainOf(names: readonly string[]): ChainNode | null {
    let node: ChainNode | null = null;
    for (const name of names) {
      const key = `${node?.index ?? -1}|${name}`;
      let next = this.chainIndex.get(key);
      if (next === undefined) {
        next = { index: this.chainNodes.length, parent: node, name, trigger: triggerBytes(name) };
        this.chainNodes.push(next);
        this.chainIndex.set(key, next);
      }
      node = next;
    }
    return node;
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
  /** Names the tag removals so far (the ids of their ctl actions), for the rule set's cache. */
  private tagKey = '';
  private removalCount = 0;
  private engineOff = false;
  /** Per chain node (its index): value -> that step's output. */
  private readonly transformed: (Map<string, string> | undefined)[] = [];
  /** Transformed value -> the filtered rules one of whose factors it holds. */
  private readonly hitCache = new Map<string, readonly number[]>();
  /** Per prefilter group: the filtered rules with a factor in some value of the group (this phase). */
  /** Per prefilter group: the phase (epoch) its values' hits were last marked in. */
  private readonly groupEpoch: Uint32Array;
  /** Per filtered rule: the phase (epoch) a value of its group last held one of its factors in. */
  private readonly candidateEpoch: Uint32Array;
  private phaseEpoch = 0;
  /** Per chain node (and multiMatch): raw value -> filtered rules hit (see valueHits). */
  private readonly valueHitCache: (Map<string, readonly number[]> | undefined)[] = [];
  /** Work the prefilter saved and the operators that ran (for stats). */
  readonly counters = { rulesSkipped: 0, valuesSkipped: 0, operatorRuns: 0 };
  private readonly captures: string[] = [];

  constructor(
    private readonly set: WafRuleSet,
    request: WafRequest,
    response: WafResponse | null,
  ) {
    this.vars = new WafVariables(request, response, set.loaded.config);
    this.groupEpoch = new Uint32Array(set.groups);
    this.candidateEpoch = new Uint32Array(set.groupOfFilter.length);
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
    this.phaseEpoch++;
    const list = this.set.runnable[phase]!;
    const matchedVars = this.vars.matchedVars;
    for (let i = 0; i < list.length; i++) {
      if (this.engineOff) return;
      const c = list[i]!;
      const r = c.rule;
      if (r.id !== null && this.removedIds.length > 0 && this.removed(r.id)) continue;
      if (this.removedTags.length > 0 && r.tags.some((t) => this.removedTags.includes(t))) continue;
      if (matchedVars.length > 0) matchedVars.length = 0;
      if (!this.evalLink(c, this.excludedTargets(c))) continue;
      // The whole chain matched: its links' ctl actions (rule removal, the engine, the body processor).
      for (let link: CompiledRule | null = c; link !== null; link = link.chain) for (const ctl of link.rule.ctl) this.ctl(ctl);
      if (!r.nolog && r.id !== null) this.log(r, phase);
      if (r.skipAfter !== null) i = c.skipTo; // continue after the marker (or end the phase when it is missing)
    }
  }

  private removed(id: number): boolean {
    for (const [lo, hi] of this.removedIds) if (id >= lo && id <= hi) return true;
    return false;
  }

  /**
   * The targets ctl removed from a rule (by its id or by one of its tags), for every link of its chain: the
   * same object while the removals that concern the rule stay the same (its selections stay cached).
   */
  private excludedTargets(c: CompiledRule): Removal | undefined {
    if (this.removedTargets.size === 0 && this.removedTargetsByTag.length === 0) return undefined;
    const head = c.rule;
    const byId = head.id !== null ? this.removedTargets.get(head.id) : undefined;
    const byTag =
      this.removedTargetsByTag.length === 0 ? undefined : this.set.tagRemoval(c, this.removedTargetsByTag, this.tagKey);
    if (byId === undefined) return byTag;
    // Removals by id are rare (CRS's exclusion packages): a fresh list each time.
    return { targets: byTag === undefined ? byId : [...byId, ...byTag.targets], key: `id${++this.removalCount}` };
  }

  /** Whether one link (and, when it matches, its chain) matches. */
  private evalLink(c: CompiledRule, excluded: Removal | undefined): boolean {
    const r = c.rule;
    if (c.op === null) {
      // SecAction: matches unconditionally.
      this.runSetvars(r);
      return true;
    }
    const filter = c.filter;
    // A negated phrase rule matches where the phrases are absent: no skipping it.
    if (filter >= 0 && !c.op.negated && !this.candidate(c)) {
      this.counters.rulesSkipped++;
      return false;
    }
    const op = c.op;
    const param = op.dynamic ? this.vars.expand(r.operator!.param) : r.operator!.param;
    let matched = false;
    const values = this.vars.collect(c.targets, excluded);
    const captures = r.capture ? this.captures : null;
    for (let i = 0; i < values.length; i++) {
      const { name, value } = values[i]!;
      if (!r.multiMatch) {
        if (this.test(c, op, name, this.apply(c.transform, value), param, captures)) matched = true;
        continue;
      }
      for (const v of this.allStages(c.transform, value)) if (this.test(c, op, name, v, param, captures)) matched = true;
    }
    if (!matched) return false;
    return c.chain === null || this.evalLink(c.chain, excluded);
  }

  /** The operator on one (transformed) value; at a match, MATCHED_VAR, captures and the link's setvars. */
  private test(
    c: CompiledRule,
    op: CompiledOperator,
    name: string,
    v: string,
    param: string,
    captures: string[] | null,
  ): boolean {
    if (c.filter >= 0) {
      const hit = this.hitsOf(v).includes(c.filter);
      if (c.exact && captures === null) {
        // A phrase rule's factors are its phrases: the hit is the operator's answer.
        if (hit === op.negated) return false;
      } else if (!hit && !op.negated) {
        // A value that holds none of the rule's factors cannot match.
        this.counters.valuesSkipped++;
        return false;
      } else {
        this.counters.operatorRuns++;
        if (op.match(v, param, captures) === op.negated) return false;
      }
    } else {
      this.counters.operatorRuns++;
      if (op.match(v, param, captures) === op.negated) return false;
    }
    this.vars.setMatched(name, v);
    if (captures !== null) for (let k = 0; k < captures.length; k++) this.vars.tx.set(String(k), captures[k]!);
    // As in ModSecurity v3, this link's setvars run at each match (each value, and each multiMatch stage,
    // that matches, with that match's captures), whatever the rest of the chain does: the next link may
    // read what they set, and CRS collects values one per match (922150's multipart content types).
    this.runSetvars(c.rule);
    return true;
  }

  /**
   * Whether a filtered rule could match: some value of its group (its targets, before `ctl` removals, which
   * only take values away) holds one of its factors after its transformations. Computed once per group and
   * phase.
   */
  private candidate(c: CompiledRule): boolean {
    const g = c.group;
    const epoch = this.phaseEpoch;
    if (this.groupEpoch[g] !== epoch) {
      this.groupEpoch[g] = epoch;
      const groupOf = this.set.groupOfFilter;
      const values = this.vars.collect(c.targets, undefined);
      for (let i = 0; i < values.length; i++) {
        const hits = this.valueHits(c.transform, c.rule.multiMatch, values[i]!.value);
        // Each filtered rule is in one group: a hit counts for it only among its own group's values.
        for (let k = 0; k < hits.length; k++) if (groupOf[hits[k]!] === g) this.candidateEpoch[hits[k]!] = epoch;
      }
    }
    return this.candidateEpoch[c.filter] === epoch;
  }

  /** The filtered rules with a factor in a raw value after a chain (every stage with multiMatch), cached. */
  private valueHits(node: ChainNode | null, multi: boolean, value: string): readonly number[] {
    const slot = ((node === null ? 0 : node.index + 1) << 1) | (multi ? 1 : 0);
    let cache = this.valueHitCache[slot];
    if (cache === undefined) {
      cache = new Map();
      this.valueHitCache[slot] = cache;
    } else {
      const hit = cache.get(value);
      if (hit !== undefined) return hit;
    }
    let hits: readonly number[];
    if (!multi) hits = this.hitsOf(this.apply(node, value));
    else {
      const stages = this.allStages(node, value);
      hits = this.hitsOf(stages[0]!);
      for (let i = 1; i < stages.length; i++) {
        const more = this.hitsOf(stages[i]!);
        if (more.length > 0) hits = [...new Set([...hits, ...more])];
      }
    }
    cache.set(value, hits);
    return hits;
  }

  /** The filtered rules with a factor in this transformed value (one scan per distinct value). */
  private hitsOf(v: string): readonly number[] {
    let hits = this.hitCache.get(v);
    if (hits === undefined) {
      hits = this.set.prefilter.hits(v);
      this.hitCache.set(v, hits);
    }
    return hits;
  }

  /** A value through a transformation chain, each step cached per value and skipped when it cannot change it. */
  private apply(node: ChainNode | null, value: string): string {
    if (node === null) return value;
    let cache = this.transformed[node.index];
    if (cache === undefined) {
      cache = new Map();
      this.transformed[node.index] = cache;
    } else {
      const hit = cache.get(value);
      if (hit !== undefined) return hit;
    }
    const input = this.apply(node.parent, value);
    const out = node.trigger !== null && !holdsTrigger(input, node.trigger) ? input : this.set.hooks.transform(node.name, input);
    cache.set(value, out);
    return out;
  }

  /** multiMatch: the value before any transformation and after each step that changed it. */
  private allStages(node: ChainNode | null, value: string): string[] {
    if (node === null) return [value];
    const out = this.allStages(node.parent, value);
    const v = this.apply(node, value);
    if (v !== out[out.length - 1]) out.push(v);
    return out;
  }

  private runSetvars(link: SecRule): void {
    for (const s of link.setvars) {
      const key = s.key.includes('%{') ? this.vars.expand(s.key).toLowerCase() : lowerKey(s.key);
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
        if (ctl.tag !== undefined && ctl.targets !== undefined) {
          this.removedTargetsByTag.push({ tag: ctl.tag, targets: ctl.targets });
          this.tagKey += `${ctlId(ctl)},`;
        }
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
