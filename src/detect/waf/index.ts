/**
 * The WAF (issue #12, in progress): a SecLang rule set, OWASP CRS as users install it, run on HTTP
 * transactions. `createWaf` loads the configuration files and the CRS directory (seclang/), and evaluates
 * transactions (eval/) with ModSecurity v3's transformations (transforms/), libinjection's detectors
 * (libinjection/) and request body processors (body/).
 *
 * Not yet: the engine's `detect.waf` option and CLI (`--waf crs=DIR`), alerts and the drop verdict, the
 * multi-pattern prefilter on netsieve's regex engine. CRS's regression tests run through this API
 * (test/detect/waf/crs-regression.test.ts).
 */
import path from 'node:path';
import { NetsieveError } from '../../errors.js';
import { type WafHooks, WafRuleSet } from './eval/evaluator.js';
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
}

export interface Waf {
  readonly loaded: SecLoadResult;
  readonly ruleSet: WafRuleSet;
}

const toBytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const toText = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/** Loads the WAF's rules and makes them ready to evaluate transactions. */
export function createWaf(options: WafOptions): Waf {
  const inputs: SecInput[] = (options.configFiles ?? []).map((p) => ({ path: path.resolve(p) }));
  if (options.crsDir !== undefined) inputs.push(...crsFiles(options.crsDir).map((p) => ({ path: p })));
  inputs.push(...(options.rules ?? []));
  if (inputs.length === 0) throw new NetsieveError('NS_ERR_OPTION', 'the WAF needs rules: crsDir, configFiles or rules');
  const loaded = loadSecLang(inputs);
  const anyOn = (options.xssEventHandlers ?? 'any') === 'any';
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
  };
  return { loaded, ruleSet: new WafRuleSet(loaded, hooks) };
}

export { WafRuleSet, WafTransaction, type WafMatch } from './eval/evaluator.js';
export type { WafRequest, WafResponse } from './eval/transaction.js';
