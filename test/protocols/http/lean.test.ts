/**
 * Records nobody reads (`sink.recordsWanted` false): the connection parses the same bytes the same way
 * (anomalies, stop reason, at every split) but keeps no body and emits no record.
 */
import { describe, expect, it } from 'vitest';
import { CONVERSATIONS } from './conversations.js';
import { bytewise, RecordingSink, randomSplits, run, whole } from './helpers.js';

function lean(): RecordingSink {
  const s = new RecordingSink();
  s.recordsWanted = false;
  return s;
}

describe('records not wanted', () => {
  for (const [name, steps] of Object.entries(CONVERSATIONS)) {
    it(name, () => {
      const opts = [{}, { maxHeaderLine: 40, maxHeaderSection: 90, maxHeaders: 3, inspectBodyLimit: 500 }];
      for (const o of opts) {
        const ref = run(steps, whole, o);
        for (const split of [whole, bytewise, randomSplits(7, 50), randomSplits(11, 700)]) {
          const got = run(steps, split, o, true, lean());
          expect(got.records).toEqual([]);
          expect(got.anomalies).toEqual(ref.anomalies);
          expect(got.stopped).toEqual(ref.stopped);
        }
      }
    });
  }

  it('a transaction begun lean is not emitted when readers come; later ones are', () => {
    const steps = Object.values(CONVERSATIONS).find((c) => run(c).records.length >= 3)!;
    const all = run(steps).records.length;
    // Wanted from the second message on: the first transaction began lean.
    const sink = new RecordingSink();
    sink.recordsWanted = false;
    let messages = 0;
    const flip = new Proxy(sink, {
      get(target, prop, receiver) {
        if (prop === 'recordsWanted') return messages++ > 0;
        return Reflect.get(target, prop, receiver);
      },
    });
    const got = run(steps, whole, {}, true, flip as RecordingSink);
    expect(got.records.length).toBeGreaterThan(0);
    expect(got.records.length).toBeLessThan(all);
  });
});
