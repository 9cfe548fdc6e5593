/** `netsieve protocols`: the built CLI (dist/, made by `npm run build`) lists the registry's protocols. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../../src/protocols/registry.js';
import type { AnyProtocolModule } from '../../src/protocols/module.js';
import { REPO_ROOT } from '../support/corpus.js';

const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
const modules = PROTOCOLS as readonly AnyProtocolModule[];

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('netsieve protocols', () => {
  it.skipIf(!fs.existsSync(CLI))(
    '--json: every registered protocol with ports, event types, options, anomalies and buffers',
    () => {
      const r = run(['protocols', '--json']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const list = JSON.parse(r.stdout) as {
        name: string;
        transports: string[];
        ports: Record<string, number[]>;
        eventTypes: string[];
        options: { name: string; default: unknown; description: string; choices?: string[] }[];
        anomalies: number;
        buffers: { name: string }[];
      }[];
      expect(list.map((p) => p.name)).toEqual(modules.map((m) => m.name));
      for (const m of modules) {
        const p = list.find((x) => x.name === m.name)!;
        expect(p.transports).toEqual([...m.transports]);
        expect(p.eventTypes).toEqual([m.name]);
        expect(p.anomalies).toBe(m.anomalies.length - 1);
        expect(Object.fromEntries(p.options.map((o) => [o.name, o.default]))).toEqual({ ...m.defaults });
        for (const o of p.options) expect(o.description).toBe((m.optionDocs as Record<string, string>)[o.name]);
        expect(p.buffers.map((b) => b.name)).toEqual(m.buffers.map((b) => b.name));
      }
      expect(list.find((p) => p.name === 'http')!.ports).toEqual({ tcp: [80, 8080, 8000, 8008, 8888, 3128] });
      expect(list.find((p) => p.name === 'tls')!.options.find((o) => o.name === 'afterHandshake')!.choices).toEqual([
        'stop',
        'track',
      ]);
    },
  );
  it.skipIf(!fs.existsSync(CLI))('text: one block per protocol, options with defaults and descriptions', () => {
    const r = run(['protocols']);
    expect(r.status).toBe(0);
    for (const m of modules) expect(r.stdout).toContain(`\n${m.name}: ${m.description}\n`);
    expect(r.stdout).toMatch(/inspectBodyLimit \(262144\) +Bytes of each body/);
    expect(r.stdout).toMatch(/ports +tcp 6379\n/);
    expect(r.stdout).toMatch(/mdns: [^\n]*\n( {2}.*\n)* {2}anomalies +\d+ \(dns\.\*\)/);
  });
  it.skipIf(!fs.existsSync(CLI))('--help, and usage errors exit 2', () => {
    const h = run(['protocols', '--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^Usage: netsieve protocols \[--json\]/);
    const bad = run(['protocols', '--jsn']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--jsn/);
    expect(bad.stdout).toBe('');
  });
});
