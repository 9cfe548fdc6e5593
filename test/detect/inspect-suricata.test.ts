/**
 * Content inspection against Suricata itself: seeded random rules (contents with offset, depth, distance,
 * within, nocase, startswith, endswith, negation, isdataat, relative pcre) on seeded random UDP payloads.
 * Which rule fires on which packet must be what Suricata 7 says.
 *
 * Suricata's answers are kept in fixtures/inspect-fuzz.truth.json (netsieve's own generated data), so the
 * test runs everywhere; where `suricata` is installed the test also runs it and checks the recorded truth is
 * still what it says (and `NETSIEVE_RECORD=1` rewrites the file from it).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { createDetection } from '../../src/detect/index.js';
import { createEngine } from '../../src/index.js';
import type { NetsieveEvent } from '../../src/events.js';
import { eth, ipv4, udp } from '../helpers/packets.js';
import { toolPresent } from '../support/tools.js';

const TRUTH = path.join(__dirname, 'fixtures', 'inspect-fuzz.truth.json');
const RULES = 300;
const PACKETS = 60;

/** xorshift32: the same rules and payloads on every machine. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const ALPHABET = 'abAB-';
/** The second run's alphabet: digits for byte_test/byte_jump/byte_extract read as text. */
const DIGITS = 'ab-0123';

function word(r: () => number, min: number, max: number, alphabet = ALPHABET): string {
  const n = min + Math.floor(r() * (max - min + 1));
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

/** A rule of the second run: contents over digits with byte_test, byte_jump, byte_extract and pcre. */
function byteRuleBody(r: () => number): string {
  const items: string[] = [`content:"${word(r, 1, 2, DIGITS)}"`];
  const n = 1 + Math.floor(r() * 2);
  for (let k = 0; k < n; k++) {
    const x = r();
    const rel = r() < 0.6 ? ',relative' : '';
    if (x < 0.3)
      items.push(
        `byte_test:1,${pick(r, ['<', '>', '=', '!=', '>=', '<='])},${Math.floor(r() * 4)},${Math.floor(r() * 3) - (rel ? 1 : 0)}${rel},string,dec`,
      );
    else if (x < 0.5) items.push(`byte_jump:1,${Math.floor(r() * 2)}${rel},string,dec${r() < 0.3 ? ',from_beginning' : ''}`);
    else if (x < 0.7) {
      items.push(`byte_extract:1,0,v${k}${rel},string,dec`);
      items.push(`content:"${word(r, 1, 1, DIGITS)}"; distance:v${k}`);
    } else if (x < 0.85)
      items.push(`pcre:"/${pick(r, ['[0-3]', 'a[0-9]', '^[ab]', '-?\\d', '[0-9]{2}', 'b$'])}/${r() < 0.6 ? 'R' : ''}"`);
    else items.push(`isdataat:${Math.floor(r() * 4)}${rel}`);
  }
  return items.join('; ');
}

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

/** One random rule body: keywords Suricata accepts in these combinations. */
function ruleBody(r: () => number): string {
  const items: string[] = [];
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const kind = r();
    if (k > 0 && kind < 0.12) {
      items.push(`isdataat:${Math.floor(r() * 6)}${r() < 0.6 ? ',relative' : ''}`);
      continue;
    }
    if (k > 0 && kind < 0.22) {
      items.push(`pcre:"/${pick(r, ['a', 'b', 'ab', 'a.b', 'A+', 'b-?a'])}/${r() < 0.3 ? 'i' : ''}${r() < 0.7 ? 'R' : ''}"`);
      continue;
    }
    const pat = word(r, 1, 3);
    const negated = r() < 0.15;
    const mods: string[] = [`content:${negated ? '!' : ''}"${pat}"`];
    if (r() < 0.3) mods.push('nocase');
    if (k === 0 || r() < 0.3) {
      // Absolute placement.
      const m = r();
      if (m < 0.2 && !negated) mods.push('startswith');
      else if (m < 0.5) {
        const offset = Math.floor(r() * 5);
        mods.push(`offset:${offset}`);
        if (r() < 0.6) mods.push(`depth:${pat.length + Math.floor(r() * 8)}`);
      } else if (m < 0.6) mods.push(`depth:${pat.length + Math.floor(r() * 8)}`);
      if (r() < 0.15 && !mods.includes('startswith')) mods.push('endswith');
    } else {
      // Relative placement.
      if (r() < 0.7) mods.push(`distance:${Math.floor(r() * 7) - 2}`);
      if (r() < 0.6) mods.push(`within:${pat.length + Math.floor(r() * 6)}`);
      if (!mods.some((m) => m.startsWith('distance') || m.startsWith('within'))) mods.push('distance:0');
      if (r() < 0.1) mods.push('endswith');
    }
    items.push(mods.join('; '));
  }
  return items.join('; ');
}

function generate(): { rules: string; payloads: string[] } {
  const r = rng(0x5eed1e5);
  const lines: string[] = [];
  for (let i = 0; i < RULES; i++)
    lines.push(`alert udp any any -> any any (msg:"fuzz ${i}"; ${ruleBody(r)}; sid:${8000000 + i}; rev:1;)`);
  for (let i = RULES; i < 2 * RULES; i++)
    lines.push(`alert udp any any -> any any (msg:"fuzz ${i}"; ${byteRuleBody(r)}; sid:${8000000 + i}; rev:1;)`);
  const payloads: string[] = [];
  for (let i = 0; i < PACKETS; i++) payloads.push(word(r, 1, 24));
  for (let i = 0; i < PACKETS; i++) payloads.push(word(r, 1, 24, DIGITS));
  return { rules: `${lines.join('\n')}\n`, payloads };
}

function capture(payloads: readonly string[]): Uint8Array {
  const w = new PcapWriter(undefined, { linkType: 1 });
  payloads.forEach((p, i) => {
    const frame = eth(
      {},
      ipv4({ src: '10.1.0.1', dst: '10.2.0.2' }, udp({ sport: 20000 + i, dport: 7000 }, Buffer.from(p, 'latin1'))),
    );
    w.write(frame, 1_700_000_000 + i, 0);
  });
  return w.toUint8Array();
}

/** `sid@packet` for every alert, sorted. */
async function netsieveAlerts(rules: string, pcap: Uint8Array): Promise<string[]> {
  const engine = createEngine({ detect: { rules: [rules] } });
  const out: string[] = [];
  for await (const ev of engine.replay(pcap) as AsyncIterable<NetsieveEvent>)
    if (ev.type === 'alert') out.push(`${ev.alert.signatureId}@${ev.pcapCnt}`);
  return out.sort();
}

interface SuricataRun {
  alerts: string[];
  /** Sids of the rules Suricata refused to load. */
  refused: number[];
}

function suricataRun(rules: string, pcap: Uint8Array): SuricataRun | null {
  if (!toolPresent('suricata')) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-suricata-'));
  try {
    fs.writeFileSync(path.join(dir, 'fuzz.rules'), rules);
    fs.writeFileSync(path.join(dir, 'fuzz.pcap'), pcap);
    const run = spawnSync(
      'suricata',
      ['-r', 'fuzz.pcap', '--runmode', 'single', '-S', 'fuzz.rules', '-l', '.', '-k', 'none', '--set', 'packet-alert-max=200'],
      { cwd: dir, encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(`suricata failed: ${run.stderr}`);
    const out: string[] = [];
    for (const line of fs.readFileSync(path.join(dir, 'eve.json'), 'utf8').split('\n')) {
      if (!line.includes('"event_type":"alert"')) continue;
      const j = JSON.parse(line) as { pcap_cnt: number; alert: { signature_id: number } };
      out.push(`${j.alert.signature_id}@${j.pcap_cnt}`);
    }
    const refused = [...run.stderr.matchAll(/error parsing signature "[^\n]*?sid:(\d+);/g)]
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    return { alerts: out.sort(), refused };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('content inspection against Suricata 7 (seeded random rules and payloads)', () => {
  const { rules, payloads } = generate();
  const pcap = capture(payloads);

  const suricata = suricataRun(rules, pcap);
  if (suricata !== null && process.env.NETSIEVE_RECORD === '1') fs.writeFileSync(TRUTH, `${JSON.stringify(suricata)}\n`);
  const truth = JSON.parse(fs.readFileSync(TRUTH, 'utf8')) as SuricataRun;

  it.runIf(suricata !== null)('the recorded truth is what Suricata says today', () => {
    expect(truth).toEqual(suricata);
  });

  it('refuses the rules Suricata refuses', () => {
    const report = createDetection({ rules: [rules] }).report;
    const refused = report.failed.map((f) => f.sid!).sort((a, b) => a - b);
    expect(refused).toEqual(truth.refused);
  });

  it('fires the same rules on the same packets as the recorded Suricata run', async () => {
    const ours = await netsieveAlerts(rules, pcap);
    // Enough alerts that the comparison means something, and not every rule on every packet.
    expect(truth.alerts.length).toBeGreaterThan(200);
    expect(truth.alerts.length).toBeLessThan(RULES * PACKETS);
    const missing = truth.alerts.filter((a) => !ours.includes(a));
    const extra = ours.filter((a) => !truth.alerts.includes(a));
    const show = (list: string[]) =>
      list.slice(0, 10).map((a) => {
        const [sid, pkt] = a.split('@');
        return `${a}: ${rules.split('\n')[Number(sid) - 8000000]} on ${JSON.stringify(payloads[Number(pkt) - 1])}`;
      });
    expect({ missing: show(missing), extra: show(extra) }).toEqual({ missing: [], extra: [] });
  });
});
