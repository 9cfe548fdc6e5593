/**
 * The detection stage: Suricata rules (rules/), DLP sensors (dlp/), compiled onto netsieve's regex engine
 * (signatures.ts) and run on what the earlier stages produced (detector.ts). The engine creates it from the
 * `detect` option and turns its hits into alert events and verdicts.
 */
import fs from 'node:fs';
import type { AlertInfo } from '../events.js';
import { NetsieveError } from '../errors.js';
import { Detector } from './detector.js';
import { compileDlp } from './dlp/scanner.js';
import { DLP_SENSOR_NAMES } from './dlp/sensors.js';
import { builtInClasstypes, parseClassificationConfig } from './rules/classification.js';
import { loadRules, type LoadResult, type RuleInput } from './rules/load.js';
import { SignatureSet, type Signature } from './signatures.js';
import { createWaf, type Waf, type WafOptions } from './waf/index.js';

export interface DetectOptions {
  /** Rule texts, and rule files as `{ path }` (read when the engine is created). */
  rules?: readonly (string | { path: string })[];
  /** Rule variables over Suricata's defaults (`HOME_NET`, `HTTP_PORTS`, ...), names without `$`. */
  vars?: Readonly<Record<string, string>>;
  /** A Suricata `classification.config` to read over the built-in classtypes. */
  classification?: string;
  /** Fail (NS_ERR_RULE) when any rule is refused, instead of loading the others and reporting them. */
  strict?: boolean;
  /**
   * DLP sensors that alert on their own (`'all'` or names: credit_card, us_ssn, iban, aws_access_key,
   * github_token, slack_token, private_key, jwt, email): in decoded URIs, headers, request and response
   * bodies, Redis commands and replies, and the raw stream of TCP flows whose application is unknown.
   */
  dlp?: 'all' | readonly string[];
  /**
   * The WAF (src/detect/waf/, in progress): SecLang rules such as OWASP CRS (`{ crsDir, configFiles,
   * paranoia, mode }`) on every HTTP transaction; each logged rule match is an alert (gid 9, signature_id =
   * rule id), the `http` record carries the results (`waf`), and `mode: 'block'` drops a flow the WAF
   * intervenes on.
   */
  waf?: WafOptions;
}

/** The detection stage of an engine: the detector and the report of the load. */
export interface Detection {
  readonly detector: Detector;
  /** What was loaded and what was refused (file, line, sid, keyword, why). */
  readonly report: Omit<LoadResult, 'rules'>;
  /** The WAF, when the `waf` option is given. */
  readonly waf: Waf | null;
}

function readInput(input: string | { path: string }, i: number): RuleInput {
  if (typeof input === 'string') return { path: `<rules ${i + 1}>`, text: input };
  if (typeof input !== 'object' || input === null || typeof input.path !== 'string')
    throw new NetsieveError('NS_ERR_OPTION', `detect.rules[${i}] must be rule text or { path }`);
  try {
    return { path: input.path, text: fs.readFileSync(input.path, 'utf8') };
  } catch (e) {
    throw new NetsieveError('NS_ERR_CONFIG', `cannot read rules file ${input.path}: ${(e as Error).message}`);
  }
}

/** Loads and compiles the rules of the `detect` option. */
export function createDetection(options: DetectOptions): Detection {
  if (typeof options !== 'object' || options === null)
    throw new NetsieveError('NS_ERR_OPTION', 'option detect must be an object');
  const inputs = (options.rules ?? []).map(readInput);
  let classification: RuleInput | undefined;
  if (options.classification !== undefined) {
    try {
      classification = { path: options.classification, text: fs.readFileSync(options.classification, 'utf8') };
    } catch (e) {
      throw new NetsieveError(
        'NS_ERR_CONFIG',
        `cannot read classification file ${options.classification}: ${(e as Error).message}`,
      );
    }
  }
  const loaded = loadRules(inputs, { vars: options.vars, classification });
  const classtypes =
    classification === undefined
      ? builtInClasstypes()
      : parseClassificationConfig(classification.text, classification.path ?? '<classification>');
  const categories = new Map<string, string>();
  for (const [name, c] of classtypes) categories.set(name, c.description);
  const set = new SignatureSet(loaded.rules, categories);
  const { rules: _rules, ...report } = loaded;
  for (const { rule, error } of set.refused) {
    report.failed.push({
      file: rule.location.file,
      line: rule.location.line,
      sid: rule.sid,
      kind: error.kind,
      keyword: error.keyword,
      message: error.message,
    });
    report.stats.loaded--;
    report.stats.failed++;
    report.stats.byKind[error.kind] = (report.stats.byKind[error.kind] ?? 0) + 1;
  }
  if (options.strict === true && report.failed.length > 0) {
    const f = report.failed[0]!;
    throw new NetsieveError(
      'NS_ERR_RULE',
      `${report.failed.length} rule(s) failed to load; first: ${f.file}:${f.line}: ${f.message}`,
    );
  }
  // One DLP scanner for the sensors that alert and those the rules' `dlp` keywords ask for.
  const alerting = options.dlp === undefined ? [] : options.dlp === 'all' ? [...DLP_SENSOR_NAMES] : [...options.dlp];
  const used = new Set<string>(alerting);
  for (const sig of set.signatures) for (const n of sig.rule.dlp) used.add(n);
  const dlp = used.size > 0 ? compileDlp([...used]) : null;
  const waf = options.waf === undefined ? null : createWaf(options.waf);
  return { detector: new Detector(set, dlp, new Set(alerting)), report, waf };
}

/** The `alert` object of a signature's alert (with metadata the match adds, such as DLP's). */
export function alertInfo(sig: Signature, extra?: Record<string, string[]>): AlertInfo {
  const r = sig.rule;
  const info: AlertInfo = {
    action: sig.blocks ? 'blocked' : 'allowed',
    gid: r.gid,
    signatureId: r.sid,
    rev: r.rev,
    signature: r.msg,
    category: sig.category,
    severity: r.priority,
  };
  if (r.metadata.length > 0 || extra !== undefined) {
    const md: Record<string, string[]> = {};
    for (const [k, v] of r.metadata) (md[k] ??= []).push(v);
    if (extra !== undefined) for (const [k, v] of Object.entries(extra)) md[k] = [...(md[k] ?? []), ...v];
    info.metadata = md;
  }
  return info;
}
