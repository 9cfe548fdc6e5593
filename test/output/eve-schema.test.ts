import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine.js';
import type { NetsieveEvent } from '../../src/events.js';
import { eveTimestamp, toEve } from '../../src/output/eve.js';
import { corpusFiles, corpusPath, corpusPresent, EVE_SCHEMA, ownFixtures, REPO_ROOT } from '../support/corpus.js';

const schemaPresent = fs.existsSync(EVE_SCHEMA);

async function events(file: string): Promise<NetsieveEvent[]> {
  const engine = createEngine();
  const out: NetsieveEvent[] = [];
  try {
    for await (const ev of engine.replay(file)) out.push(ev);
  } catch {
    // A damaged capture still yields its events; the error itself is tested elsewhere.
  }
  return out;
}

describe('EVE timestamps', () => {
  it('use Suricata\'s format with microseconds and a numeric UTC offset', () => {
    expect(eveTimestamp({ sec: 1258531621, nsec: 123456789 })).toBe('2009-11-18T08:07:01.123456+0000');
    expect(eveTimestamp({ sec: 0, nsec: 0 })).toBe('1970-01-01T00:00:00.000000+0000');
  });
});

describe.skipIf(!schemaPresent)('EVE output validates against Suricata\'s schema', () => {
  const schema = schemaPresent ? JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8')) : {};
  // The schema carries Suricata's own annotations ("suricata": {...}); they are not validation keywords.
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = schemaPresent ? ajv.compile(schema) : () => true;
  // Suricata has no Redis event: `redis` lines follow netsieve's own schema (shipped in the package), which
  // describes the common fields as Suricata's does.
  const redisSchema = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'schema', 'eve-redis.schema.json'), 'utf8'));
  const validateRedis = new Ajv({ strict: false, allErrors: true }).compile(redisSchema);

  const files = [...ownFixtures(), ...(corpusPresent ? corpusFiles().map(corpusPath) : [])];
  const seenTypes = new Set<string>();
  it.each(files.map((f) => [path.basename(f), f]))('%s', async (_name, file) => {
    const evs = await events(file);
    let validated = 0;
    for (const ev of evs) {
      const rec = toEve(ev);
      seenTypes.add(String(rec.event_type));
      // Round-trip through JSON text: what a consumer parses is what must validate.
      const parsed = JSON.parse(JSON.stringify(rec));
      const v = rec.event_type === 'redis' ? validateRedis : validate;
      const ok = v(parsed);
      if (!ok) throw new Error(`${JSON.stringify(parsed)}\n${ajv.errorsText((v as { errors?: unknown }).errors as never)}`);
      validated++;
    }
    expect(validated).toBe(evs.length);
  });

  it('covered every event type netsieve writes so far', () => {
    expect([...seenTypes].sort()).toEqual(['anomaly', 'dns', 'flow', 'http', 'llmnr', 'mdns', 'redis', 'tls']);
  });
});
