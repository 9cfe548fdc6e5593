/**
 * fixtures/threats/stratum-mining.pcap, made by fixtures/threats/scripts/write-stratum.ts: the script still
 * makes the committed file, and the engine reads from it what a cryptomining detector needs: both flows
 * as stratum (one on 443), the methods used, the worker and wallet, the agents, the submits and their
 * results.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildStratumMining,
  V1_AGENT,
  V1_WORKER,
  XMR_WALLET,
  XMRIG_AGENT,
} from '../../../fixtures/threats/scripts/write-stratum.js';
import { createEngine } from '../../../src/engine.js';
import type { FlowEvent, StratumEvent } from '../../../src/events.js';
import { OWN_FIXTURES_DIR } from '../../support/corpus.js';

const FILE = path.join(OWN_FIXTURES_DIR, 'threats', 'stratum-mining.pcap');

describe('fixtures/threats/stratum-mining.pcap', () => {
  it('is exactly what its script makes', () => {
    expect(Buffer.compare(Buffer.from(buildStratumMining()), fs.readFileSync(FILE))).toBe(0);
  });

  it('gives the methods, workers and agents of both pools', async () => {
    const recs: StratumEvent[] = [];
    const flows: FlowEvent[] = [];
    const anomalies: string[] = [];
    for await (const ev of createEngine({ debug: { throwInternalErrors: true } }).replay(FILE)) {
      if (ev.type === 'stratum') recs.push(ev);
      else if (ev.type === 'flow') flows.push(ev);
      else if (ev.type === 'anomaly') anomalies.push(ev.anomaly.event);
    }
    expect(flows.map((f) => [f.endpoints.destPort, f.appProto, f.appProtoConfidence, f.flow.state])).toEqual([
      [3333, 'stratum', 'dpi', 'closed'],
      [443, 'stratum', 'dpi', 'closed'],
    ]);
    expect(anomalies).toEqual(['app.protocol_mismatch']); // stratum on TLS's port
    const v1 = recs.filter((e) => e.endpoints.destPort === 3333).map((e) => e.stratum);
    const xm = recs.filter((e) => e.endpoints.destPort === 443).map((e) => e.stratum);
    expect(v1.map((r) => r.method)).toEqual([
      'mining.subscribe',
      'mining.authorize',
      'mining.set_difficulty',
      'mining.notify',
      'mining.submit',
      'mining.submit',
      'mining.notify',
      'mining.submit',
      'mining.submit',
      'mining.submit',
    ]);
    expect(v1.every((r) => r.variant === 'stratum-v1' && r.anomalies.length === 0)).toBe(true);
    expect(v1[0]!.agent).toBe(V1_AGENT);
    expect(v1[1]).toMatchObject({ worker: V1_WORKER, result: true });
    expect(v1.filter((r) => r.method === 'mining.submit').map((r) => (r.error === null ? r.result : r.error.message))).toEqual([
      true,
      true,
      'Low difficulty share',
      true,
      true,
    ]);
    expect(xm.map((r) => r.method)).toEqual(['login', 'submit', 'submit', 'job', 'keepalived', 'submit']);
    expect(xm.every((r) => r.variant === 'xmrig')).toBe(true);
    expect(xm[0]).toMatchObject({ worker: XMR_WALLET, agent: XMRIG_AGENT, jobId: 'xj1' });
    expect(XMR_WALLET).toMatch(/^4[1-9A-HJ-NP-Za-km-z]{94}$/);
    // About two minutes of traffic.
    const t = recs.map((e) => e.ts.sec);
    expect(Math.max(...t) - Math.min(...t)).toBeGreaterThan(90);
  });
});
