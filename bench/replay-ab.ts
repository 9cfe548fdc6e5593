/**
 * Two builds of netsieve replaying the same capture, timed against each other in one process and interleaved
 * pass by pass (A, B, B, A, ...), so that a busy machine and the order of the passes weigh on both alike: the check that a change to the
 * per-packet path costs nothing.
 *
 *   npx tsx bench/replay-ab.ts <module A> <module B> <capture> [--rounds 7]
 *
 * A module is any file exporting `createEngine` (the `dist/index.js` of another checkout: `git worktree add
 * /tmp/base REV && (cd /tmp/base && npm ci)`). For replay without and with the application layer it prints each
 * side's median and packets/s, and B's median time as a fraction of A's; both must see the same packets.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { machine, median } from './lib.js';

interface Engine {
  replay(input: string): AsyncIterable<unknown>;
  stats(): { packets: number };
}
type CreateEngine = (options?: object) => Engine;

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '7' } },
});
if (positionals.length !== 3) throw new Error('usage: replay-ab.ts <module A> <module B> <capture> [--rounds N]');
const [moduleA, moduleB, capture] = positionals as [string, string, string];
const ROUNDS = Number(opt.rounds);

const load = async (file: string): Promise<CreateEngine> =>
  ((await import(pathToFileURL(path.resolve(file)).href)) as { createEngine: CreateEngine }).createEngine;
const sides = [await load(moduleA), await load(moduleB)] as const;

/** One replay of the whole capture: milliseconds, events, packets. */
async function pass(createEngine: CreateEngine, app: boolean): Promise<[number, number, number]> {
  const engine = createEngine(app ? {} : { app: { enabled: false } });
  let events = 0;
  const t = process.hrtime.bigint();
  for await (const _ of engine.replay(capture)) events++;
  return [Number(process.hrtime.bigint() - t) / 1e6, events, engine.stats().packets];
}

console.log(
  `# replay A/B, ${new Date().toISOString()}\n# ${machine()}\n# A ${moduleA}\n# B ${moduleB}\n# ${capture}, ${ROUNDS} rounds`,
);
for (const app of [false, true]) {
  const times: [number[], number[]] = [[], []];
  const seen: [string, string] = ['', ''];
  for (const side of [0, 1] as const) await pass(sides[side], app); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of r % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
      const [ms, events, packets] = await pass(sides[side], app);
      times[side].push(ms);
      seen[side] = `${packets} packets, ${events} events`;
    }
  }
  const [a, b] = [median(times[0]), median(times[1])];
  const packets = Number(seen[0].split(' ')[0]);
  const rate = (ms: number) => `${(packets / ms / 1e3).toFixed(2)} M packets/s`;
  console.log(
    `${app ? 'application layer on ' : 'application layer off'}: A ${a.toFixed(0)} ms (${rate(a)}), B ${b.toFixed(0)} ms (${rate(b)}), B/A time ${(b / a).toFixed(3)}; A ${seen[0]}, B ${seen[1]}`,
  );
  if (seen[0].split(',')[0] !== seen[1].split(',')[0]) throw new Error('the two builds saw different packet counts');
}
