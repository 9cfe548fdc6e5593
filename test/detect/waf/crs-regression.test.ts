/**
 * CRS v4.28.0's own regression tests (go-ftw, ../shared/crs/tests/regression) through netsieve's WAF, in the
 * configuration CRS's CI uses for them (ci/modsecurity.conf: detection only, body access; ci/crs-setup-pl4.conf:
 * paranoia 4): each stage's request, as the bytes go-ftw sends (./ftw/request.ts), is parsed by netsieve's HTTP
 * parser, evaluated with the response CRS CI's backend gives (./ftw/response.ts), and the rule ids logged are
 * compared with the stage's expectations (Coraza's overrides, CRS CI's list for a non-ModSecurity engine).
 *
 * This is the evaluator's ratchet while issue #12 is open: the number of stages passed may only grow, no stage
 * may throw, and the failures are printed by rule so that the next step is visible.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWaf } from '../../../src/detect/waf/index.js';
import type { WafRequest, WafResponse } from '../../../src/detect/waf/index.js';
import { C2S, run } from '../../protocols/http/helpers.js';
import { CRS_DIR, expectedOutput, FTW_ABSENT, ftwPresent, ftwSuite } from './ftw/load.js';
import { requestParts } from './ftw/request.js';
import { albedoResponse } from './ftw/response.js';

/** Stages passed at the last change of the evaluator; raise it when more pass, never lower it. */
const PASSED_AT_LEAST = 4909;

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

describe.skipIf(!ftwPresent)(`CRS regression tests through the WAF${ftwPresent ? '' : ` (${FTW_ABSENT})`}`, () => {
  it('passes the stages it passed before, and throws on none', { timeout: 600_000 }, () => {
    const waf = createWaf({
      crsDir: CRS_DIR,
      configFiles: [path.join(CRS_DIR, 'ci', 'modsecurity.conf'), path.join(CRS_DIR, 'ci', 'crs-setup-pl4.conf')],
    });
    expect(waf.loaded.refused).toEqual([]);
    let passed = 0;
    let checked = 0;
    const failedByRule = new Map<number, string[]>();
    for (const stage of ftwSuite().stages) {
      const want = expectedOutput(stage, 'coraza');
      if (want.expectIds.length === 0 && want.noExpectIds.length === 0) continue;
      checked++;
      const parsed = run([{ dir: C2S, data: requestParts(stage.input).bytes }], undefined, { inspectBodyLimit: 1 << 24 });
      const r = parsed.records.find((x) => x.method !== null);
      let got: Set<number> = new Set();
      if (r !== undefined) {
        const request: WafRequest = {
          method: r.method!,
          uri: r.uri!,
          version: r.version ?? 'HTTP/1.1',
          headers: r.requestHeaders.map((h) => [h.name, h.value]),
          body: r.requestBody.length > 0 ? latin1(r.requestBody) : null,
        };
        const a = albedoResponse(stage);
        const response: WafResponse | null =
          a === null
            ? null
            : { status: a.status, version: 'HTTP/1.1', headers: a.headers.map((h) => [h.name, h.value]), body: latin1(a.body) };
        got = new Set(waf.ruleSet.evaluate(request, response).matches.map((m) => m.id));
      }
      if (want.expectIds.every((id) => got.has(id)) && !want.noExpectIds.some((id) => got.has(id))) passed++;
      else failedByRule.set(stage.ruleId, [...(failedByRule.get(stage.ruleId) ?? []), stage.key]);
    }
    const summary = [...failedByRule].sort((a, b) => b[1].length - a[1].length).map(([id, keys]) => `${id}: ${keys.join(' ')}`);
    console.log(
      `CRS regression: ${passed} of ${checked} stages pass (${((100 * passed) / checked).toFixed(1)} %)\n${summary.join('\n')}`,
    );
    expect(passed).toBeGreaterThanOrEqual(PASSED_AT_LEAST);
  });
});
