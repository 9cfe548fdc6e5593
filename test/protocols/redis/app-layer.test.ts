/**
 * The module in the application layer, as the engine will run it once registered: the real detection
 * (probes, byte budget, replay of probed bytes) over the engine's reassembled streams, the module's own
 * defaults. Checked: Redis flows are found by their bytes (also on a port that is not 6379), other protocols
 * are not taken, no parser error, and the records equal those of the parser fed directly.
 */
import { internalFlowOf } from '../../../src/flow/flow-view.js';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine.js';
import type { Flow } from '../../../src/flow/flow.js';
import { AppLayer } from '../../../src/protocols/app-layer.js';
import { DEFAULT_DETECTION } from '../../../src/protocols/identify.js';
import { redisModule, type RedisRecord } from '../../../src/protocols/redis/index.js';
import { corpusFiles, corpusPath, corpusPresent, OWN_FIXTURES_DIR, truthOf } from '../../support/corpus.js';
import { captureFlows, probedRedis, run } from './helpers.js';

interface Seen {
  flows: Map<Flow, RedisRecord[]>;
  anomalies: string[];
  appProto: Map<Flow, string | null>;
}

async function throughAppLayer(file: string): Promise<Seen> {
  const seen: Seen = { flows: new Map(), anomalies: [], appProto: new Map() };
  const layer = new AppLayer(
    [redisModule],
    { detection: { ...DEFAULT_DETECTION }, protocols: { redis: redisModule.defaults } },
    {
      wantsRecords: () => true,
      record(flow, type, payload) {
        expect(type).toBe('redis');
        const list = seen.flows.get(flow) ?? [];
        list.push(payload as RedisRecord);
        seen.flows.set(flow, list);
      },
      anomaly(_flow, name) {
        seen.anomalies.push(name);
      },
      serverName() {
        throw new Error('Redis reports no server name');
      },
      internalError: (where, e) => {
        throw new Error(`internal error in ${where}: ${String(e)}`);
      },
    },
  );
  const flows: Flow[] = [];
  const engine = createEngine({
    tcp: { depth: 0 },
    onStream: (view) => {
      const flow = internalFlowOf(view);
      flows.push(flow);
      return layer.tcpConsumer(flow);
    },
  });
  for await (const _ev of engine.replay(file)) {
    // records arrive through the host
  }
  for (const f of flows) {
    layer.end(f);
    seen.appProto.set(f, f.appProto);
  }
  return seen;
}

/** The records of the parser fed directly, for the flows the probe takes. */
async function direct(file: string): Promise<RedisRecord[][]> {
  const out: RedisRecord[][] = [];
  for (const f of await captureFlows(file)) if (probedRedis(f)) out.push(run(f.steps).records);
  return out;
}

const LOOPBACK = path.join(OWN_FIXTURES_DIR, 'loopback-mixed.pcap');
const FEATURES = path.join(OWN_FIXTURES_DIR, 'redis', 'redis-features.pcap');

describe('redisModule in the application layer', () => {
  it.skipIf(!fs.existsSync(LOOPBACK))('loopback-mixed.pcap: the Redis flows only, records as parsed directly', async () => {
    const seen = await throughAppLayer(LOOPBACK);
    expect(seen.anomalies).not.toContain('app.parser_error');
    expect([...seen.flows.values()]).toEqual(await direct(LOOPBACK));
    const redis = [...seen.appProto].filter(([, p]) => p === 'redis').map(([f]) => f.serverPort);
    expect(redis).toEqual([6379, 6379, 6379, 6379]);
  });

  it.skipIf(!fs.existsSync(FEATURES))('redis-features.pcap: every flow, records as parsed directly', async () => {
    const seen = await throughAppLayer(FEATURES);
    expect(seen.anomalies).not.toContain('app.parser_error');
    expect([...seen.flows.values()]).toEqual(await direct(FEATURES));
    expect(seen.flows.size).toBe(16);
  });

  it.skipIf(!corpusPresent)('zeek_redis-django-cloud.pcapng: Redis on port 10625, found by its bytes', async () => {
    const seen = await throughAppLayer(corpusPath('zeek_redis-django-cloud.pcapng'));
    const ports = [...seen.flows.keys()].map((f) => f.serverPort);
    expect(ports.length).toBeGreaterThan(0);
    expect(new Set(ports)).toEqual(new Set([10625]));
    for (const f of seen.flows.keys()) expect(f.appProtoConfidence).toBe('dpi');
  });

  it.skipIf(!corpusPresent)(
    'every capture of the corpus: Redis taken where tshark sees RESP, nowhere else, never a parser error',
    async () => {
      const taken: string[] = [];
      const missed: string[] = [];
      let found = 0;
      for (const file of corpusFiles()) {
        const truth = truthOf(file);
        if (truth === null) continue;
        const resp = new Set<string>();
        for (const st of truth.streams)
          if (st.transport === 'tcp' && st.protocols.includes('resp')) resp.add([st.sport, st.dport].sort().join('/'));
        const seen = await throughAppLayer(corpusPath(file));
        expect([file, seen.anomalies.filter((a) => a === 'app.parser_error')]).toEqual([file, []]);
        const ours = new Set<string>();
        for (const [flow, proto] of seen.appProto) {
          if (proto !== 'redis' || flow.appProtoConfidence !== 'dpi') continue;
          const key = [flow.clientPort, flow.serverPort].sort().join('/');
          ours.add(key);
          found++;
          if (!resp.has(key)) taken.push(`${file} ${key}`);
        }
        for (const key of resp) if (!ours.has(key)) missed.push(`${file} ${key}`);
      }
      expect(taken).toEqual([]);
      expect(found).toBeGreaterThanOrEqual(9);
      // Known: the connections of tcpdump_resp_3_malicious.pcap whose first client line is garbage no Redis
      // client sends (`$0`, `+`, `-`, `:`, `*-1`, ...): the probe refuses them (see truth.test.ts).
      expect(missed.filter((m) => !m.startsWith('tcpdump_resp_3_malicious.pcap'))).toEqual([]);
      expect(missed.length).toBe(13);
    },
    60_000,
  );
});
