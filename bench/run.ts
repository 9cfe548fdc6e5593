/**
 * `npm run bench`: every suite, one after the other, each in its own process (no JIT or heap state carried
 * from one suite into the next). Name suites to run only those: `npm run bench -- pipeline capture`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const all = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; suites: ${all.join(', ')}`);
  process.exit(2);
}
console.log(`# netsieve benchmarks, ${new Date().toISOString()}\n# ${machine()}`);
let failed = 0;
for (const suite of wanted.length > 0 ? wanted : all) {
  console.log(`\n# ${suite}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${suite}.bench.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`suite ${suite} failed (exit ${r.status})`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
