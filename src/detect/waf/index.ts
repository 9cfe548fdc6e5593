/**
 * The WAF (issue #12): a SecLang rule set, OWASP CRS as users install it, run on HTTP
 * transactions. `createWaf` loads the configuration files and the CRS directory (seclang/), and evaluates
 * transactions (eval/) with ModSecurity v3's transformations (transforms/), libinjection's detectors
 * (libinjection/) and request body processors (body/).
 *
 * The engine runs it on every HTTP transaction when the `detect.waf` option is given (`--waf crs=DIR`): each
 * logged rule match is an `alert` (gid 9, signature_id = the rule id), and the `http` record carries the
 * results (`waf`: CRS's anomaly scores, the matched rules, the intervention; `wafResult`). In `block` mode a
 * transaction with an intervention drops its flow from the packet that completed its request (phases 1-2
 * run then; 3-5 when the response is over). Rules run behind a multi-pattern prefilter on netsieve's regex
 * engine (eval/prefilter.ts). CRS's regression tests run through this API (test/detect/waf/crs-regression.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { NetsieveError } from '../../errors.js';
import type { AlertInfo } from '../../events.js';
import type { HttpTransaction, HttpWafResult } from '../../protocols/http/events.js';
import { type WafHooks, type WafMatch, WafRuleSet, type WafTransaction } from './eval/evaluator.js';
import type { WafRequest, WafResponse } from './eval/transaction.js';
import { detectSqli, detectXss } from './libinjection/index.js';
import { crsFiles, loadSecLang, type SecInput, type SecLoadResult } from './seclang/index.js';
import { lookupTransformation, type Transformation } from './transforms/index.js';

export interface WafOptions {
  /** A CRS directory (a release or a checkout of coreruleset): its `rules/*.conf` are loaded. */
  crsDir?: string;
  /** Files loaded first, in order, as ModSecurity's Includes: `modsecurity.conf`, then `crs-setup.conf`. */
  configFiles?: readonly string[];
  /** More SecLang, after the CRS rules (text or files). */
  rules?: readonly SecInput[];
  /**
   * `@detectXSS` as libinjection 3.9.2 (ModSecurity 3.0.x) decides (`any`: every `on...` attribute of five
   * characters or more is an event handler) or as current libinjection (`known` event names). Default `any`,
   * which CRS's regression tests expect.
   */
  xssEventHandlers?: 'any' | 'known';
  /**
   * CRS's paranoia level, 1-4 (blocking and detection), over what the setup file says: set by one more
   * SecAction after the configuration files, as editing `crs-setup.conf` would.
   */
  paranoia?: number;
  /**
   * The multi-pattern prefilter (default on): rules whose patterns' literals a value lacks skip it. Off, every
   * operator runs on every value; the results are the same, only slower.
   */
  prefilter?: boolean;
  /**
   * @internal Milliseconds of V8 time on one `@rx` rule's long values before its pattern moves to netsieve's
   * regex engine (default 5; 0 at once; Infinity never). Tests set it to compare the two.
   */
  rxEngineAfterMs?: number;
  /**
   * `detect` (default): results and alerts only. `block`: a transaction with an intervention (a matched rule
   * whose disruptive action is deny, drop or redirect: CRS's 949110 when the inbound anomaly score reaches
   * its threshold, 959100 for the outbound one) makes its flow drop, as a Suricata `drop` rule does. This
   * option decides, not a configuration's `SecRuleEngine` (netsieve is not the server's module: there is
   * no request to refuse, only packets to drop).
   */
  mode?: 'detect' | 'block';
}

/** What the WAF did (`stats().detect.waf`, with the number of rules loaded). */
export interface WafStats {
  /** HTTP transactions evaluated. */
  transactions: number;
  /** Rule matches logged (the alerts). */
  matches: number;
  /** Transactions with an intervention in block mode (each made its flow drop). */
  blocked: number;
  /** Rule evaluations the prefilter skipped: none of the rule's values held one of its literals. */
  rulesSkipped: number;
  /** Values the prefilter kept from a rule's operator (the rule ran on others). */
  valuesSkipped: number;
  /** Operator runs (each on one transformed value). */
  operatorRuns: number;
  /** `@rx` rules that moved from V8 to netsieve's regex engine (V8 backtracked on their values). */
  rxOnEngine: number;
}

/** The generator id of WAF alerts (`alert.gid`); `signature_id` is the SecLang rule's id. */
export const WAF_GID = 9;

export interface Waf {
  readonly loaded: SecLoadResult;
  readonly ruleSet: WafRuleSet;
  readonly mode: 'detect' | 'block';
  /** Evaluates one HTTP transaction (request, and response when it has one): the logged rule matches. */
  inspect(tx: HttpTransaction): WafMatch[];
  /**
   * Phases 1 and 2 on a transaction's request (`tx`'s request fields; its response is not read), once the
   * request is complete; null for a transaction without request. Finish it with `finish`.
   */
  begin(tx: HttpTransaction): WafTransaction | null;
  /**
   * Phases 3-5 with `tx`'s response (or phase 5 alone without one) on a transaction `begin` started (null:
   * evaluates `tx` whole): counted in `stats`, and its results as the record carries them.
   */
  finish(t: WafTransaction | null, tx: HttpTransaction): { matches: WafMatch[]; result: HttpWafResult } | null;
  readonly stats: WafStats;
}

/** The request of an HTTP record as the evaluator reads it (null: the record has no request). */
export function wafRequestOf(tx: HttpTransaction): WafRequest | null {
  if (tx.method === null) return null;
  return {
    method: tx.method,
    uri: tx.uri ?? '',
    version: tx.version ?? 'HTTP/1.1',
    headers: tx.requestHeaders.map((h) => [h.name, h.value]),
    body: tx.requestBody.length > 0 ? toText(tx.requestBody) : null,
  };
}

/** The response of an HTTP record as the evaluator reads it (null: none came). */
export function wafResponseOf(tx: HttpTransaction): WafResponse | null {
  if (tx.status === null) return null;
  return {
    status: tx.status,
    version: tx.responseVersion ?? 'HTTP/1.1',
    headers: tx.responseHeaders.map((h) => [h.name, h.value]),
    body: tx.responseBody.length > 0 ? toText(tx.responseBody) : null,
  };
}

/**
 * A finished transaction's results as the `http` record carries them: CRS's blocking scores and thresholds
 * (TX `blocking_inbound_anomaly_score`, `inbound_anomaly_score_threshold`, and the outbound ones; 0 when a
 * rule set without CRS sets none), its blocking paranoia level, the logged rules in order, the first
 * intervention, and whether it made the flow drop (`block` mode with an intervention).
 */
export function wafResultOf(t: WafTransaction, mode: 'detect' | 'block'): HttpWafResult {
  const intervention = t.intervention;
  const s = t.scores;
  const matched: number[] = [];
  for (const m of t.matches) matched.push(m.id);
  return {
    inboundScore: s.blockingInbound,
    outboundScore: s.blockingOutbound,
    inboundThreshold: s.inboundThreshold,
    outboundThreshold: s.outboundThreshold,
    paranoia: s.blockingParanoia,
    matched,
    intervention,
    blocked: mode === 'block' && intervention !== null,
  };
}

const toBytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const toText = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/** Loads the WAF's rules and makes them ready to evaluate transactions. */
export function createWaf(options: WafOptions): Waf {
  if (options === null || typeof options !== 'object')
    throw new NetsieveError('NS_ERR_OPTION', 'option detect.waf must be an object');
  const inputs: SecInput[] = (options.configFiles ?? []).map((p) => {
    if (!fs.existsSync(p)) throw new NetsieveError('NS_ERR_CONFIG', `WAF configuration file ${p} does not exist`);
    return { path: path.resolve(p) };
  });
  if (options.paranoia !== undefined) {
    const pl = options.paranoia;
    if (!Number.isInteger(pl) || pl < 1 || pl > 4)
      throw new NetsieveError('NS_ERR_OPTION', `the paranoia level is 1 to 4, not ${pl}`);
    inputs.push({
      name: '<paranoia>',
      text: `SecAction "id:9999001,phase:1,pass,nolog,setvar:tx.blocking_paranoia_level=${pl},setvar:tx.detection_paranoia_level=${pl}"`,
    });
  }
  if (options.crsDir !== undefined) {
    if (!fs.existsSync(path.join(options.crsDir, 'rules')))
      throw new NetsieveError(
        'NS_ERR_CONFIG',
        `${options.crsDir} is not a CRS directory (no rules/ folder): give the top of a coreruleset release or checkout`,
      );
    inputs.push(...crsFiles(options.crsDir).map((p) => ({ path: p })));
  }
  inputs.push(...(options.rules ?? []));
  if (inputs.length === 0) throw new NetsieveError('NS_ERR_OPTION', 'the WAF needs rules: crsDir, configFiles or rules');
  const loaded = loadSecLang(inputs);
  const mode = options.mode ?? 'detect';
  if (mode !== 'detect' && mode !== 'block')
    throw new NetsieveError('NS_ERR_OPTION', `the WAF's mode is detect or block, not ${String(mode)}`);
  const anyOn = (options.xssEventHandlers ?? 'any') === 'any';
  const stats: WafStats = {
    transactions: 0,
    matches: 0,
    blocked: 0,
    rulesSkipped: 0,
    valuesSkipped: 0,
    operatorRuns: 0,
    rxOnEngine: 0,
  };
  const cache = new Map<string, Transformation | null>();
  const hooks: WafHooks = {
    transform(name, value) {
      let f = cache.get(name);
      if (f === undefined) {
        f = lookupTransformation(name);
        cache.set(name, f);
      }
      if (f === null) return value;
      const input = toBytes(value);
      const out = f(input);
      return out === input ? value : toText(out);
    },
    detectSqli: (v) => detectSqli(toBytes(v)).match,
    detectXss: (v) => detectXss(toBytes(v), { eventHandlers: anyOn ? 'any' : 'known' }),
    rxEngineAfterMs: options.rxEngineAfterMs ?? 5,
    onRxEngine: () => {
      stats.rxOnEngine++;
    },
  };
  const ruleSet = new WafRuleSet(loaded, hooks, { prefilter: options.prefilter !== false });
  const count = (t: WafTransaction): void => {
    stats.transactions++;
    stats.matches += t.matches.length;
    stats.rulesSkipped += t.counters.rulesSkipped;
    stats.valuesSkipped += t.counters.valuesSkipped;
    stats.operatorRuns += t.counters.operatorRuns;
  };
  const begin = (tx: HttpTransaction): WafTransaction | null => {
    const request = wafRequestOf(tx);
    if (request === null) return null;
    const t = ruleSet.begin(request);
    t.runRequestPhases();
    return t;
  };
  return {
    loaded,
    ruleSet,
    mode,
    stats,
    inspect(tx) {
      const request = wafRequestOf(tx);
      if (request === null) return [];
      const t = ruleSet.evaluate(request, wafResponseOf(tx));
      count(t);
      return t.matches;
    },
    begin,
    finish(t, tx) {
      const w = t ?? begin(tx);
      if (w === null) return null;
      w.runResponsePhases(wafResponseOf(tx));
      count(w);
      const result = wafResultOf(w, mode);
      if (result.blocked) stats.blocked++;
      return { matches: w.matches, result };
    },
  };
}

/** SecLang severities (0 EMERGENCY .. 7 DEBUG) on Suricata's scale (1 high .. 4 low). */
function alertSeverity(s: number | null): number {
  if (s === null) return 3;
  return s <= 2 ? 1 : s === 3 ? 2 : s === 4 ? 3 : 4;
}

/**
 * The `alert` object of a WAF match: gid 9, signature_id the rule id, its msg, the category from its attack
 * tag, the rule's tags and logdata in metadata, and ATT&CK T1190 (exploit public-facing application) for
 * CRS's attack rules.
 */
export function wafAlertInfo(m: WafMatch): AlertInfo {
  const attack = m.tags.some((t) => t.startsWith('attack-'));
  const metadata: Record<string, string[]> = { waf_rule: [String(m.id)] };
  if (m.tags.length > 0) metadata.tag = [...m.tags];
  if (m.logdata !== '') metadata.waf_logdata = [m.logdata];
  if (m.matchedVar !== '') metadata.waf_matched_var = [m.matchedVar];
  if (attack) metadata.mitre_technique_id = ['T1190'];
  return {
    action: 'allowed',
    gid: WAF_GID,
    signatureId: m.id,
    rev: 1,
    signature: m.msg !== '' ? m.msg : `SecLang rule ${m.id}`,
    category: attack ? 'Web Application Attack' : m.id >= 949000 ? 'Web Application Attack' : 'Misc activity',
    severity: alertSeverity(m.severity),
    metadata,
  };
}

export { type WafIntervention, WafRuleSet, type WafScores, WafTransaction, type WafMatch } from './eval/evaluator.js';
export type { WafRequest, WafResponse } from './eval/transaction.js';
