/**
 * Threats on the command line: `replay` runs the detectors by default and writes threats as EVE alerts
 * (gid 10, ATT&CK metadata), `--threats off` and a list of detectors choose, the config's `threats` section
 * sets thresholds or turns the stage off, the summary lists threats by technique; `netsieve threats` lists
 * the detectors; `netsieve attack-layer` writes a Navigator layer, scored with captures. Runs main() in-process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from './run-main.js';
import { THREAT_DETECTORS } from '../../src/threats/registry.js';
import { OWN_FIXTURES_DIR } from '../support/corpus.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-threats-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const run = runMain;

const SCAN = path.join(OWN_FIXTURES_DIR, 'threats', 'port-scan-syn.pcap');
const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const threatAlerts = (stdout: string) =>
  lines(stdout).filter((l) => l.event_type === 'alert' && (l.alert as { gid: number }).gid === 10);

describe.skipIf(!THREAT_DETECTORS.some((d) => d.name === 'port_scan'))('netsieve replay and threats', () => {
  it('runs the detectors by default: a port scan is an alert with ATT&CK metadata', async () => {
    const r = await run(['replay', SCAN, '--types', 'alert']);
    expect(r.status).toBe(0);
    const alerts = threatAlerts(r.stdout);
    expect(alerts.length).toBeGreaterThan(0);
    const a = alerts[0]!.alert as { metadata: Record<string, string[]>; signature: string };
    expect(a.metadata.threat).toEqual(['port_scan']);
    expect(a.metadata.mitre_technique_id).toEqual(['T1046']);
    expect(a.metadata.mitre_tactic_name).toEqual(['Discovery']);
    expect(alerts[0]!.threat).toMatchObject({ name: 'port_scan' });
  });

  it('--threats off, a list without the detector, or a config with threats false: no threat', async () => {
    expect(threatAlerts((await run(['replay', SCAN, '--types', 'alert', '--threats', 'off'])).stdout)).toEqual([]);
    const other = THREAT_DETECTORS.find((d) => d.name !== 'port_scan')!.name;
    expect(threatAlerts((await run(['replay', SCAN, '--types', 'alert', '--threats', other])).stdout)).toEqual([]);
    const off = path.join(tmp, 'off.json');
    fs.writeFileSync(off, JSON.stringify({ threats: false }));
    expect(threatAlerts((await run(['replay', SCAN, '--types', 'alert', '--config', off])).stdout)).toEqual([]);
    const noScan = path.join(tmp, 'no-scan.json');
    fs.writeFileSync(noScan, JSON.stringify({ threats: { detectors: { port_scan: false } } }));
    expect(
      threatAlerts((await run(['replay', SCAN, '--types', 'alert', '--config', noScan])).stdout).filter(
        (l) => (l.threat as { name: string }).name === 'port_scan',
      ),
    ).toEqual([]);
  });

  it('the summary lists threats by technique', async () => {
    const r = await run(['replay', SCAN, '--format', 'summary']);
    expect(r.stdout).toMatch(/threats +\d+ alerts/);
    expect(r.stdout).toContain('T1046 Network Service Discovery');
  });

  it('attack-layer with a capture scores what fired', async () => {
    const out = path.join(tmp, 'layer.json');
    const r = await run(['attack-layer', SCAN, '--out', out]);
    expect(r.status).toBe(0);
    const layer = JSON.parse(fs.readFileSync(out, 'utf8')) as { techniques: { techniqueID: string; score?: number }[] };
    expect(layer.techniques.find((t) => t.techniqueID === 'T1046')?.score).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/techniques covered, 1 fired/);
  });
});

describe('netsieve threats and attack-layer', () => {
  it('threats lists every detector (text and --json)', async () => {
    const text = await run(['threats']);
    expect(text.status).toBe(0);
    for (const d of THREAT_DETECTORS) expect(text.stdout).toContain(`${d.name}: ${d.title}`);
    const json = JSON.parse((await run(['threats', '--json'])).stdout) as { name: string; techniques: { id: string }[] }[];
    expect(json.map((d) => d.name)).toEqual(THREAT_DETECTORS.map((d) => d.name));
    expect((await run(['threats', 'extra'])).status).toBe(2);
  });

  it('attack-layer without captures writes the coverage: every tagged technique, no score', async () => {
    const r = await run(['attack-layer']);
    expect(r.status).toBe(0);
    const layer = JSON.parse(r.stdout) as {
      versions: { layer: string };
      domain: string;
      techniques: { techniqueID: string; score?: number }[];
    };
    expect(layer.versions.layer).toBe('4.5');
    expect(layer.domain).toBe('enterprise-attack');
    const ids = new Set(layer.techniques.map((t) => t.techniqueID));
    for (const d of THREAT_DETECTORS) for (const t of d.techniques) expect(ids.has(t), t).toBe(true);
    expect(ids.has('T1021')).toBe(true); // the policy's
    expect(ids.has('T1041')).toBe(true); // DLP's
    expect(layer.techniques.every((t) => t.score === undefined)).toBe(true);
  });

  it('--threats with an unknown detector is a usage error (exit 2)', async () => {
    const r = await run(['replay', SCAN, '--threats', 'no_such_detector']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no detector no_such_detector');
  });
});
