import { describe, expect, it } from 'vitest';
import { DecodedPacket } from '../../src/decode/packet.js';
import { Flow } from '../../src/flow/flow.js';
import { ThreatStage, resolveThreatOptions } from '../../src/threats/stage.js';
import type { ThreatDetectorDef, ThreatFinding } from '../../src/threats/types.js';

/** A detector that reports once per flow start from the client, counting its calls. */
function fakeDef(name: string, calls: string[]): ThreatDetectorDef<{ minPorts: number; strict: boolean }> {
  return {
    name,
    title: 'Fake',
    description: 'test detector',
    category: 'Misc activity',
    severity: 3,
    techniques: ['T1046'],
    signatureId: 9999,
    defaults: { minPorts: 5, strict: false },
    docs: { minPorts: 'ports', strict: 'switch' },
    records: ['dns'],
    anomalies: ['decode.tcp_xmas'],
    create(options, ctx) {
      let n = 0;
      return {
        flowStarted(_flow, _p, now) {
          calls.push(`start:${options.minPorts}`);
          n++;
          ctx.report({ now, attacker: '10.0.0.1', target: '10.0.0.2', count: n, details: {} });
        },
        record(_flow, type) {
          calls.push(`record:${type}`);
        },
        anomaly(name) {
          calls.push(`anomaly:${name}`);
        },
        tick() {
          throw new Error('boom');
        },
        size: () => n,
      };
    },
  };
}

function stage(options: object, registry: ThreatDetectorDef[]) {
  const found: ThreatFinding[] = [];
  const errors: string[] = [];
  const s = new ThreatStage(options, { threat: (_d, f) => found.push(f), internalError: (w) => errors.push(w) }, registry);
  return { s, found, errors };
}

describe('threat stage', () => {
  it('checks its options against the registry', () => {
    const reg = [fakeDef('fake', []) as unknown as ThreatDetectorDef];
    expect(resolveThreatOptions({}, reg).detectors).toHaveLength(1);
    expect(resolveThreatOptions({ detectors: { fake: false } }, reg).detectors).toHaveLength(0);
    expect(resolveThreatOptions({ detectors: { fake: { minPorts: 9 } } }, reg).detectors[0]!.thresholds.minPorts).toBe(9);
    expect(() => resolveThreatOptions({ detectors: { nope: false } }, reg)).toThrow(/unknown detector nope/);
    expect(() => resolveThreatOptions({ detectors: { fake: { other: 1 } } }, reg)).toThrow(/unknown threshold other/);
    expect(() => resolveThreatOptions({ detectors: { fake: { minPorts: -1 } } }, reg)).toThrow(/>= 0/);
    expect(() => resolveThreatOptions({ detectors: { fake: { strict: 1 } } } as never, reg)).toThrow(/true or false/);
    expect(() => resolveThreatOptions({ window: 0 }, reg)).toThrow(/window/);
    expect(() => resolveThreatOptions({ maxTracked: 3 }, reg)).toThrow(/maxTracked/);
    expect(() => resolveThreatOptions({ extra: 1 } as never, reg)).toThrow(/unknown option extra/);
  });

  it('dispatches hooks, merges findings within the window and reports faults', () => {
    const calls: string[] = [];
    const { s, found, errors } = stage({ window: 10, detectors: { fake: { minPorts: 7 } } }, [
      fakeDef('fake', calls) as unknown as ThreatDetectorDef,
    ]);
    const p = new DecodedPacket();
    const flow = new Flow();
    s.flowStarted(flow, p, 100);
    s.flowStarted(flow, p, 105); // same attacker and target within 10 s: merged
    s.flowStarted(flow, p, 111); // a new window
    expect(found.map((f) => f.count)).toEqual([1, 3]);
    expect(s.stats()).toMatchObject({ alerts: 2, suppressed: 1, byDetector: { fake: 2 }, byTechnique: { T1046: 2 } });
    expect(s.fired()).toEqual({ T1046: { count: 2, sources: { fake: 2 } } });
    expect(s.wantsRecords('dns')).toBe(true);
    expect(s.wantsRecords('http')).toBe(false);
    s.record(flow, 'dns', {}, 112);
    s.record(flow, 'http', {}, 112);
    s.anomaly('decode.tcp_xmas', null, null, 112);
    s.anomaly('decode.tcp_no_flags', null, null, 112);
    expect(calls).toEqual(['start:7', 'start:7', 'start:7', 'record:dns', 'anomaly:decode.tcp_xmas']);
    s.tick(113);
    expect(errors).toEqual(['threats.fake']);
  });
});
