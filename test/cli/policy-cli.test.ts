/**
 * The policy on the command line: `netsieve learn` writes a policy that `policy check` accepts and that
 * `replay --policy ... --mode protect` applies to the same traffic without a deny; other traffic gets EVE
 * alerts for its violations (`--types alert`) and a summary line; usage errors exit 2. Runs main() in-process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from './run-main.js';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { clientHelloRecord, sniExt } from '../protocols/tls/helpers.js';
import { addressRR, httpGet, Net } from '../policy/helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-policy-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const run = runMain;

/** Writes the packets a Net sent as a pcap file. */
function capture(name: string, build: (net: Net) => void): string {
  const net = new Net({});
  build(net);
  const w = new PcapWriter(undefined, { linkType: 1, nanosecond: true });
  for (const p of net.sent) w.write(p.data, p.tsSec, p.tsNsec);
  const file = path.join(tmp, name);
  fs.writeFileSync(file, w.toUint8Array());
  return file;
}

const monday = capture('monday.pcap', (net) => {
  net.dns('10.0.0.1', '10.0.0.53', 'api.github.com', [addressRR('api.github.com', '140.82.1.1')]);
  net.tcp('10.0.0.1', '140.82.1.1', 443, [clientHelloRecord({ extensions: [sniExt('api.github.com')] })]);
  net.tcp('10.0.0.2', '10.0.5.5', 80, [httpGet('intranet.example')]);
});
const tuesday = capture('tuesday.pcap', (net) => {
  net.tcp('10.0.0.1', '140.82.1.1', 443, [clientHelloRecord({ extensions: [sniExt('api.github.com')] })]); // by SNI: allowed
  net.tcp('10.0.0.2', '10.0.5.5', 22, ['SSH-2.0-x\r\n']); // new port: denied
  net.tcp('10.0.0.9', '10.0.5.5', 80, [httpGet('intranet.example')]); // new client: denied
});

describe('netsieve learn and replay --policy', () => {
  it('learn writes a policy that checks clean and allows the traffic it came from', async () => {
    const learned = await run(['learn', monday, '--no-progress']);
    expect(learned.status).toBe(0);
    expect(learned.stderr).toMatch(/learned 3 rules over 5 groups from 3 flows/);
    const doc = JSON.parse(learned.stdout);
    expect(doc.rules.map((r: { to: string }) => r.to)).toEqual(['fqdn-api.github.com', 'host-10.0.0.53', 'host-10.0.5.5']);
    const file = path.join(tmp, 'policy.json');
    fs.writeFileSync(file, learned.stdout);
    const checked = await run(['policy', 'check', file]);
    expect(checked.status).toBe(0);
    expect(checked.stderr).toMatch(/0 errors, 0 warnings/);

    const same = await run(['replay', monday, '--policy', file, '--mode', 'protect', '--format', 'summary', '--no-progress']);
    expect(same.status).toBe(0);
    expect(same.stdout).toMatch(/policy {7}protect: 3 rules, 5 groups; flows allowed 3, denied 0, violations 0/);
    expect(same.stdout).toMatch(/dropped 0 packets/);

    const other = await run(['replay', tuesday, '--policy', file, '--types', 'alert', '--no-progress']);
    expect(other.status).toBe(0);
    const alerts = other.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(alerts.map((a) => [a.dest_port, a.src_ip, a.alert.gid, a.alert.metadata.policy_rule[0], a.alert.action])).toEqual([
      [22, '10.0.0.2', 8, 'default', 'allowed'],
      [80, '10.0.0.9', 8, 'default', 'allowed'],
    ]);
    const flows = await run(['replay', tuesday, '--policy', file, '--mode', 'protect', '--types', 'flow', '--no-progress']);
    const decisions = flows.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).policy);
    expect(decisions.map((d: { action: string; rule: string }) => `${d.action}:${d.rule}`).sort()).toEqual([
      'allow:learned-1',
      'deny:default',
      'deny:default',
    ]);
  });

  it('learn is stable and takes labels and prefixes', async () => {
    const groups = path.join(tmp, 'groups.json');
    fs.writeFileSync(groups, JSON.stringify({ clients: ['10.0.0.0/30'] }));
    const a = await run(['learn', monday, '--groups', groups, '--prefix4', '24', '--no-progress']);
    const b = await run(['learn', monday, '--groups', groups, '--prefix4', '24', '--no-progress']);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(Object.keys(JSON.parse(a.stdout).groups)).toEqual([
      'clients',
      'fqdn-api.github.com',
      'net-10.0.0.0/24',
      'net-10.0.5.0/24',
    ]);
  });

  it('usage errors exit 2 and say what to do', async () => {
    expect((await run(['learn'])).status).toBe(2);
    expect((await run(['learn', monday, '--prefix4', '33'])).stderr).toMatch(/--prefix4 takes a prefix length 0..32/);
    const mode = await run(['replay', monday, '--policy', path.join(tmp, 'policy.json'), '--mode', 'enforce']);
    expect(mode.status).toBe(2);
    expect(mode.stderr).toMatch(/--mode must be discover, monitor or protect/);
    const missing = await run(['replay', monday, '--policy', path.join(tmp, 'nope.json')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json/);
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ rules: [{ id: 'x', from: 'a', to: 'b', ports: ['tpc/80'], action: 'allow' }] }));
    const invalid = await run(['replay', monday, '--policy', bad]);
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toMatch(/\$\.rules\[0\]\.ports\[0\]/);
    expect((await run(['learn', '--help'])).stdout).toMatch(/Usage: netsieve learn/);
    expect((await run(['replay', '--help'])).stdout).toMatch(/--policy FILE/);
  });
});
