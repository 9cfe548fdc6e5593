/**
 * Ground truth: over every capture of the shared corpus whose tshark truth has HTTP, the set of requests
 * (method, host, uri) and of response status codes found by the HTTP parser over all TCP flows must equal
 * tshark's. Each flow is fed to an `HttpConnection` through the engine's stream hook (no probe: the parser
 * must itself find nothing in flows that are not HTTP). Differences that remain are listed in
 * truth-known.ts with their reason and asserted exactly. Every record's EVE form is validated too.
 */
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine.js';
import { isNetsieveError } from '../../../src/errors.js';
import { httpToEve } from '../../../src/protocols/http/eve.js';
import { HTTP_DEFAULTS } from '../../../src/protocols/http/options.js';
import { HttpConnection } from '../../../src/protocols/http/state.js';
import type { HttpTransaction } from '../../../src/protocols/http/events.js';
import { CORPUS_DIR, corpusFilesWhere, corpusPresent, eveSchema, schemaPresent, truthOf } from '../../support/corpus.js';
import { RecordingSink } from './helpers.js';
import { differences, expectedDifferences, type TruthHttp } from './truth-known.js';

// Test names come from the corpus's truth; empty without the corpus.
const files = corpusFilesWhere((t) => {
  const h = t as unknown as TruthHttp;
  return (h.http_requests?.length ?? 0) + (h.http_responses?.length ?? 0) > 0;
});

async function parseCapture(file: string): Promise<{ records: HttpTransaction[]; anomalies: string[] }> {
  const records: HttpTransaction[] = [];
  const anomalies: string[] = [];
  const engine = createEngine({
    onStream: () => {
      const sink = new RecordingSink();
      sink.records = records;
      sink.anomalies = anomalies;
      const conn = new HttpConnection(sink, { ...HTTP_DEFAULTS });
      return {
        onData: (data, start, end, info) => conn.onData(info.direction, data, start, end),
        onGap: (dir, _off, len) => conn.onGap(dir, len),
        onEnd: (dir, reason) => conn.onEnd(dir, reason),
      };
    },
  });
  try {
    for await (const _ev of engine.replay(path.join(CORPUS_DIR, file))) {
      // Flow events are not needed here.
    }
  } catch (e) {
    // A capture cut short still delivers what it had; any other failure is one.
    if (!isNetsieveError(e) || e.code !== 'NS_ERR_CAPTURE_TRUNCATED') throw e;
  }
  return { records, anomalies };
}

describe.skipIf(!corpusPresent || !schemaPresent)(
  'HTTP ground truth against tshark (needs the shared corpus and EVE schema)',
  () => {
    // Every record of the corpus, as an EVE line, must also validate against Suricata's schema. Read here,
    // not in the describe body: a skipped describe's body still runs at collection.
    let validateEve: ValidateFunction;
    beforeAll(() => {
      validateEve = new Ajv({ strict: false, allErrors: true }).compile(eveSchema());
    });

    it('the corpus has captures with HTTP truth', () => {
      expect(files.length).toBeGreaterThanOrEqual(10);
    });

    it.each(files)(
      '%s',
      async (file) => {
        const truth = truthOf(file);
        const { records } = await parseCapture(file);
        for (const r of records) {
          const line = {
            timestamp: '2026-11-26T13:00:00.000000+0000',
            event_type: 'http',
            src_ip: '10.0.0.1',
            src_port: 1,
            dest_ip: '10.0.0.2',
            dest_port: 80,
            proto: 'TCP',
            http: httpToEve(r),
          };
          if (!validateEve(JSON.parse(JSON.stringify(line))))
            throw new Error(`${JSON.stringify(line)}: ${JSON.stringify(validateEve.errors)}`);
        }
        expect(differences(records, truth as unknown as TruthHttp)).toEqual(expectedDifferences(file));
      },
      30_000,
    );
  },
);
