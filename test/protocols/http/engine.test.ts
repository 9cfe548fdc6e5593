/**
 * Through the engine, with the registry as shipped (src/protocols/registry.ts lists the HTTP module and its
 * EVE mapper), over captures of the shared corpus: probe, detection, parser and EVE output together. The
 * requests and status codes found must differ from tshark's exactly as when the parser is fed every TCP flow
 * directly (truth.test.ts): the probe claims every HTTP flow of the corpus.
 */
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine.js';
import { isNetsieveError } from '../../../src/errors.js';
import type { NetsieveEvent } from '../../../src/events.js';
import { toEve } from '../../../src/output/eve.js';
import { httpModule, httpToEve } from '../../../src/protocols/http/index.js';
import { EVE_MAPPERS, PROTOCOLS } from '../../../src/protocols/registry.js';
import { CORPUS_DIR, corpusFilesWhere, corpusPresent, eveSchema, schemaPresent, truthOf } from '../../support/corpus.js';
import { ENGINE_PARTIAL, differences, expectedDifferences, type TruthHttp } from './truth-known.js';

describe('the registry as shipped', () => {
  it('lists the HTTP module and its EVE mapper', () => {
    expect(PROTOCOLS).toContain(httpModule);
    expect(httpModule.toEve).toBe(httpToEve);
    expect(Object.keys(EVE_MAPPERS)).toContain('http');
  });
});

// Test names come from the corpus's truth; empty without the corpus.
const FILES = corpusFilesWhere((t) => {
  const h = t as unknown as TruthHttp;
  return (h.http_requests?.length ?? 0) + (h.http_responses?.length ?? 0) > 0;
});

describe.skipIf(!corpusPresent || !schemaPresent)('HTTP through the engine (needs the shared corpus and EVE schema)', () => {
  let validate: ValidateFunction;
  // Read here, not in the describe body: a skipped describe's body still runs at collection.
  beforeAll(() => {
    validate = new Ajv({ strict: false, allErrors: true }).compile(eveSchema());
  });

  it('the corpus has captures with HTTP truth', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(10);
  });

  it.each(FILES)(
    '%s',
    async (file) => {
      const truth = truthOf(file) as unknown as TruthHttp;
      const evs: NetsieveEvent[] = [];
      try {
        for await (const ev of createEngine().replay(path.join(CORPUS_DIR, file))) evs.push(ev);
      } catch (e) {
        // A capture cut short still delivers its events; any other failure is one.
        if (!isNetsieveError(e) || e.code !== 'NS_ERR_CAPTURE_TRUNCATED') throw e;
      }
      const http = evs.flatMap((e) => (e.type === 'http' ? [e] : []));
      // Through the engine, the probe decides which flows are parsed: the same differences as parsing every flow
      // (ENGINE_PARTIAL lists where detection decides, and why).
      const got = differences(
        http.map((e) => e.http),
        truth,
      );
      const want = expectedDifferences(file);
      if (ENGINE_PARTIAL[file] === undefined) expect(got).toEqual(want);
      else {
        // Fewer flows may be parsed, but nothing found that the direct test does not find.
        for (const k of got.onlyOurs) expect(want.onlyOurs).toContain(k);
        for (const c of got.codesOnlyOurs) expect(want.codesOnlyOurs).toContain(c);
      }
      for (const ev of evs) {
        const line = JSON.parse(JSON.stringify(toEve(ev)));
        if (!validate(line)) throw new Error(`${JSON.stringify(line)}: ${JSON.stringify(validate.errors)}`);
      }
      // Every flow that carried HTTP was recognised in its bytes.
      for (const e of evs)
        if (e.type === 'flow' && http.some((h) => h.flowId === e.flowId))
          expect([e.appProto, e.appProtoConfidence]).toEqual(['http', 'dpi']);
    },
    30_000,
  );
});
