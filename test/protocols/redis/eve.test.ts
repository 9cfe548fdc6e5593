/**
 * EVE: `redisToEve` objects in full lines `{timestamp, flow_id, event_type: "redis", src_ip, ..., redis}`
 * validate against netsieve's schema (schema/eve-redis.schema.json), and the lines' common fields against
 * Suricata's (suricata-eve-schema.json, which has no `redis`); the schema's common fields are Suricata's,
 * unchanged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine.js';
import { eveTimestamp, toEve } from '../../../src/output/eve.js';
import { type RedisRecord, redisToEve } from '../../../src/protocols/redis/index.js';
import { EVE_SCHEMA, OWN_FIXTURES_DIR, REPO_ROOT } from '../../support/corpus.js';
import { CONVERSATIONS } from './conversations.js';
import { captureFlows, client, cmd, rng, run, server } from './helpers.js';

const OWN_SCHEMA = path.join(REPO_ROOT, 'schema', 'eve-redis.schema.json');
const FEATURES = path.join(OWN_FIXTURES_DIR, 'redis', 'redis-features.pcap');
const suricataPresent = fs.existsSync(EVE_SCHEMA);

function line(rec: RedisRecord, i: number): Record<string, unknown> {
  return {
    timestamp: eveTimestamp({ sec: 1_700_000_000 + i, nsec: 123_456_789 }),
    flow_id: 1234567890123 + i,
    pcap_cnt: i + 1,
    event_type: 'redis',
    src_ip: '127.0.0.1',
    src_port: 50000,
    dest_ip: '127.0.0.1',
    dest_port: 6379,
    proto: 'TCP',
    app_proto: 'redis',
    redis: redisToEve(rec),
  };
}

async function allRecords(): Promise<RedisRecord[]> {
  const out: RedisRecord[] = [];
  for (const steps of Object.values(CONVERSATIONS)) {
    out.push(...run(steps).records, ...run(steps, { maxStringBytes: 32, maxElements: 2, maxValues: 4, maxPending: 2 }).records);
  }
  out.push(...run([client(cmd('GET', 'a'), cmd('GET', 'b')), server('$5\r\nab')]).records); // incomplete, ended
  out.push(...run([server('+OK\r\n')]).records); // reply without command
  if (fs.existsSync(FEATURES)) for (const f of await captureFlows(FEATURES)) out.push(...run(f.steps).records);
  return out;
}

describe('EVE', () => {
  const schema = JSON.parse(fs.readFileSync(OWN_SCHEMA, 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);

  it('redisToEve: names, absent fields, values', () => {
    const r = run([client(cmd('AUTH', 'pw'), cmd('HGETALL', 'h')), server('+OK\r\n%1\r\n$1\r\na\r\n,inf\r\n')]);
    expect(r.records.map(redisToEve)).toEqual([
      {
        type: 'command',
        command: 'AUTH',
        arg_count: 1,
        args: ['(redacted)'],
        redacted: true,
        protocol: 2,
        reply: { type: 'simple_string', value: 'OK', length: 2 },
        reply_count: 1,
        success: true,
      },
      {
        type: 'command',
        command: 'HGETALL',
        key: 'h',
        arg_count: 1,
        args: ['h'],
        protocol: 3,
        reply: {
          type: 'map',
          length: 1,
          entries: [{ key: { type: 'bulk_string', value: 'a', length: 1 }, value: { type: 'double', value: 'inf' } }],
        },
        reply_count: 1,
        success: true,
      },
    ]);
  });

  it('every record of the conversations and of redis-features.pcap validates against eve-redis.schema.json', async () => {
    const recs = await allRecords();
    expect(recs.length).toBeGreaterThan(2000);
    recs.forEach((rec, i) => {
      const parsed = JSON.parse(JSON.stringify(line(rec, i)));
      if (!validate(parsed)) throw new Error(`${JSON.stringify(parsed).slice(0, 2000)}\n${ajv.errorsText(validate.errors)}`);
    });
  }, 30_000);

  it('mutated conversations validate too (odd values, flags, partial messages)', () => {
    const bases = Object.values(CONVERSATIONS);
    let n = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const steps = bases[seed % bases.length]!.map((s) => {
        if (!('data' in s) || r() < 0.5) return s;
        const d = Uint8Array.from(s.data);
        d[Math.floor(r() * d.length)] = Math.floor(r() * 256);
        return { dir: s.dir, data: d.subarray(0, Math.floor(d.length * (0.5 + r() / 2))) };
      });
      for (const rec of run(steps, seed % 2 ? { maxStringBytes: 32, maxElements: 2, maxValues: 4 } : undefined, rng(seed))
        .records) {
        const parsed = JSON.parse(JSON.stringify(line(rec, n++)));
        if (!validate(parsed))
          throw new Error(`seed ${seed}: ${JSON.stringify(parsed).slice(0, 2000)}\n${ajv.errorsText(validate.errors)}`);
      }
    }
    expect(n).toBeGreaterThan(1000);
  });

  it.skipIf(!fs.existsSync(FEATURES))("lines with the common fields as the engine's EVE writer makes them", async () => {
    // The engine's own header of each Redis flow (from its flow event), with a record of that flow under "redis".
    const engine = createEngine();
    const recs = run(CONVERSATIONS.resp3!).records;
    let n = 0;
    for await (const ev of engine.replay(FEATURES)) {
      if (ev.type !== 'flow') continue;
      const { flow: _flow, tcp: _tcp, app_proto: _app, ...header } = toEve(ev);
      for (const rec of recs) {
        const parsed = JSON.parse(JSON.stringify({ ...header, event_type: 'redis', redis: redisToEve(rec) }));
        if (!validate(parsed)) throw new Error(`${JSON.stringify(parsed).slice(0, 2000)}\n${ajv.errorsText(validate.errors)}`);
        n++;
      }
    }
    expect(n).toBe(16 * recs.length);
  });

  it('the schema refuses what is not a redis line', () => {
    const good = line(run([client(cmd('PING')), server('+PONG\r\n')]).records[0]!, 0);
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, event_type: 'http' })).toBe(false);
    expect(validate({ ...good, redis: { ...(good.redis as object), extra: 1 } })).toBe(false);
    expect(validate({ ...good, src_port: '50000' })).toBe(false);
  });

  describe.skipIf(!suricataPresent)('Suricata conventions', () => {
    const suricata = suricataPresent ? JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8')) : { properties: {} };

    it("the schema's common fields are Suricata's, unchanged", () => {
      for (const [k, v] of Object.entries(schema.properties as Record<string, unknown>)) {
        if (k === 'redis') continue;
        expect([k, v]).toEqual([k, suricata.properties[k]]);
      }
    });

    it("the lines' common fields validate against Suricata's schema", () => {
      const validateSuricata = new Ajv({ strict: false, allErrors: true }).compile(suricata);
      const rec = run([client(cmd('GET', 'k')), server('$1\r\nv\r\n')]).records[0]!;
      const { redis: _redis, ...common } = line(rec, 0);
      expect(validateSuricata(common)).toBe(true);
    });
  });
});
