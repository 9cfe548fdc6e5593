/**
 * The package as a user gets it: `npm pack` of the built tree (dist/, made by `npm test`'s pretest; packed
 * with --ignore-scripts so that it is not built a second time), installed offline into a fresh consumer
 * project, then used from CommonJS (the README's CommonJS example, verbatim), from ES modules (the
 * examples), from both at once (the dual-package hazard), and from a strict TypeScript project with node16
 * resolution that compiles the README's examples against the shipped declarations.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures', 'loopback-mixed.pcap');
let work = '';
let consumer = '';
let installed = '';
let packedFiles: string[] = [];

function node(args: string[], cwd = consumer): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000 });
}

/** The code blocks of `lang` in the README section that starts with `heading`, in order. */
function readmeBlocks(heading: string, lang: string): string[] {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThan(0);
  const next = readme.indexOf('\n## ', start + heading.length + 2);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!);
}

beforeAll(() => {
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'cjs', 'index.js')))
    throw new Error('dist/ is missing or old: run `npm run build` (npm test does)');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-package-'));
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(pack.status, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  packedFiles = info!.files.map((f) => f.path);
  consumer = path.join(work, 'consumer');
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  const install = spawnSync(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(work, info!.filename)],
    {
      cwd: consumer,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  expect(install.status, install.stderr).toBe(0);
  installed = path.join(consumer, 'node_modules', 'netsieve');
  expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false); // a real copy, not a link to the repository
});
afterAll(() => {
  if (work !== '') fs.rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the builds, the kernel, the schemas, the examples and the licence; no sources, maps or tests', () => {
    for (const f of [
      'LICENSE',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cjs/index.js',
      'dist/cjs/index.d.ts',
      'dist/cjs/package.json',
      'dist/cli/main.js',
      'wasm/kernel.wasm',
      'schema/netsieve-config.schema.json',
      'schema/netsieve-policy.schema.json',
      'examples/netsieve.config.json',
      'examples/policy/egress.json',
    ]) {
      expect(packedFiles, f).toContain(f);
    }
    expect(
      packedFiles.filter(
        (f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/') || f.startsWith('dist/cjs/cli/'),
      ),
    ).toEqual([]);
    expect(fs.readFileSync(path.join(installed, 'dist', 'index.js'), 'utf8')).not.toContain('sourceMappingURL');
    expect(fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 netsieve authors\n/,
    );
  });

  it('keeps @internal members out of the declarations', () => {
    const regex = fs.readFileSync(path.join(installed, 'dist', 'regex', 'database.d.ts'), 'utf8');
    for (const internal of ['lazyCapacity', 'literalCut', 'literalWindow', 'scanChunk', 'initialState'])
      expect(regex, internal).not.toContain(internal);
    expect(regex).toContain('somHorizon'); // public options stay
    expect(fs.readFileSync(path.join(installed, 'dist', 'flow', 'tcp-session.d.ts'), 'utf8')).not.toMatch(/\bbypass\(direction/);
    expect(fs.readFileSync(path.join(installed, 'dist', 'cjs', 'regex', 'database.d.ts'), 'utf8')).toBe(regex);
  });
});

describe('a CommonJS consumer', () => {
  it("runs the README's CommonJS example verbatim", () => {
    const [example] = readmeBlocks('## The library', 'js');
    expect(example).toContain("require('netsieve')");
    fs.writeFileSync(path.join(consumer, 'count.cjs'), example!);
    const r = node(['count.cjs', FIXTURE]);
    expect(r.stderr).toBe('');
    const counts = JSON.parse(r.stdout) as Record<string, number>;
    expect(counts).toMatchObject({ flow: 16, http: 5 });
    expect(counts.redis).toBeUndefined(); // the example leaves Redis out
    // A capture that is not one: the example's error path, through the CommonJS build's error codes.
    fs.writeFileSync(path.join(consumer, 'not-a-capture.pcap'), 'hello');
    const bad = node(['count.cjs', 'not-a-capture.pcap']);
    expect([bad.status, bad.stderr]).toEqual([1, expect.stringMatching(/^NS_ERR_CAPTURE_FORMAT: /)]);
  });

  it('gets the CommonJS build, whose WebAssembly kernel and errors work', () => {
    const script = `
      const ns = require('netsieve');
      const db = ns.compile([{ id: 7, expression: 'b[a-z]+d', flags: 'L' }], { mode: 'block' });
      const hits = [];
      db.scan(Buffer.from('xx bird yy'), (id, from, to) => { hits.push([id, from, to]); });
      let code = null;
      try { ns.createEngine({ flow: { timeouts: { tcp: 1 } } }); } catch (e) { code = ns.isNetsieveError(e) && e instanceof ns.NetsieveError ? e.code : 'wrong'; }
      // Live capture loads the optional 'cap' package relative to the module (import.meta.url in ESM): in this
      // consumer it is not installed, which must be the documented error, not a ReferenceError of the build.
      let live;
      try { live = Array.isArray(ns.listDevices()) ? 'devices' : 'wrong'; } catch (e) { live = ns.isNetsieveError(e) ? e.code : String(e); }
      console.log(JSON.stringify({ resolved: require.resolve('netsieve'), hits, code, live }));
    `;
    const r = node(['-e', script]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { resolved: string; hits: number[][]; code: string; live: string };
    expect(path.relative(installed, out.resolved)).toBe(path.join('dist', 'cjs', 'index.js'));
    expect(out.hits).toEqual([[7, 3, 7]]);
    expect(out.code).toBe('NS_ERR_OPTION');
    expect(['devices', 'NS_ERR_LIVE_UNAVAILABLE']).toContain(out.live);
  });
});

describe('an ES module consumer', () => {
  it('runs the examples against the installed package', () => {
    for (const f of fs.readdirSync(path.join(installed, 'examples')).filter((x) => x.endsWith('.mjs'))) {
      fs.copyFileSync(path.join(installed, 'examples', f), path.join(consumer, f));
    }
    const r = node(['replay-filter.mjs', FIXTURE]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('http GET 127.0.0.1:8080/big.bin -> 200\n');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('done: 403 packets');
    const s = node(['regex-stream.mjs', FIXTURE]);
    expect(s.stderr).toBe('');
    expect(s.stdout.trim().split('\n').at(-1)).toBe('matches: http request line 5, html response 3, redis AUTH 4');
  });

  it('loaded beside the CommonJS build: the same exports, two copies that recognise each other’s errors by code (the dual-package hazard)', () => {
    const script = `
      import { createRequire } from 'node:module';
      import * as esm from 'netsieve';
      const cjs = createRequire(import.meta.url)('netsieve');
      const errorOf = (ns) => { try { ns.resolveOptions({ tcp: { depth: -1 } }); } catch (e) { return e; } };
      const fromCjs = errorOf(cjs), fromEsm = errorOf(esm);
      console.log(JSON.stringify({
        twoCopies: esm.createEngine !== cjs.createEngine,
        missingFromCjs: Object.keys(esm).filter((k) => !(k in cjs)),
        extraInCjs: Object.keys(cjs).filter((k) => !(k in esm)),
        instanceofAcross: fromCjs instanceof esm.NetsieveError || fromEsm instanceof cjs.NetsieveError,
        isNetsieveErrorAcross: esm.isNetsieveError(fromCjs) && cjs.isNetsieveError(fromEsm),
        codes: [fromCjs.code, fromEsm.code],
      }));
    `;
    const r = node(['--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      twoCopies: true,
      missingFromCjs: [],
      extraInCjs: [],
      instanceofAcross: false,
      isNetsieveErrorAcross: true,
      codes: ['NS_ERR_OPTION', 'NS_ERR_OPTION'],
    });
  });
});

describe('a TypeScript consumer (strict, node16 resolution)', () => {
  it("compiles the README's examples against the ESM and the CommonJS declarations", () => {
    const [esmExample] = readmeBlocks('## The library', 'ts');
    const [cjsExample] = readmeBlocks('## The library', 'js');
    fs.writeFileSync(path.join(consumer, 'count.cjs'), cjsExample!);
    // The README's inline example takes a frame from the reader's capture loop; declare what it leaves open.
    const prelude = 'declare const frame: Uint8Array;\ndeclare const tsSec: number;\ndeclare const tsNsec: number;\n';
    fs.writeFileSync(path.join(consumer, 'readme.mts'), `${prelude + esmExample!}\nexport {};\n`);
    fs.writeFileSync(
      path.join(consumer, 'require.cts'),
      `import { createEngine, isNetsieveError, resolveOptions, type FlowEvent, type EngineOptions, compile } from 'netsieve';
const engine = createEngine({ tcp: { depth: 0 }, flow: { timeouts: { udpNew: 10 } } });
engine.on('flow', (ev: FlowEvent) => { const n: number = ev.flow.pktsToServer; void n; });
const options: EngineOptions = resolveOptions({});
const db = compile([{ id: 1, expression: 'abc' }], { mode: 'stream' });
const stream = db.openStream();
try { stream.scan(new Uint8Array(3), (id, from, to) => { void [id, from, to]; }); } catch (e) { if (isNetsieveError(e)) console.log(e.code); }
// @ts-expect-error -- an internal compile option is not part of the public types
compile([{ id: 1, expression: 'abc' }], { mode: 'block', lazyCapacity: 4 });
export = options;
`,
    );
    fs.writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'node16',
          moduleResolution: 'node16',
          target: 'ES2022',
          noEmit: true,
          types: ['node'],
          typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
          // The README's CommonJS example (count.cjs) is checked through its JSDoc types.
          allowJs: true,
          checkJs: true,
        },
        files: ['readme.mts', 'require.cts', 'count.cjs'],
      }),
    );
    const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = node([tsc, '-p', consumer, '--explainFiles']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // Each file got the declarations of its own format.
    expect(r.stdout).toMatch(/node_modules\/netsieve\/dist\/index\.d\.ts\n\s+Imported via 'netsieve' from file 'readme\.mts'/);
    expect(r.stdout).toMatch(
      /node_modules\/netsieve\/dist\/cjs\/index\.d\.ts\n\s+Imported via 'netsieve' from file 'require\.cts'/,
    );
    expect(r.stdout).toMatch(
      /node_modules\/netsieve\/dist\/cjs\/index\.d\.ts\n(\s+Imported via .*\n)*\s+Imported via 'netsieve' from file 'count\.cjs'/,
    );
  });
});

describe('the netsieve command from the installed package', () => {
  it('runs through the bin, and config --dump prints a configuration the shipped schema accepts', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = path.join(consumer, 'node_modules', '.bin', 'netsieve');
    expect(fs.realpathSync(bin)).toBe(fs.realpathSync(path.join(installed, pkg.bin.netsieve!)));
    const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    expect([v.status, v.stdout]).toEqual([0, expect.stringMatching(/^netsieve \d+\.\d+\.\d+/)]);
    const r = spawnSync(bin, ['config', '--dump', '--config', path.join(installed, 'examples', 'netsieve.config.json')], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const dump = JSON.parse(r.stdout) as { tcp: { overlapPolicy: string } };
    expect(dump.tcp.overlapPolicy).toBe('linux');
    const { Ajv } = await import('ajv');
    const validate = new Ajv({ strict: true }).compile(
      JSON.parse(fs.readFileSync(path.join(installed, 'schema', 'netsieve-config.schema.json'), 'utf8')) as object,
    );
    expect(validate(dump), JSON.stringify(validate.errors)).toBe(true);
    const bad = spawnSync(bin, ['config', '--dump', '--config', path.join(consumer, 'package.json')], { encoding: 'utf8' });
    expect([bad.status, bad.stderr]).toEqual([2, expect.stringContaining('option name must be one of the sections')]);
  });
});
