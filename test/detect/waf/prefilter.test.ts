/**
 * The WAF's multi-pattern prefilter (src/detect/waf/eval/prefilter.ts) and `@rx` on netsieve's regex engine
 * (operators.ts, `rxOperator`) must never change a result: with both (every pattern the engine takes moved to
 * it at once) and with neither (`prefilter: false`, V8 alone, every operator on every value), CRS in CRS CI's configuration (paranoia 4)
 * logs the same rules, with the same matched variables and data, and ends with the same anomaly scores, on
 * CRS's regression requests (every other stage, both halves across runs of the seed) and on hand-made
 * requests. Also: what the prefilter decides for is reported, and a rule set whose patterns give it nothing
 * to work with still evaluates.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWaf, type WafRequest, type WafResponse } from '../../../src/detect/waf/index.js';
import { crsRegressionExchanges } from './ftw/exchanges.js';
import { CRS_DIR, FTW_ABSENT, ftwPresent } from './ftw/load.js';

function signature(waf: ReturnType<typeof createWaf>, request: WafRequest, response: WafResponse | null): string {
  const t = waf.ruleSet.evaluate(request, response);
  const tx = t.tx;
  return JSON.stringify({
    matches: t.matches.map((m) => [m.id, m.phase, m.matchedVar, m.matchedValue, m.logdata]),
    scores: [tx.blocking_inbound_anomaly_score, tx.detection_inbound_anomaly_score, tx.blocking_outbound_anomaly_score],
  });
}

describe('WAF prefilter', () => {
  it('changes nothing on a small rule set, and counts what it decides for', () => {
    const rules = [
      'SecRule ARGS "@rx (?i)union\\s+select" "id:1,phase:2,pass,log,t:none,t:urlDecodeUni"',
      'SecRule ARGS|REQUEST_HEADERS "@pm evil wicked" "id:2,phase:2,pass,log,t:lowercase"',
      'SecRule ARGS "@rx ^[0-9]+$" "id:3,phase:2,pass,log"',
      'SecRule ARGS "!@rx select" "id:4,phase:2,pass,log"',
      'SecRule TX:x "@rx abc" "id:5,phase:2,pass,log"',
    ];
    const on = createWaf({ rules: rules.map((text) => ({ text })) });
    const off = createWaf({ rules: rules.map((text) => ({ text })), prefilter: false });
    // 1 and 2 are filtered; 3 has no literal, 4 is negated, 5 reads TX (changes while rules run).
    expect(on.ruleSet.prefilterInfo).toMatchObject({ filteredRules: 2, unfilteredRules: 3 });
    expect(off.ruleSet.prefilterInfo.filteredRules).toBe(0);
    const cases = ['/?a=1', '/?a=UNION%20%20SeLeCt', '/?q=EviL', '/?q=select', '/?a=unionselect', '/'];
    for (const uri of cases) {
      const request: WafRequest = { method: 'GET', uri, version: 'HTTP/1.1', headers: [['User-Agent', 'Wicked/1']], body: null };
      expect(signature(on, request, null), uri).toBe(signature(off, request, null));
    }
    const hit = on.ruleSet.evaluate(
      { method: 'GET', uri: '/?a=UNION%20SELECT', version: 'HTTP/1.1', headers: [], body: null },
      null,
    );
    expect(hit.matches.map((m) => m.id)).toContain(1);
    expect(hit.counters.rulesSkipped).toBeGreaterThan(0);
  });

  it('moves an @rx rule to the regex engine once V8 has spent its budget on it, with the same answers', () => {
    // Quadratic on V8 for a long run of letters with no digit after it; linear on the engine.
    const rules = [{ text: 'SecRule ARGS "@rx [a-z]+[0-9]" "id:7,phase:2,pass,log,capture,setvar:tx.got=%{TX.0}"' }];
    const waf = createWaf({ rules, rxEngineAfterMs: 0.0001 });
    const long = 'x'.repeat(300);
    const ask = (q: string) => {
      const t = waf.ruleSet.evaluate({ method: 'GET', uri: `/?q=${q}`, version: 'HTTP/1.1', headers: [], body: null }, null);
      return [t.matches.map((m) => m.id), t.tx.got ?? null];
    };
    expect(ask(long)).toEqual([[], null]); // timed on V8: over the budget, the pattern moves
    expect(waf.stats.rxOnEngine).toBe(1);
    expect(ask(long)).toEqual([[], null]);
    expect(ask(`${long}7`)).toEqual([[7], `${long}7`]); // the engine finds it, V8 captures
    expect(ask('ab')).toEqual([[], null]);
    expect(waf.stats.rxOnEngine).toBe(1);
  });

  describe.skipIf(!ftwPresent)(`on CRS's regression requests${ftwPresent ? '' : ` (${FTW_ABSENT})`}`, () => {
    it('logs the same rules, data and scores with and without them', { timeout: 600_000 }, () => {
      const configFiles = [path.join(CRS_DIR, 'ci', 'modsecurity.conf'), path.join(CRS_DIR, 'ci', 'crs-setup-pl4.conf')];
      // Every pattern netsieve's engine takes runs there at once (instead of after V8 proved slow on it); the
      // reference is V8 alone, on every value.
      const on = createWaf({ crsDir: CRS_DIR, configFiles, rxEngineAfterMs: 0 });
      const off = createWaf({ crsDir: CRS_DIR, configFiles, prefilter: false, rxEngineAfterMs: Number.POSITIVE_INFINITY });
      // Most of CRS's @rx and @pm rules are decided by literals; the rest run as before.
      expect(on.ruleSet.prefilterInfo.filteredRules).toBeGreaterThan(200);
      const set = crsRegressionExchanges(CRS_DIR)!;
      // Half of the stages, the half changing with the day: every stage is covered over two days of runs.
      const half = new Date().getUTCDate() % 2;
      const differences: string[] = [];
      let compared = 0;
      let skipped = 0;
      set.exchanges.forEach((e, i) => {
        if (i % 2 !== half) return;
        compared++;
        const a = signature(on, e.request, e.response);
        const b = signature(off, e.request, e.response);
        if (a !== b) differences.push(`${e.request.method} ${e.request.uri.slice(0, 80)}: ${a} vs ${b}`);
      });
      for (const e of set.exchanges.slice(0, 50)) skipped += on.ruleSet.evaluate(e.request, e.response).counters.rulesSkipped;
      expect(differences.slice(0, 5)).toEqual([]);
      expect(compared).toBeGreaterThan(2400);
      expect(skipped).toBeGreaterThan(0);
      expect(on.stats.rulesSkipped).toBe(0); // evaluate() on the rule set is not counted; inspect() and the engine are
      expect(off.stats.rxOnEngine).toBe(0);
    });
  });
});
