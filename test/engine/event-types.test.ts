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
    // The Redis module's sink, observed: each answer the parser gets from recordsWanted, and each emit.
    let answers: boolean[] = [];
    let emits = 0;
    const original = redisModule.createTcp!;
    const spy = vi.spyOn(redisModule, 'createTcp').mockImplementation((sink, o) =>
      original(
        {
          get recordsWanted() {
            const w = sink.recordsWanted;
            answers.push(w);
            return w;
          },
          emit: (r) => {
            emits++;
            sink.emit(r);
          },
          anomaly: (c, d) => sink.anomaly(c, d),
          serverName: (n, s) => sink.serverName(n, s),
          stop: (r) => sink.stop(r),
        },
        o,
      ),
    );
    const run = async (engine: ReturnType<typeof createEngine>) => {
      answers = [];
      emits = 0;
      for await (const _ of engine.replay(capture));
    };
    try {
      // Nobody reads Redis records: the parser is told so, and builds none.
      await run(createEngine({ eventTypes: ['flow'] }));
      expect(answers.length).toBeGreaterThan(10);
      expect(answers.every((w) => !w)).toBe(true);
      expect(emits).toBe(0);
      // A listener of the type.
      const listened = createEngine({ eventTypes: ['flow'] });
      listened.on('redis', () => undefined);
      await run(listened);
      expect(answers.length).toBeGreaterThan(10);
      expect(answers.every((w) => w)).toBe(true);
      expect(emits).toBeGreaterThan(10);
      // Rules on Redis buffers read the records whatever the events.
      await run(
        createEngine({
          eventTypes: ['alert'],
          detect: { rules: ['alert redis any any -> any any (msg:"get"; redis.command; content:"GET"; sid:1;)'] },
        }),
      );
      expect(answers.every((w) => w)).toBe(true);
      expect(emits).toBeGreaterThan(10);
      // Rules reloaded on a running engine: the answer follows them.
      const reloaded = createEngine({ eventTypes: ['alert'], detect: { rules: [] } });
      await run(reloaded);
      expect(answers.length).toBeGreaterThan(10);
      expect(answers.every((w) => !w)).toBe(true);
      reloaded.reloadRules({ rules: ['alert redis any any -> any any (msg:"get"; redis.command; content:"GET"; sid:1;)'] });
      await run(reloaded);
      expect(answers.length).toBeGreaterThan(10);
      expect(answers.every((w) => w)).toBe(true);
      expect(emits).toBeGreaterThan(10);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses what is not a list of names', () => {
    expect(() => createEngine({ eventTypes: 'flow' as never })).toThrow(/eventTypes/);
    expect(() => createEngine({ eventTypes: [1] as never })).toThrow(/eventTypes/);
  });
});
