/**
 * The package as a user gets it: `import ... from 'netsieve'` in plain Node (the built dist/ through the
 * package.json "exports"), and its type declarations checked by tsc in a consumer project.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';

const consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-consumer-'));
afterAll(() => fs.rmSync(consumer, { recursive: true, force: true }));
fs.mkdirSync(path.join(consumer, 'node_modules'));
fs.symlinkSync(REPO_ROOT, path.join(consumer, 'node_modules', 'netsieve'), 'dir');
fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));

describe('the published package', () => {
  it('imports from plain Node and replays a capture', () => {
    const script = `
      import { createEngine, toEveLine, NetsieveError } from 'netsieve';
      const engine = createEngine();
      let flows = 0;
      for await (const ev of engine.replay(${JSON.stringify(path.join(REPO_ROOT, 'fixtures', 'loopback-mixed.pcap'))})) {
        if (ev.type === 'flow') { flows++; JSON.parse(toEveLine(ev)); }
      }
      console.log(JSON.stringify({ flows, error: typeof NetsieveError }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ flows: 16, error: 'function' });
  });

  it('ships type declarations that a strict TypeScript consumer compiles against', () => {
    fs.writeFileSync(
      path.join(consumer, 'use.ts'),
      `import { createEngine, type FlowEvent, type NetsieveEvent, type StreamConsumer, Direction } from 'netsieve';
const consumer: StreamConsumer = {
  onData(data, start, end, info) { void data.subarray(start, end); void info.direction; },
  onGap(direction, offset, length) { void [direction, offset, length]; },
  onEnd(direction, reason) { void [direction, reason]; },
};
const engine = createEngine({ tcp: { depth: 0 }, flow: { timeouts: { udpNew: 10 } }, onStream: () => consumer });
engine.on('flow', (ev: FlowEvent) => { const n: number = ev.flow.pktsToServer; void n; });
const verdict: 'accept' | 'drop' = engine.process({ data: new Uint8Array(60) });
async function run(): Promise<void> { for await (const ev of engine.replay('x.pcap')) { const e: NetsieveEvent = ev; void e; } }
void run; void verdict; void Direction.TO_SERVER;
`,
    );
    fs.writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          noEmit: true,
          types: ['node'],
          typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
        },
        files: ['use.ts'],
      }),
    );
    const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', consumer], { cwd: consumer, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs the netsieve command through the package bin', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = path.join(consumer, 'node_modules', 'netsieve', pkg.bin.netsieve!);
    const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^netsieve \d+\.\d+\.\d+/);
    expect(fs.readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });
});
