/** What the threat tests share: a capture's threat events with every detector on. */
import { expect } from 'vitest';
import { createEngine } from '../../src/engine.js';
import type { ThreatEvent } from '../../src/events.js';

/** The `threat` events of replaying `file` with `threats: {}` (and `options`); no internal error allowed. */
export async function threatsOf(file: string, options: object = {}): Promise<ThreatEvent[]> {
  const engine = createEngine({ threats: {}, eventTypes: ['threat'], ...options });
  const out: ThreatEvent[] = [];
  for await (const ev of engine.replay(file)) if (ev.type === 'threat') out.push(ev);
  expect(engine.stats().internalErrors.count, JSON.stringify(engine.stats().internalErrors.last)).toBe(0);
  return out;
}
