/**
 * Runs once per vitest run, before any test file is collected: probes the external tools and hands the
 * answer to the test files (see test/support/tools.ts), and prints ONE notice listing what is absent (the
 * shared corpus, the EVE schema, CRS, ATT&CK's STIX, tools), instead of each test file warning on its own.
 * The skipped tests themselves still show up as skipped, with the reason in their name or skip note.
 */
import type { TestProject } from 'vitest/node';
import {
  ATTACK_STIX_WHERE,
  attackStixPresent,
  CORPUS_DIR,
  CRS_DIR,
  corpusPresent,
  crsPresent,
  EVE_SCHEMA,
  schemaPresent,
  SHARED_DIR_ENV,
} from './corpus.js';
import { probeTools, TOOL_NAMES, TOOLS_ENV } from './tools.js';

export default function setup(project: TestProject): void {
  const tools = probeTools();
  project.provide('netsieveTools', tools);
  const absent: string[] = [];
  if (!corpusPresent) absent.push(`the shared capture corpus (${CORPUS_DIR}; set ${SHARED_DIR_ENV} to move it)`);
  if (!schemaPresent) absent.push(`Suricata's EVE schema (${EVE_SCHEMA})`);
  if (!crsPresent) absent.push(`OWASP CRS (${CRS_DIR})`);
  if (!attackStixPresent) absent.push(`ATT&CK Enterprise STIX (${ATTACK_STIX_WHERE}; CONTRIBUTING.md, "ATT&CK ids")`);
  for (const t of TOOL_NAMES) if (!tools[t]) absent.push(`${t}`);
  if (absent.length > 0) {
    const why = process.env[TOOLS_ENV] === 'none' ? ' (the unit tier leaves them out on purpose; npm test runs everything)' : '';
    console.warn(`\n*** netsieve tests: absent, so the tests that need them are SKIPPED: ${absent.join('; ')}${why}. ***\n`);
  }
}
