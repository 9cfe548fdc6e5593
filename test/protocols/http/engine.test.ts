/**
 * Through the engine: the module registered as the lead will register it (one line in PROTOCOLS, one in
 * EVE_MAPPERS; done here, test-local, when the registry does not have it yet), over captures of the shared
 * corpus: probe, detection, parser and EVE output together. The requests and status codes found must
 * differ from tshark's exactly as when the parser is fed every TCP flow directly (truth.test.ts): the probe
 * claims every HTTP flow of the corpus.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine.js';
import type { NetsieveEvent } from '../../../src/events.js';
import { toEve } from '../../../src/output/eve.js';
import { httpModule, httpToEve } from '../../../src/protocols/http/index.js';
import { EVE_MAPPERS, PROTOCOLS } from '../../../src/protocols/registry.js';
import type { AnyProtocolModule } from '../../../src/protocols/module.js';
import { CORPUS_DIR, EVE_SCHEMA, TRUTH_DIR, corpusPresent } from '../../support/corpus.js';
import { ENGINE_PARTIAL, differences, expectedDifferences, type TruthHttp } from './truth-known.js';

// The registry has the module; these lines only matter in a checkout where it is not registered yet.
if (!PROTOCOLS.some((m) => m.name === 'http')) (PROTOCOLS as unknown as AnyProtocolModule[]).unshift(httpModule);
if (!('http' in EVE_MAPPERS)) (EVE_MAPPERS as Record<string, unknown>).http = httpToEve;

const FILES = corpusPresent
  ? fs
      .readdirSync(TRUTH_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .filter((f) => {
        const t = JSON.parse(fs.readFileSync(path.join(TRUTH_DIR, `${f}.json`), 'utf8')) as TruthHttp;
        return (t.http_requests?.length ?? 0) + (t.http_responses?.length ?? 0) > 0;
      })
  : [];

describe.skipIf(!corpusPresent)('HTTP through the engine', () => {
  if (!corpusPresent) it.skip('shared corpus absent: skipped', () => {});
  const validate = fs.existsSync(EVE_SCHEMA) ? new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8'))) : null;
  it.each(FILES)('%s', async (file) => {
    const truth = JSON.parse(fs.readFileSync(path.join(TRUTH_DIR, `${file}.json`), 'utf8')) as TruthHttp;
    const evs: NetsieveEvent[] = [];
    try {
      for await (const ev of createEngine().replay(path.join(CORPUS_DIR, file))) evs.push(ev);
    } catch {
      // A capture cut short still delivers its events.
    }
    const http = evs.flatMap((e) => (e.type === 'http' ? [e] : []));
    // Through the engine, the probe decides which flows are parsed: the same differences as parsing every flow
    // (ENGINE_PARTIAL lists where detection decides, and why).
    const got = differences(http.map((e) => e.http), truth);
    const want = expectedDifferences(file);
    if (ENGINE_PARTIAL[file] === undefined) expect(got).toEqual(want);
    else {
      // Fewer flows may be parsed, but nothing found that the direct test does not find.
      for (const k of got.onlyOurs) expect(want.onlyOurs).toContain(k);
      for (const c of got.codesOnlyOurs) expect(want.codesOnlyOurs).toContain(c);
    }
    for (const ev of evs) {
      const line = JSON.parse(JSON.stringify(toEve(ev)));
      if (validate !== null && !validate(line)) throw new Error(`${JSON.stringify(line)}: ${JSON.stringify(validate.errors)}`);
    }
    // Every flow that carried HTTP was recognised in its bytes.
    for (const e of evs) if (e.type === 'flow' && http.some((h) => h.flowId === e.flowId)) expect([e.appProto, e.appProtoConfidence]).toEqual(['http', 'dpi']);
  }, 30_000);
});
