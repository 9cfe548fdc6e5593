/**
 * `npx tsx scripts/check-attack.ts <enterprise-attack.json>`: checks the ATT&CK table (src/threats/attack.ts:
 * ids, names, tactics, ATTACK_VERSION) against a release of ATT&CK Enterprise as STIX, prints every
 * problem and exits 1 when there is any (2 when the file cannot be read). CONTRIBUTING.md, "ATT&CK ids",
 * says where to get the file.
 */
import fs from 'node:fs';
import { ATTACK_TACTICS, ATTACK_TECHNIQUES, ATTACK_VERSION } from '../src/threats/attack.js';
import { bundleVersion, checkAttackTable, isStixBundle } from '../test/threats/attack-stix.js';

const file = process.argv[2];
if (file === undefined || file === '') {
  console.error('usage: npx tsx scripts/check-attack.ts <enterprise-attack.json>');
  process.exit(2);
}
let bundle: unknown;
try {
  bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  console.error(`${file}: ${(e as Error).message}`);
  process.exit(2);
}
if (!isStixBundle(bundle)) {
  console.error(`${file}: not a STIX bundle (no "objects" array)`);
  process.exit(2);
}
const problems = checkAttackTable(bundle, { techniques: ATTACK_TECHNIQUES, tactics: ATTACK_TACTICS, version: ATTACK_VERSION });
const release = bundleVersion(bundle) ?? 'unknown (the bundle has no x-mitre-collection object)';
const counts = `${Object.keys(ATTACK_TECHNIQUES).length} techniques, ${Object.keys(ATTACK_TACTICS).length} tactics`;
console.log(`ATT&CK table (${counts}, ATTACK_VERSION ${ATTACK_VERSION}) against ${file}, release ${release}`);
for (const p of problems) console.log(`  ${p}`);
console.log(problems.length === 0 ? 'no problems' : `${problems.length} problem(s)`);
process.exitCode = problems.length === 0 ? 0 : 1;
