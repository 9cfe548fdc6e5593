/**
 * Every capture the project made for the threat stage (fixtures/threats/: recorded from real tools by
 * scripts/record-attacks.sh, written by scripts/write-attacks.ts and write-stratum.ts) raises the detector its
 * manifest names, and nothing else; the benign ones (busy browsing, a busy resolver, a large download, plain
 * ping) raise no threat at all. Run with every detector on and the defaults, as `netsieve replay` does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ATTACK_TECHNIQUES } from '../../src/threats/attack.js';
import { THREAT_DETECTORS } from '../../src/threats/registry.js';
import { OWN_FIXTURES_DIR, threatFixtures } from '../support/corpus.js';
import { threatsOf } from './helpers.js';

const DIR = path.join(OWN_FIXTURES_DIR, 'threats');

/** file -> the detector it holds (`none`: benign), from the two manifests and the Stratum script's one capture. */
function manifest(): Map<string, string> {
  const out = new Map<string, string>([['stratum-mining.pcap', 'stratum_mining']]);
  for (const [name, column] of [
    ['recorded.tsv', 'expected detector'],
    ['written.tsv', 'detector'],
  ] as const) {
    const [head, ...rows] = fs.readFileSync(path.join(DIR, name), 'utf8').trimEnd().split('\n');
    const col = head!.split('\t').indexOf(column);
    for (const row of rows) {
      const cells = row.split('\t');
      out.set(cells[0]!, cells[col]!);
    }
  }
  return out;
}

/**
 * Other detectors a capture rightly raises too, with why. (Each is a second reading of the same attack,
 * not a false alarm.)
 */
const ALSO: Readonly<Record<string, Readonly<Record<string, string>>>> = {};

describe('the threat fixtures', () => {
  const expected = manifest();
  const files = threatFixtures();

  it('are all listed in a manifest, and every detector has a capture', () => {
    expect(files.map((f) => path.basename(f)).filter((f) => !expected.has(f))).toEqual([]);
    const held = new Set(expected.values());
    expect(THREAT_DETECTORS.map((d) => d.name).filter((n) => !held.has(n))).toEqual([]);
  });

  for (const file of files) {
    const name = path.basename(file);
    const want = expected.get(name) ?? 'none';
    it(`${name}: ${want === 'none' ? 'no threat' : want}`, async () => {
      const threats = await threatsOf(file);
      const fired = [...new Set(threats.map((t) => t.threat.name))].sort();
      const allowed = new Set([...(want === 'none' ? [] : [want]), ...Object.keys(ALSO[name] ?? {})]);
      expect(
        fired.filter((n) => !allowed.has(n)),
        JSON.stringify(
          threats.map((t) => t.threat),
          null,
          1,
        ),
      ).toEqual([]);
      if (want === 'none') return;
      expect(fired).toContain(want);
      const def = THREAT_DETECTORS.find((d) => d.name === want)!;
      for (const t of threats.filter((x) => x.threat.name === want)) {
        expect(t.threat.techniques).toEqual([...def.techniques]);
        for (const id of t.threat.techniques) expect(ATTACK_TECHNIQUES[id], id).toBeDefined();
        expect(t.threat.count).toBeGreaterThan(0);
      }
    });
  }
});
