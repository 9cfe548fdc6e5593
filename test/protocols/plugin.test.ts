/**
 * Proof that a protocol is a plug-in: a copy of src/ gets a new folder made from `_template/` (renamed
 * `toy`) and the registry's one entry (with its import), nothing else. The copy must typecheck with a
 * program that uses the new event (`ev.toy.verb`) and its options (a misspelt one is an error), and a
 * replay through the compiled copy must give `toy` events, their EVE lines, and `netsieve protocols`
 * must list it. Also: the type-level tests of `types/registry-types.ts` hold (each `@ts-expect-error`
 * is still an error).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eth, ipv4, udp } from '../helpers/packets.js';
import { REPO_ROOT } from '../support/corpus.js';

const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-plugin-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const COMPILER_OPTIONS = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tsconfig.json'), 'utf8')).compilerOptions as Record<
  string,
  unknown
>;

/** Runs tsc on `include` with the project's compiler options, from a config written in `dir`. */
function tsc(dir: string, include: string[], emit: boolean, rootDir = '.') {
  const compilerOptions = {
    ...COMPILER_OPTIONS,
    rootDir,
    outDir: 'out',
    noEmit: !emit,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
  };
  const config = { compilerOptions, include };
  fs.writeFileSync(path.join(dir, 'tsconfig.plugin.json'), JSON.stringify(config));
  const r = spawnSync(process.execPath, [TSC, '-p', path.join(dir, 'tsconfig.plugin.json')], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Copies the template folder under a new name, renaming its identifiers. */
function copyTemplate(srcDir: string, name: string): void {
  const from = path.join(srcDir, 'protocols', '_template');
  const to = path.join(srcDir, 'protocols', name);
  fs.mkdirSync(to);
  const cap = name[0]!.toUpperCase() + name.slice(1);
  for (const f of fs.readdirSync(from)) {
    const text = fs
      .readFileSync(path.join(from, f), 'utf8')
      .replaceAll('TEMPLATE', name.toUpperCase())
      .replaceAll('Template', cap)
      .replaceAll('template', name);
    fs.writeFileSync(path.join(to, f), text);
  }
}

/** The registry edit: one import and one entry in PROTOCOLS. */
function register(srcDir: string, name: string): void {
  const file = path.join(srcDir, 'protocols', 'registry.ts');
  const text = fs.readFileSync(file, 'utf8');
  const entry = 'export const PROTOCOLS = [';
  expect(text).toContain(entry);
  fs.writeFileSync(
    file,
    text
      .replace(
        "import { tlsModule } from './tls/index.js';",
        `import { tlsModule } from './tls/index.js';\nimport { ${name}Module } from './${name}/index.js';`,
      )
      .replace(entry, `${entry}${name}Module, `),
  );
}

const USE_TOY = `
import { createEngine } from './src/engine.js';
import type { NetsieveEvent } from './src/events.js';

export function verbOf(ev: NetsieveEvent): string | null {
  return ev.type === 'toy' ? ev.toy.verb + (ev.toy.status ?? '') : null;
}
export const engine = createEngine({ app: { protocols: { toy: { maxPending: 4 } } } });
// @ts-expect-error a misspelt option of the new protocol
createEngine({ app: { protocols: { toy: { maxPendng: 4 } } } });
`;

describe('a protocol added as one folder and one registry entry', () => {
  it('is typed in the event union and the options, detected, parsed, written to EVE and listed', () => {
    const dir = path.join(tmp, 'toy');
    fs.mkdirSync(dir);
    fs.cpSync(path.join(REPO_ROOT, 'src'), path.join(dir, 'src'), { recursive: true });
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    copyTemplate(path.join(dir, 'src'), 'toy');
    fs.writeFileSync(path.join(dir, 'use-toy.ts'), USE_TOY);
    // Before the registry entry the program does not compile: the union and the options know no `toy`.
    const before = tsc(dir, ['src', 'use-toy.ts'], false);
    expect(before.status).not.toBe(0);
    expect(before.output).toMatch(/use-toy\.ts.*(toy|'"toy"')/);
    register(path.join(dir, 'src'), 'toy');
    const after = tsc(dir, ['src', 'use-toy.ts'], true);
    expect(after.output).toBe('');
    expect(after.status).toBe(0);

    // A client and a server speaking the toy protocol over UDP, on a port that is not the toy's.
    const frame = (sport: number, dport: number, text: string, src = '10.0.0.1', dst = '10.0.0.2') =>
      Buffer.from(eth({}, ipv4({ src, dst }, udp({ sport, dport }, new TextEncoder().encode(text))))).toString('hex');
    const frames = [
      frame(40000, 9999, 'TMPL GET /x\n'),
      frame(9999, 40000, 'TMPL OK\n', '10.0.0.2', '10.0.0.1'),
      frame(40000, 9999, 'TMPL PUT /y\n'),
    ];
    fs.writeFileSync(path.join(dir, 'frames.json'), JSON.stringify(frames));
    fs.writeFileSync(
      path.join(dir, 'run.mjs'),
      `import fs from 'node:fs';
import { createEngine } from './out/src/engine.js';
import { toEveLine } from './out/src/output/eve.js';
const engine = createEngine();
const lines = [];
engine.on('*', (ev) => lines.push(toEveLine(ev)));
let t = 1700000000;
for (const hex of JSON.parse(fs.readFileSync('frames.json', 'utf8'))) engine.process({ data: Buffer.from(hex, 'hex'), tsSec: t++, tsNsec: 0 });
engine.close();
process.stdout.write(lines.join('\\n'));
`,
    );
    const run = spawnSync(process.execPath, ['run.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const eve = run.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const toy = eve.filter((e) => e.event_type === 'toy');
    expect(toy.map((e) => e.toy)).toEqual([
      { verb: 'GET', argument: '/x', status: 'OK' },
      { verb: 'PUT', argument: '/y' },
    ]);
    expect(toy[0]).toMatchObject({ src_ip: '10.0.0.1', dest_ip: '10.0.0.2', dest_port: 9999, proto: 'UDP' });
    expect(eve.find((e) => e.event_type === 'flow')).toMatchObject({ app_proto: 'toy' });

    const list = spawnSync(process.execPath, [path.join(dir, 'out', 'src', 'cli', 'main.js'), 'protocols', '--json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(list.status).toBe(0);
    const described = (
      JSON.parse(list.stdout) as { name: string; ports: unknown; eventTypes: string[]; options: { name: string }[] }[]
    ).find((p) => p.name === 'toy');
    expect(described).toMatchObject({ ports: { tcp: [7099], udp: [7099] }, eventTypes: ['toy'] });
    expect(described!.options.map((o) => o.name)).toEqual(['maxLineBytes', 'maxPending']);
  }, 120_000);
});

describe('type-level tests', () => {
  it('every @ts-expect-error in types/registry-types.ts is still an error', () => {
    const r = tsc(
      fs.mkdtempSync(path.join(tmp, 'types-')),
      [path.join(REPO_ROOT, 'test', 'protocols', 'types', 'registry-types.ts')],
      false,
      REPO_ROOT,
    );
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);
});
