import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine.js';
import { isNetsieveError } from '../../src/errors.js';
import type { NetsieveEvent } from '../../src/events.js';
import { eveTimestamp, toEve } from '../../src/output/eve.js';
import { EVE_MAPPERS } from '../../src/protocols/registry.js';
import {
  CORPUS_ABSENT,
  corpusFiles,
  corpusPath,
  corpusPresent,
  eveSchema,
  ownFixtures,
  REPO_ROOT,
  schemaPresent,
  threatFixtures,
} from '../support/corpus.js';

async function events(file: string): Promise<NetsieveEvent[]> {
  const engine = createEngine();
  const out: NetsieveEvent[] = [];
  try {
    for await (const ev of engine.replay(file)) out.push(ev);
  } catch (e) {
    // A capture cut short or damaged still yields its events (the error itself is tested elsewhere); any
    // other exception is a failure of this test.
    if (!isNetsieveError(e) || (e.code !== 'NS_ERR_CAPTURE_TRUNCATED' && e.code !== 'NS_ERR_CAPTURE_DAMAGED')) throw e;
  }
  return out;
}

describe('EVE timestamps', () => {
  it("use Suricata's format with microseconds and a numeric UTC offset", () => {
    expect(eveTimestamp({ sec: 1258531621, nsec: 123456789 })).toBe('2009-11-18T08:07:01.123456+0000');
    expect(eveTimestamp({ sec: 0, nsec: 0 })).toBe('1970-01-01T00:00:00.000000+0000');
  });
});

describe.skipIf(!schemaPresent)("EVE output validates against Suricata's schema (needs the shared EVE schema)", () => {
  // The schema carries Suricata's own annotations ("suricata": {...}); they are not validation keywords.
  const ajv = new Ajv({ strict: false, allErrors: true });
  let validate: ValidateFunction;
  /** Event types Suricata does not have (Redis, Stratum) follow netsieve's own `schema/eve-<type>.schema.json`. */
  const ownSchemas = new Map<string, ValidateFunction>();
  // Read here, not in the describe body: a skipped describe's body still runs at collection.
  beforeAll(() => {
    validate = ajv.compile(eveSchema());
    // Each shipped schema describes the common fields as Suricata's does, and its protocol's object.
    for (const f of fs.readdirSync(path.join(REPO_ROOT, 'schema'))) {
      const type = /^eve-(.+)\.schema\.json$/.exec(f)?.[1];
      if (type === undefined) continue;
      const schema = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'schema', f), 'utf8')) as object;
      ownSchemas.set(type, new Ajv({ strict: false, allErrors: true }).compile(schema));
    }
    expect([...ownSchemas.keys()]).toContain('redis');
  });

  const files = [...ownFixtures(), ...threatFixtures(), ...corpusFiles().map(corpusPath)];
  const seenTypes = new Set<string>();
  it.each(files.map((f) => [path.basename(f), f]))('%s', async (_name, file) => {
    const evs = await events(file);
    const invalid: string[] = [];
    for (const ev of evs) {
      const rec = toEve(ev);
      seenTypes.add(String(rec.event_type));
      // Round-trip through JSON text: what a consumer parses is what must validate.
      const parsed = JSON.parse(JSON.stringify(rec));
      const v = ownSchemas.get(String(rec.event_type)) ?? validate;
      if (!v(parsed)) invalid.push(`${JSON.stringify(parsed)}\n${ajv.errorsText(v.errors)}`);
    }
    // Each line, not a count: the message shows the first lines that do not validate.
    expect(invalid.slice(0, 5), `${invalid.length} of ${evs.length} lines do not validate`).toEqual([]);
  });

  it('covered every event type netsieve writes so far', (ctx) => {
    // The project's own captures have no mDNS or LLMNR.
    if (!corpusPresent) return ctx.skip(CORPUS_ABSENT);
    expect([...seenTypes].sort()).toEqual(['anomaly', 'flow', ...Object.keys(EVE_MAPPERS)].sort());
  });
});
