/**
 * Ground truth: over every capture of the shared corpus whose tshark truth has HTTP, the set of requests
 * (method, host, uri) and of response status codes found by the HTTP parser over all TCP flows must equal
 * tshark's. Each flow is fed to an `HttpConnection` through the engine's stream hook (no probe: the parser
 * must itself find nothing in flows that are not HTTP). Differences that remain are listed in
 * truth-known.ts with their reason and asserted exactly. Every record's EVE form is validated too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine.js';
import { httpToEve } from '../../../src/protocols/http/eve.js';
import { HTTP_DEFAULTS } from '../../../src/protocols/http/options.js';
import { HttpConnection } from '../../../src/protocols/http/state.js';
import type { HttpTransaction } from '../../../src/protocols/http/events.js';
import { CORPUS_DIR, EVE_SCHEMA, TRUTH_DIR, corpusPresent } from '../../support/corpus.js';
import { RecordingSink } from './helpers.js';
import { differences, expectedDifferences, type TruthHttp } from './truth-known.js';

const files = corpusPresent
  ? fs
      .readdirSync(TRUTH_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ file: f.slice(0, -5), truth: JSON.parse(fs.readFileSync(path.join(TRUTH_DIR, f), 'utf8')) }))
      .filter((t) => (t.truth.http_requests?.length ?? 0) + (t.truth.http_responses?.length ?? 0) > 0)
  : [];

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
  } catch {
    // A capture cut short still delivers what it had.
  }
  return { records, anomalies };
}

// Every record of the corpus, as an EVE line, must also validate against Suricata's schema.
const validateEve = fs.existsSync(EVE_SCHEMA) ? new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8'))) : null;

describe.skipIf(!corpusPresent)('HTTP ground truth against tshark', () => {
  if (!corpusPresent) it.skip('shared corpus absent: skipped', () => {});
  it.each(files.map((f) => [f.file, f.truth]))('%s', async (file, truth) => {
    const { records } = await parseCapture(file as string);
    if (validateEve !== null) {
      for (const r of records) {
        const line = { timestamp: '2026-11-26T13:00:00.000000+0000', event_type: 'http', src_ip: '10.0.0.1', src_port: 1, dest_ip: '10.0.0.2', dest_port: 80, proto: 'TCP', http: httpToEve(r) };
        if (!validateEve(JSON.parse(JSON.stringify(line)))) throw new Error(`${JSON.stringify(line)}: ${JSON.stringify(validateEve.errors)}`);
      }
    }
    expect(differences(records, truth as TruthHttp)).toEqual(expectedDifferences(file as string));
  }, 30_000);
});
