/**
 * `eventTypes`: events of other types are not built, parsers are told when nobody reads their records, and
 * what is built is the same as without the option.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { createEngine, type CreateEngineOptions } from '../../src/engine.js';
import type { NetsieveEvent } from '../../src/events.js';
import { redisModule } from '../../src/protocols/redis/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const capture = path.join(here, '..', '..', 'fixtures', 'redis', 'redis-features.pcap');

async function events(options: CreateEngineOptions): Promise<NetsieveEvent[]> {
  const engine = createEngine(options);
  const out: NetsieveEvent[] = [];
  for await (const ev of engine.replay(capture)) out.push(ev);
  return out;
}

const strip = (list: NetsieveEvent[]) => JSON.parse(JSON.stringify(list));

describe('eventTypes', () => {
  it('yields only the types asked for, the same events as without the option', async () => {
    const all = await events({});
    const types = new Set(all.map((e) => e.type));
    expect(types.has('redis')).toBe(true);
    expect(types.has('flow')).toBe(true);
    const flows = await events({ eventTypes: ['flow'] });
    expect(strip(flows)).toEqual(strip(all.filter((e) => e.type === 'flow')));
    const redis = await events({ eventTypes: ['redis', 'anomaly'] });
    expect(strip(redis)).toEqual(strip(all.filter((e) => e.type === 'redis' || e.type === 'anomaly')));
  });

  it('a typed listener gets its type whatever eventTypes says; stats are the same', async () => {
    const engine = createEngine({ eventTypes: ['flow'] });
    let redis = 0;
    engine.on('redis', () => void redis++);
    const seen = new Set<string>();
    for await (const ev of engine.replay(capture)) seen.add(ev.type);
    expect(seen).toEqual(new Set(['flow']));
    expect(redis).toBeGreaterThan(10);
    const plain = createEngine({});
    for await (const _ of plain.replay(capture));
    expect(engine.stats().packets).toBe(plain.stats().packets);
    expect(engine.stats().anomalies).toEqual(plain.stats().anomalies);
  });

  it('tells parsers when nobody reads their records (and when someone does)', async () => {
    const wanted: boolean[] = [];
    // The Redis module's sink, observed: what it says each time the parser emits a record.
    const original = redisModule.createTcp!;
    const spy = vi.spyOn(redisModule, 'createTcp').mockImplementation((sink, o) =>
      original(
        {
          get recordsWanted() {
            return sink.recordsWanted;
          },
          emit: (r) => {
            wanted.push(sink.recordsWanted);
            sink.emit(r);
          },
          anomaly: (c, d) => sink.anomaly(c, d),
          stop: (r) => sink.stop(r),
        },
        o,
      ),
    );
    try {
      const engine = createEngine({ eventTypes: ['flow'] });
      for await (const _ of engine.replay(capture));
      expect(wanted.length).toBeGreaterThan(10);
      expect(wanted.every((w) => !w)).toBe(true);
      wanted.length = 0;
      const listened = createEngine({ eventTypes: ['flow'] });
      listened.on('redis', () => undefined);
      for await (const _ of listened.replay(capture));
      expect(wanted.length).toBeGreaterThan(10);
      expect(wanted.every((w) => w)).toBe(true);
      wanted.length = 0;
      // Rules on Redis buffers read the records whatever the events.
      const ruled = createEngine({
        eventTypes: ['alert'],
        detect: { rules: ['alert redis any any -> any any (msg:"get"; redis.command; content:"GET"; sid:1;)'] },
      });
      for await (const _ of ruled.replay(capture));
      expect(wanted.length).toBeGreaterThan(10);
      expect(wanted.every((w) => w)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses what is not a list of names', () => {
    expect(() => createEngine({ eventTypes: 'flow' as never })).toThrow(/eventTypes/);
    expect(() => createEngine({ eventTypes: [1] as never })).toThrow(/eventTypes/);
  });
});
