/**
 * CRS's regression requests as WAF transactions, for bench/waf.bench.ts and the prefilter's equivalence test
 * (test/detect/waf/prefilter.test.ts): every stage of go-ftw's tests
 * (`<crs>/tests/regression/tests`), its request as the bytes go-ftw sends (test/detect/waf/ftw/request.ts)
 * read by netsieve's HTTP parser, with the response CRS CI's backend gives (test/detect/waf/ftw/response.ts),
 * as test/detect/waf/crs-regression.test.ts builds them. Stages whose bytes give the parser no request are
 * left out (counted).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { WafRequest, WafResponse } from '../../../../src/detect/waf/index.js';
import { C2S, run } from '../../../protocols/http/helpers.js';
import { loadFtwSuite } from './load.js';
import { requestParts } from './request.js';
import { albedoResponse } from './response.js';

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/** One transaction: the request, and the response when the stage has one. */
export interface Exchange {
  request: WafRequest;
  response: WafResponse | null;
}

export interface CrsRequests {
  exchanges: Exchange[];
  stages: number;
  /** Stages the HTTP parser read no request from. */
  unparsed: number;
}

/** The regression set of the CRS at `crsDir`, or null when it has no tests/regression/tests. */
export function crsRegressionExchanges(crsDir: string): CrsRequests | null {
  const regression = path.join(crsDir, 'tests', 'regression');
  const tests = path.join(regression, 'tests');
  if (!fs.existsSync(tests)) return null;
  const { stages } = loadFtwSuite(tests, regression);
  const exchanges: Exchange[] = [];
  let unparsed = 0;
  for (const stage of stages) {
    const parsed = run([{ dir: C2S, data: requestParts(stage.input).bytes }], undefined, { inspectBodyLimit: 1 << 24 });
    const r = parsed.records.find((x) => x.method !== null);
    if (r === undefined) {
      unparsed++;
      continue;
    }
    const a = albedoResponse(stage);
    const response: WafResponse | null =
      a === null
        ? null
        : { status: a.status, version: 'HTTP/1.1', headers: a.headers.map((h) => [h.name, h.value]), body: latin1(a.body) };
    exchanges.push({
      request: {
        method: r.method!,
        uri: r.uri!,
        version: r.version ?? 'HTTP/1.1',
        headers: r.requestHeaders.map((h) => [h.name, h.value]),
        body: r.requestBody.length > 0 ? latin1(r.requestBody) : null,
      },
      response,
    });
  }
  return { exchanges, stages: stages.length, unparsed };
}
