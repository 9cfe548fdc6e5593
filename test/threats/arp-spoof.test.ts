/**
 * arp_spoof (src/threats/detectors/arp-spoof.ts) through its `link` hook, with ARP frames decoded by the
 * real decoder (which leaves `l3Offset` at the ARP body): poisoning, flip-flops, storms, and the benign
 * look-alikes (a DHCP address moving, a failover, ordinary resolution).
 */
import { describe, expect, it } from 'vitest';
import { arpSpoof } from '../../src/threats/detectors/arp-spoof.js';
import { eth, mulberry32 } from '../helpers/packets.js';
import { arpFrame, decodeFrame, recording } from './dnsicmp-support.js';

function detector(maxTracked = 10_000, options: Partial<typeof arpSpoof.defaults> = {}) {
  const r = recording(maxTracked);
  const d = arpSpoof.create({ ...arpSpoof.defaults, ...options }, r.ctx);
  return { r, d };
}

const GW = '192.168.1.1';
const GW_MAC = '00:11:22:33:44:01';
const VICTIM = '192.168.1.20';
const VICTIM_MAC = '00:11:22:33:44:20';
const ATTACKER_MAC = '66:66:66:66:66:66';

type Frame = Parameters<typeof arpFrame>[0];

function feed(d: ReturnType<typeof detector>['d'], frame: Frame, t: number): void {
  d.link!(decodeFrame(arpFrame(frame), t), t);
}

/** The victim asks for the gateway and the gateway answers (solicited). */
function resolveGateway(d: ReturnType<typeof detector>['d'], t: number): void {
  feed(d, { op: 1, senderMac: VICTIM_MAC, senderIp: VICTIM, targetIp: GW }, t);
  feed(d, { op: 2, senderMac: GW_MAC, senderIp: GW, targetMac: VICTIM_MAC, targetIp: VICTIM }, t + 0.001);
}

const poison: Frame = { op: 2, senderMac: ATTACKER_MAC, senderIp: GW, targetMac: VICTIM_MAC, targetIp: VICTIM };

describe('arp_spoof', () => {
  it('the decoder leaves l3Offset at the ARP body', () => {
    const p = decodeFrame(arpFrame(poison), 1000);
    expect(p.etherType).toBe(0x0806);
    expect(p.ipVersion).toBe(0);
    expect(p.l3Offset).toBe(14);
    const vlan = decodeFrame(eth({ vlan: [10], type: 0x0806 }, arpFrame(poison).subarray(14)), 1000);
    expect(vlan.l3Offset).toBe(18);
  });

  it('arpspoof: unsolicited replies claiming the gateway after its real binding was seen', () => {
    const { r, d } = detector();
    resolveGateway(d, 1000);
    for (let i = 0; i < 10; i++) feed(d, poison, 1010 + 2 * i);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f.attacker).toBeNull(); // its own address was never seen
    expect(f.target).toBe(GW);
    expect(f.details).toMatchObject({
      mac: ATTACKER_MAC,
      claimedIp: GW,
      ownerMac: GW_MAC,
      contestedChanges: 1,
      unsolicitedReplies: 3,
      signs: ['unsolicited_replies'],
    });
  });

  it('a binding flipping back and forth counts against the newcomer', () => {
    const { r, d } = detector();
    resolveGateway(d, 1000);
    // The attacker answers the victim's requests too (solicited), racing the gateway.
    feed(d, { op: 1, senderMac: VICTIM_MAC, senderIp: VICTIM, targetIp: GW }, 1010);
    feed(d, { op: 2, senderMac: ATTACKER_MAC, senderIp: GW, targetMac: VICTIM_MAC, targetIp: VICTIM }, 1010.001);
    expect(r.findings).toEqual([]);
    feed(d, { op: 2, senderMac: GW_MAC, senderIp: GW, targetMac: VICTIM_MAC, targetIp: VICTIM }, 1010.002);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.details).toMatchObject({ mac: ATTACKER_MAC, contestedChanges: 2, signs: ['contested_changes'] });
  });

  it("the attacker is the suspect MAC's own address when it was seen asking from it", () => {
    const { r, d } = detector();
    resolveGateway(d, 1000);
    feed(d, { op: 1, senderMac: ATTACKER_MAC, senderIp: '192.168.1.66', targetIp: GW }, 1001);
    for (let i = 0; i < 10; i++) feed(d, poison, 1010 + 2 * i);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.attacker).toBe('192.168.1.66');
    expect(r.findings[0]!.target).toBe(GW);
  });

  it('benign: a DHCP address moving to a new MAC after the old one went quiet, and ordinary resolution', () => {
    const { r, d } = detector();
    const rand = mulberry32(1);
    // 50 hosts resolving each other for an hour.
    for (let i = 0; i < 20_000; i++) {
      const a = 2 + Math.floor(rand() * 50);
      let b = 2 + Math.floor(rand() * 50);
      if (b === a) b = a === 51 ? 2 : a + 1;
      const t = 1000 + i * 0.18;
      const macA = `00:aa:00:00:00:${a.toString(16).padStart(2, '0')}`;
      const macB = `00:aa:00:00:00:${b.toString(16).padStart(2, '0')}`;
      feed(d, { op: 1, senderMac: macA, senderIp: `10.0.0.${a}`, targetIp: `10.0.0.${b}` }, t);
      feed(d, { op: 2, senderMac: macB, senderIp: `10.0.0.${b}`, targetMac: macA, targetIp: `10.0.0.${a}` }, t + 0.0005);
      if (i % 500 === 0) d.tick!(t);
    }
    // 10.0.0.99 leased to one laptop, then (after 10 quiet minutes) to another, which announces itself.
    feed(d, { op: 1, senderMac: '00:bb:00:00:00:01', senderIp: '10.0.0.99', targetIp: '10.0.0.1' }, 5000);
    feed(d, { op: 1, senderMac: '00:bb:00:00:00:02', senderIp: '10.0.0.99', targetIp: '10.0.0.99' }, 5600);
    feed(d, { op: 1, senderMac: '00:bb:00:00:00:02', senderIp: '10.0.0.99', targetIp: '10.0.0.99' }, 5601);
    // Probes (sender 0.0.0.0) before it.
    feed(d, { op: 1, senderMac: '00:bb:00:00:00:02', senderIp: '0.0.0.0', targetIp: '10.0.0.99' }, 5599);
    expect(r.findings).toEqual([]);
  });

  it('benign: one failover (a cluster address moving to the standby, announced a few times)', () => {
    const { r, d } = detector();
    const vip = '10.0.0.100';
    feed(d, { op: 1, senderMac: '00:cc:00:00:00:01', senderIp: vip, targetIp: '10.0.0.1' }, 1000);
    for (let i = 0; i < 5; i++) feed(d, { op: 1, senderMac: '00:cc:00:00:00:02', senderIp: vip, targetIp: vip }, 1010 + i);
    expect(r.findings).toEqual([]);
  });

  it('threshold: a gratuitous storm fires at minGratuitous in the window, not below', () => {
    const { r, d } = detector();
    const storm: Frame = { op: 2, senderMac: ATTACKER_MAC, senderIp: '10.0.0.7', targetIp: '10.0.0.7' };
    for (let i = 0; i < 29; i++) feed(d, storm, 1000 + i * 0.3);
    expect(r.findings).toEqual([]);
    feed(d, storm, 1009);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.count).toBe(30);
    expect(r.findings[0]!.details.signs).toEqual(['gratuitous_storm']);
    // The same rate spread out (one every second) never fills a 10 s window.
    const { r: r2, d: d2 } = detector();
    for (let i = 0; i < 100; i++) feed(d2, storm, 1000 + i);
    expect(r2.findings).toEqual([]);
  });

  it('threshold: one MAC claiming minClaimedIps addresses with unsolicited replies', () => {
    const { r, d } = detector();
    for (let i = 1; i <= 7; i++)
      feed(d, { op: 2, senderMac: ATTACKER_MAC, senderIp: `10.0.0.${i}`, targetMac: VICTIM_MAC, targetIp: VICTIM }, 1000 + i);
    expect(r.findings).toEqual([]);
    feed(d, { op: 2, senderMac: ATTACKER_MAC, senderIp: '10.0.0.8', targetMac: VICTIM_MAC, targetIp: VICTIM }, 1010);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.details).toMatchObject({ claimedIps: 8, signs: ['many_ips'] });
  });

  it('a long poisoning gives one finding per window', () => {
    const { r, d } = detector();
    for (let i = 0; i < 60; i++) {
      const t = 1000 + i * 20;
      resolveGateway(d, t); // the gateway answers the victim now and then
      for (let k = 1; k <= 9; k++) feed(d, poison, t + 2 * k);
      d.tick!(t + 19);
    }
    // 1,200 s of poisoning, windows of 300 s.
    expect(r.findings).toHaveLength(4);
  });

  it('keeps its tables under maxTracked under 200,000 distinct senders, counting evictions', () => {
    const { r, d } = detector(1000);
    const rand = mulberry32(2);
    const frame = arpFrame({ op: 2, senderMac: ATTACKER_MAC, senderIp: '10.0.0.1', targetMac: VICTIM_MAC, targetIp: VICTIM });
    const p = decodeFrame(frame, 1000);
    let max = 0;
    for (let i = 0; i < 200_000; i++) {
      // A random sender MAC and IP in each reply (unsolicited: a suspect entry each).
      for (let k = 22; k < 32; k++) frame[k] = Math.floor(rand() * 256);
      d.link!(p, 1000 + i * 0.001);
      if ((i & 1023) === 0) d.tick!(1000 + i * 0.001);
      if (d.size() > max) max = d.size();
    }
    expect(max).toBeLessThanOrEqual(4 * 1000); // four tables, each capped at maxTracked
    expect(r.evictions).toBeGreaterThan(0);
  });

  it('never throws on truncated, odd or foreign ARP', () => {
    const { r, d } = detector();
    const rand = mulberry32(3);
    const good = arpFrame(poison);
    for (let cut = 0; cut < good.length; cut++) expect(() => d.link!(decodeFrame(good, 1000, cut), 1000)).not.toThrow();
    for (let i = 0; i < 2000; i++) {
      const b = new Uint8Array(14 + Math.floor(rand() * 40));
      for (let k = 14; k < b.length; k++) b[k] = Math.floor(rand() * 256);
      b[12] = 0x08;
      b[13] = 0x06;
      expect(() => d.link!(decodeFrame(b, 1000 + i), 1000 + i)).not.toThrow();
    }
    const rarp = arpFrame(poison);
    rarp[12] = 0x80;
    rarp[13] = 0x35;
    d.link!(decodeFrame(rarp, 3000), 3000);
    expect(r.findings.filter((f) => f.now >= 3000)).toEqual([]);
  });
});
