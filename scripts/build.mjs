// @ts-check
/**
 * Builds the dual package:
 *   dist/            ES modules and their declarations (tsc -p tsconfig.build.json), the CLI;
 *   dist/cjs/        the same library as CommonJS, with a {"type":"commonjs"} package.json and a copy of the
 *                    declarations (TypeScript reads them as CommonJS declarations there).
 *
 * The CommonJS files are transpiled from src/ by the TypeScript compiler API, one file at a time (tsc has
 * already type-checked them for the ES build). `import.meta.url` cannot exist in CommonJS, so each file's
 * occurrences are replaced by the URL of the file's ES twin in dist/ (dist/cjs/regex/runtime.js sees
 * dist/regex/runtime.js): paths computed relative to a module (the WASM kernel, package.json) then resolve
 * the same in both builds.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const cjs = path.join(dist, 'cjs');
/** The command is ESM only (the bin runs dist/cli/main.js); the CommonJS build is the library. */
const ESM_ONLY = new Set(['cli']);

fs.rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

/** @param {string} dir @returns {string[]} paths relative to `dir` */
function walk(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) for (const f of walk(path.join(dir, entry.name))) out.push(path.join(entry.name, f));
    else out.push(entry.name);
  }
  return out;
}

const IMPORT_META_URL = '__netsieveImportMetaUrl';
for (const rel of walk(src)) {
  if (!rel.endsWith('.ts') || rel.endsWith('.d.ts') || ESM_ONLY.has(rel.split(path.sep)[0] ?? '')) continue;
  const jsRel = rel.replace(/\.ts$/, '.js');
  let text = fs.readFileSync(path.join(src, rel), 'utf8');
  let banner = '';
  if (text.includes('import.meta.url')) {
    text = text.replaceAll('import.meta.url', IMPORT_META_URL);
    const upToDist = path.posix.join(
      '..',
      ...jsRel
        .split(path.sep)
        .slice(0, -1)
        .map(() => '..'),
    );
    banner = `const ${IMPORT_META_URL} = require('node:url').pathToFileURL(require('node:path').resolve(__dirname, ${JSON.stringify(upToDist)}, ${JSON.stringify(jsRel.split(path.sep).join('/'))})).href;\n`;
  }
  const out = ts.transpileModule(text, {
    fileName: rel,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      isolatedModules: true,
      verbatimModuleSyntax: false,
      sourceMap: false,
      removeComments: false,
    },
  });
  if (out.diagnostics !== undefined && out.diagnostics.length > 0) {
    for (const d of out.diagnostics) console.error(`${rel}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    process.exit(1);
  }
  // The transpiler puts "use strict" first; the banner goes after it so the file stays in strict mode.
  const code = banner === '' ? out.outputText : out.outputText.replace(/^("use strict";\n)?/, (m) => m + banner);
  fs.mkdirSync(path.dirname(path.join(cjs, jsRel)), { recursive: true });
  fs.writeFileSync(path.join(cjs, jsRel), code);
}

// Declarations: the same text, read as CommonJS under dist/cjs/package.json.
for (const rel of walk(dist)) {
  if (!rel.endsWith('.d.ts') || rel.startsWith(`cjs${path.sep}`) || ESM_ONLY.has(rel.split(path.sep)[0] ?? '')) continue;
  fs.mkdirSync(path.dirname(path.join(cjs, rel)), { recursive: true });
  fs.copyFileSync(path.join(dist, rel), path.join(cjs, rel));
}
fs.writeFileSync(path.join(cjs, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

// The command as one file: Node loading the ~290 modules of dist/ one by one took about 90 ms of every run
// (`netsieve --help`: 0.23 s as modules, 0.14 s bundled, Node alone 0.07 s), more than the whole replay of a
// small capture. The bundle replaces dist/cli/main.js; it sits at the same depth as every other module, so
// paths computed from `import.meta.url` (the WASM kernel, package.json) resolve as before. `cap` (optional,
// native) stays an import resolved at run time.
const cliEntry = path.join(dist, 'cli', 'main.js');
const bundle = buildSync({
  entryPoints: [cliEntry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['cap'],
  write: false,
  outfile: cliEntry,
  logLevel: 'warning',
});
fs.writeFileSync(cliEntry, bundle.outputFiles[0].contents);
fs.chmodSync(cliEntry, 0o755);
