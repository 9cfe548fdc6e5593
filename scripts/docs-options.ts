/**
 * `npm run docs:options`: writes the README's options table (between its option markers) and
 * schema/netsieve-config.schema.json from the option definitions (src/options.ts and the protocol modules).
 * `npm run docs:options -- --check` writes nothing and exits 1 when either file is stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema, withOptionsTable } from '../src/cli/config.js';
import { withThreatsTable } from '../src/cli/threats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const targets: [string, string][] = [
  [path.join(root, 'README.md'), withThreatsTable(withOptionsTable(fs.readFileSync(path.join(root, 'README.md'), 'utf8')))],
  [path.join(root, 'schema', 'netsieve-config.schema.json'), `${JSON.stringify(configSchema(), null, 2)}\n`],
];
const check = process.argv.includes('--check');
let stale = 0;
for (const [file, text] of targets) {
  const now = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (now === text) continue;
  stale++;
  if (check) console.error(`${path.relative(root, file)} is stale: run npm run docs:options`);
  else fs.writeFileSync(file, text);
}
if (check && stale > 0) process.exitCode = 1;
