/**
 * CRS v4.28.0's own regression tests (go-ftw, ../shared/crs/tests/regression) through netsieve's WAF, in the
 * configuration CRS's CI uses for them (ci/modsecurity.conf: detection only, body access; ci/crs-setup-pl4.conf:
 * paranoia 4): each stage's request, as the bytes go-ftw sends (./ftw/request.ts), is parsed by netsieve's HTTP
 * parser, evaluated with the response CRS CI's backend gives (./ftw/response.ts), and the rule ids logged are
 * compared with the stage's expectations (Coraza's overrides, CRS CI's list for a non-ModSecurity engine).
 *
 * This is the evaluator's ratchet while issue #12 is open: every stage outside KNOWN_FAILURES must pass, the
 * number passed may only grow, no stage may throw, and a known failure that starts passing is reported (so that
 * the list shrinks).
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
const PASSED_AT_LEAST = 4929;

/**
 * Stages netsieve fails on purpose: what the stage expects is what the engine or web server in front of it does
 * with the request, not what ModSecurity v3 does with the request netsieve's HTTP parser reads (see MALFORMED in
 * ./ftw/parse.test.ts for the requests it flags and still passes on).
 */
const KNOWN_FAILURES: Record<string, string> = {
  '920100-8/0':
    "Coraza's override (Go's server allows the colon in /index.html:80 and Coraza logs 920100); REQUEST_LINE matches " +
    "920100's pattern, and ModSecurity v3 behind nginx does not log it either (CRS's nginx override)",
  '920181-1/0':
    'Content-Length with Transfer-Encoding: chunked: httpd and Go drop the Content-Length (nginx answers 400) before ' +
    'the WAF; netsieve passes both headers on (flagged http.content_length_with_transfer_encoding), so 920181 matches',
  '920360-1/0': "needs tx.arg_name_length, which CRS CI's crs-setup leaves unset (CRS's nginx and httpd overrides say so)",
  '920380-1/0': "needs tx.max_num_args, which CRS CI's crs-setup leaves unset (CRS's nginx and httpd overrides say so)",
  '920430-8/0':
    "HTTP/4.0: Go's server answers 505 before Coraza (Coraza's override); netsieve flags http.invalid_version and " +
    'evaluates the request, so 920430 matches as in ModSecurity v3',
  '920620-1/0':
    "two Content-Type headers: the expectation is httpd's, which joins them into one; netsieve keeps them apart as " +
    "nginx does, and ModSecurity v3 then logs 920620 (CRS's nginx override expects it)",
  '921140-1/0':
    'a bare CR inside a header value: web servers answer 400 before the WAF; netsieve flags http.bare_cr and passes ' +
    'the value on, in which 921140 finds the CR',
};

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
    const unexpected: string[] = [];
    const knownPassing: string[] = [];
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
      const known = KNOWN_FAILURES[stage.key] !== undefined;
      if (want.expectIds.every((id) => got.has(id)) && !want.noExpectIds.some((id) => got.has(id))) {
        passed++;
        if (known) knownPassing.push(stage.key);
      } else {
        failedByRule.set(stage.ruleId, [...(failedByRule.get(stage.ruleId) ?? []), stage.key]);
        if (!known) unexpected.push(`${stage.key}: expected ${want.expectIds} and not ${want.noExpectIds}, got ${[...got]}`);
      }
    }
    const summary = [...failedByRule].sort((a, b) => b[1].length - a[1].length).map(([id, keys]) => `${id}: ${keys.join(' ')}`);
    console.log(
      `CRS regression: ${passed} of ${checked} stages pass (${((100 * passed) / checked).toFixed(1)} %)\n${summary.join('\n')}`,
    );
    if (knownPassing.length > 0) console.log(`known failures that now pass (drop them from KNOWN_FAILURES): ${knownPassing}`);
    expect(unexpected).toEqual([]);
    expect(knownPassing).toEqual([]);
    expect(passed).toBeGreaterThanOrEqual(PASSED_AT_LEAST);
  });
});
