import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BodyProcessorName, processRequestBody } from '../../../../src/detect/waf/body/index.js';
import { SHARED_DIR } from '../../../support/corpus.js';
import { type CrsBodyStage, crsBodyStages } from './crs-corpus.js';

const CRS = path.join(SHARED_DIR, 'crs');
const TESTS = path.join(CRS, 'tests', 'regression', 'tests');
const present = fs.existsSync(TESTS);

/** CRS CI's modsecurity.conf: rules 200000, 200001 and 200006 pick XML or JSON from the Content-Type. */
function ctlProcessor(ct: string): BodyProcessorName | null {
  const l = ct.toLowerCase();
  if (/^(?:application(?:\/soap\+|\/)|text\/)xml/.test(l)) return 'XML';
  if (/^application\/json/.test(l) || /^application\/[a-z0-9.-]+[+]json/.test(l)) return 'JSON';
  return null;
}

/** CRS CI's limits (ci/modsecurity.conf). */
const LIMITS = { argumentsLimit: 1000, jsonDepthLimit: 512, requestBodyNoFilesLimit: 131072 };

function contentType(s: CrsBodyStage): string | null {
  for (const [k, v] of Object.entries(s.headers)) if (k.toLowerCase() === 'content-type') return v;
  return null;
}

/**
 * Bodies that are not what their Content-Type says, on purpose: ModSecurity's processor fails on them too
 * (its 200002 fires in CRS CI, in detection-only mode, and the tests do not list it).
 */
const NOT_WELL_FORMED = new Map<string, string>([
  [
    'REQUEST-920-PROTOCOL-ENFORCEMENT/920120.yaml#39',
    'name="": the part never reaches its data, the final boundary is read as a header',
  ],
  ['REQUEST-920-PROTOCOL-ENFORCEMENT/920240.yaml#4', 'XML with backslash-escaped quotes (\\") in attribute syntax'],
  [
    'REQUEST-920-PROTOCOL-ENFORCEMENT/920400.yaml#1',
    'go-ftw template {{ repeat }} without a blank line: a part header line over 4096 bytes',
  ],
  [
    'REQUEST-920-PROTOCOL-ENFORCEMENT/920400.yaml#2',
    'go-ftw template {{ repeat }} without a blank line: a part header line over 4096 bytes',
  ],
  ['REQUEST-920-PROTOCOL-ENFORCEMENT/920420.yaml#9', 'body "test" as JSON'],
  ['REQUEST-920-PROTOCOL-ENFORCEMENT/920420.yaml#10', 'body "test" as XML'],
  ['REQUEST-922-MULTIPART-ATTACK/922130.yaml#5', '"Content-!Disposition": the part has no Content-Disposition'],
  ['REQUEST-922-MULTIPART-ATTACK/922130.yaml#8', 'parts without headers'],
  ['REQUEST-932-APPLICATION-ATTACK-RCE/932180.yaml#3', 'the final boundary is another one (--0000--)'],
]);

describe.skipIf(!present)(`CRS regression-test bodies parse (needs ${TESTS})`, () => {
  let stages: CrsBodyStage[] = [];
  beforeAll(() => {
    stages = crsBodyStages(TESTS).filter((s) => {
      const ct = contentType(s);
      return ct !== null && (ctlProcessor(ct) !== null || /^multipart\/form-data/i.test(ct));
    });
  });

  it('finds multipart, JSON and XML bodies', () => {
    expect(stages.length).toBeGreaterThan(100);
  });

  it('parses them without a processor error, except where the test expects 200002-200004', () => {
    const failures: string[] = [];
    for (const s of stages) {
      const ct = contentType(s)!;
      const body = new TextEncoder().encode(s.data);
      const r = processRequestBody(ct, body, LIMITS, { processor: ctlProcessor(ct) });
      const key = `${s.file}#${s.testId}`;
      const expected = s.expectIds.some((id) => id >= 200002 && id <= 200004);
      if (r.processorError && !expected && !NOT_WELL_FORMED.has(key)) {
        failures.push(`${key} ${r.processor}: ${r.error} ${r.detail ?? ''}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('fails on the bodies listed as not well formed (the list stays true)', () => {
    const seen = new Set<string>();
    for (const s of stages) {
      const key = `${s.file}#${s.testId}`;
      if (!NOT_WELL_FORMED.has(key)) continue;
      const ct = contentType(s)!;
      const r = processRequestBody(ct, new TextEncoder().encode(s.data), LIMITS, { processor: ctlProcessor(ct) });
      expect(r.processorError, key).toBe(true);
      seen.add(key);
    }
    expect([...seen].sort()).toEqual([...NOT_WELL_FORMED.keys()].sort());
  });
});
