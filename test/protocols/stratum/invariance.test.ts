/**
 * Every split of the same bytes gives the same records and anomalies: each cut point of a session, one byte
 * at a time, and seeded random splits; and seeded fuzzing (mutated sessions, random bytes, random lines)
 * never throws and keeps every cap.
 */
import { describe, expect, it } from 'vitest';
import { type StratumRecord, stratumToEve } from '../../../src/protocols/stratum/index.js';
import { mulberry32 } from '../../helpers/packets.js';
import { C, client, feed, run, S, server, type Step, v1Session, xmrigSession } from './helpers.js';
import { collector } from './helpers.js';
import { resolveStratumOptions, StratumConnection } from '../../../src/protocols/stratum/index.js';

const SESSIONS: Record<string, Step[]> = {
  v1: v1Session(),
  xmrig: xmrigSession(),
  hostile: [
    client('junk\r\n', { id: 1, method: 'mining.subscribe', params: ['a'] }, '{"id":2,"method":"mining.author'),
    server('{"id":1,"result":true}\n[]\n', { id: 9, result: 1 }),
    { dir: C, gap: 10 },
    client('ize"}\n', { id: 3, method: 'mining.submit', params: ['w', 'j'] }, `${'z'.repeat(400)}\n`),
    server({ id: 3, result: false, error: [23, 'Low difficulty share'] }),
  ],
};
const CAPS = { maxLineBytes: 300 };

describe('split invariance', () => {
  it.each(Object.keys(SESSIONS))('%s: every single cut point of every step', (name) => {
    const steps = SESSIONS[name]!;
    const whole = run(steps, CAPS);
    expect(whole.records.length).toBeGreaterThan(2);
    steps.forEach((s, k) => {
      if (!('data' in s)) return;
      for (let cut = 1; cut < s.data.length; cut++) {
        const split: Step[] = [
          ...steps.slice(0, k),
          { dir: s.dir, data: s.data.subarray(0, cut) },
          { dir: s.dir, data: s.data.subarray(cut) },
          ...steps.slice(k + 1),
        ];
        const r = run(split, CAPS);
        expect(r.records, `step ${k} cut ${cut}`).toEqual(whole.records);
        expect(r.anomalies).toEqual(whole.anomalies);
      }
    });
  });

  it.each(Object.keys(SESSIONS))('%s: one byte at a time, and 50 seeded random splits', (name) => {
    const steps = SESSIONS[name]!;
    const whole = run(steps, CAPS);
    expect(run(steps, CAPS, 'bytes')).toEqual(whole);
    for (let seed = 1; seed <= 50; seed++) expect(run(steps, CAPS, mulberry32(seed))).toEqual(whole);
  });

  it('the two directions interleaved differently pair the same', () => {
    const a = run([
      client({ id: 1, method: 'mining.subscribe' }),
      server({ id: 1, result: true }),
      client({ id: 2, method: 'mining.authorize', params: ['w', 'p'] }),
      server({ id: 2, result: true }),
    ]);
    const b = run([
      client({ id: 1, method: 'mining.subscribe' }, { id: 2, method: 'mining.authorize', params: ['w', 'p'] }),
      server({ id: 1, result: true }, { id: 2, result: true }),
    ]);
    expect(b.records).toEqual(a.records);
  });
});

describe('seeded fuzzing', () => {
  const checkRecord = (rec: StratumRecord, o: { maxParams: number; maxStringBytes: number }) => {
    expect(rec.params.length).toBeLessThanOrEqual(o.maxParams);
    for (const p of rec.params) expect(p.length).toBeLessThanOrEqual(o.maxStringBytes);
    for (const s of [
      rec.method,
      rec.worker,
      rec.agent,
      rec.jobId,
      typeof rec.result === 'string' ? rec.result : null,
      rec.error?.message ?? null,
    ])
      if (s !== null) expect(s.length).toBeLessThanOrEqual(o.maxStringBytes);
    expect(() => JSON.stringify(stratumToEve(rec))).not.toThrow();
  };

  it('mutated sessions: no throw, caps kept', () => {
    const bases = Object.values(SESSIONS);
    const o = { maxLineBytes: 256, maxPending: 4, maxParams: 3, maxStringBytes: 24, maxBadLines: 1000 };
    let records = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const rand = mulberry32(seed);
      const steps = bases[seed % bases.length]!.map((s): Step => {
        if (!('data' in s) || rand() < 0.4) return s;
        const d = Uint8Array.from(s.data);
        for (let k = 0; k < 1 + rand() * 4; k++) {
          const i = Math.floor(rand() * d.length);
          // Bytes that matter to JSON and to the framing, and any byte.
          d[i] = rand() < 0.5 ? '{}[]",:\n\\0\r'.charCodeAt(Math.floor(rand() * 12)) : Math.floor(rand() * 256);
        }
        return { dir: s.dir, data: d.subarray(0, Math.floor(d.length * (0.3 + rand() * 0.7))) };
      });
      const r = run(steps, o, mulberry32(seed));
      for (const rec of r.records) checkRecord(rec, o);
      records += r.records.length;
    }
    expect(records).toBeGreaterThan(1000);
  });

  it('random bytes and random JSON lines: no throw, bounded', () => {
    const o = resolveStratumOptions({ maxLineBytes: 512, maxPending: 8, maxParams: 4, maxStringBytes: 32, maxBadLines: 1 << 20 });
    for (let seed = 1; seed <= 200; seed++) {
      const rand = mulberry32(seed * 7919);
      const { sink, result } = collector();
      const p = new StratumConnection(sink, o);
      for (let k = 0; k < 40; k++) {
        const dir = rand() < 0.5 ? C : S;
        let data: Uint8Array;
        if (rand() < 0.5) data = Uint8Array.from({ length: Math.floor(rand() * 700) }, () => Math.floor(rand() * 256));
        else {
          const v = randomJson(rand, 0);
          const msg =
            rand() < 0.5
              ? { id: Math.floor(rand() * 5), method: rand() < 0.5 ? 'mining.submit' : 'login', params: v }
              : { id: Math.floor(rand() * 5), result: v, error: randomJson(rand, 2) };
          data = new TextEncoder().encode(`${JSON.stringify(msg)}\n`);
        }
        if (rand() < 0.05) p.onGap(dir, 10);
        feed(p, dir, data, mulberry32(seed + k));
      }
      p.onEnd(C, 'fin');
      p.onEnd(S, 'fin');
      for (const rec of result.records) checkRecord(rec, o);
    }
  });
});

function randomJson(rand: () => number, depth: number): unknown {
  const k = rand();
  if (depth > 3 || k < 0.3)
    return ['a', 1, -2.5, true, null, 'x'.repeat(Math.floor(rand() * 80)), '\u00e9\ud83d\ude00'][Math.floor(rand() * 7)];
  if (k < 0.65) return Array.from({ length: Math.floor(rand() * 8) }, () => randomJson(rand, depth + 1));
  return Object.fromEntries(
    Array.from({ length: Math.floor(rand() * 8) }, (_, i) => [
      ['login', 'pass', 'agent', 'job_id', 'id', `k${i}`][i % 6]!,
      randomJson(rand, depth + 1),
    ]),
  );
}
