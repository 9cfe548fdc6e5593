/**
 * ARP spoofing and cache poisoning (arpspoof, ettercap, bettercap, Responder's ARP mode): a host that
 * claims another host's IPv4 address so that its traffic comes through the attacker.
 *
 * What it sees: Ethernet/IPv4 ARP frames from the `link` hook (the decoder leaves `p.l3Offset` at the ARP
 * body: hardware and protocol types, lengths, opcode, sender MAC and IP, target MAC and IP). It keeps:
 * - the bindings, IP to MAC, learnt from every request and reply whose sender IP is set (RFC 5227 probes,
 *   sender 0.0.0.0, bind nothing), with the binding's first MAC and when each was last seen;
 * - requests (who asked for which IP) for `requestWindow` seconds, to tell a reply nobody asked for;
 * - per suspect MAC in a `window`: contested changes, unsolicited replies, gratuitous announcements
 *   (sender IP = target IP) and the distinct IPs it claimed.
 *
 * A binding change is contested when the old MAC was seen for that IP within `rebindWindow` seconds: both
 * MACs claim the address. A DHCP lease moving to a new machine, or a NIC swapped, changes the binding
 * once after the old MAC went quiet (longer than `rebindWindow`): not contested, and the new MAC becomes
 * the binding's owner. The suspect of a contested change is the MAC that is not the binding's owner (so a
 * binding that flips A to B and back to A counts twice against B). It fires, once per MAC per window, on:
 * - `minChanges` contested changes (a flip-flop, or two addresses taken over);
 * - one contested change with `minUnsolicited` unsolicited replies from the same MAC (arpspoof's steady
 *   stream of replies);
 * - `minGratuitous` gratuitous announcements within `gratuitousWindow` seconds (a storm: hosts send one to
 *   three at boot or failover, keepalived five);
 * - `minClaimedIps` distinct IPs claimed in contested changes or unsolicited replies (poisoning a whole
 *   segment; proxy ARP answers requests, so its replies are solicited and do not count).
 * A single failover (a VRRP/cluster address moving to the standby's MAC while the master was recently
 * active) is one contested change and a few gratuitous announcements: below every rule. What does fire
 * without an attacker: a Linux host with two interfaces on one segment and the default `arp_ignore=0`
 * answers requests for either address from both (ARP flux), so the bindings flip-flop; that is a
 * misconfiguration worth the alert's details (both MACs are in it), not an attack. Zeek's stock
 * scripts log ARP without a poisoning notice; Snort's arpspoof preprocessor checks replies against a
 * configured IP-to-MAC list and Ethernet/ARP address mismatches. This detector learns the list instead.
 *
 * The finding's attacker is the suspect MAC's own address when it was seen asking from it (ARP requests
 * for other hosts), else null; the MAC is always in the details, the claimed address is the target.
 *
 * State: four `BoundedMap`s capped by `maxTracked` (bindings of four numbers, request times, suspect MACs
 * of a few numbers and, once they claim a second address, a 128-byte distinct counter, MAC to own
 * address). Per frame: no allocation for a known binding.
 */
import type { DecodedPacket } from '../../decode/packet.js';
import { BoundedMap, DistinctCounter, pairKey } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';

/** Thresholds (`threats.detectors.<name>` in the config); a type, not an interface, so it is a `ThreatThresholds`. */
export type ArpSpoofOptions = {
  rebindWindow: number;
  requestWindow: number;
  window: number;
  minChanges: number;
  minUnsolicited: number;
  gratuitousWindow: number;
  minGratuitous: number;
  minClaimedIps: number;
};

interface Binding {
  mac: number;
  /** The MAC that owns the binding: its first, or the one it moved to uncontested. */
  owner: number;
  last: number;
  previous: number;
}

interface Suspect {
  start: number;
  last: number;
  changes: number;
  unsolicited: number;
  gratuitous: number;
  gratuitousStart: number;
  firstIp: number;
  claims: DistinctCounter | null;
  lastIp: number;
  victimMac: number;
  reported: boolean;
}

const TWO32 = 0x100000000;

export const arpSpoof: ThreatDetectorDef<ArpSpoofOptions> = {
  name: 'arp_spoof',
  title: 'ARP spoofing',
  description:
    "An IP's MAC contested or flip-flopping, replies nobody asked for, gratuitous ARP storms, one MAC claiming many IPs",
  category: 'Misc Attack',
  severity: 1,
  techniques: ['T1557.002'],
  signatureId: 1019,
  defaults: {
    rebindWindow: 300,
    requestWindow: 5,
    window: 300,
    minChanges: 2,
    minUnsolicited: 3,
    gratuitousWindow: 10,
    minGratuitous: 30,
    minClaimedIps: 8,
  },
  docs: {
    rebindWindow: 'seconds since the old MAC was last seen for an IP within which a new MAC contests the binding',
    requestWindow: 'seconds a request makes the matching reply solicited',
    window: 'seconds over which a suspect MAC is counted (counters restart after it)',
    minChanges: 'contested binding changes attributed to one MAC (flip-flops, takeovers)',
    minUnsolicited: 'unsolicited replies from a MAC that also made a contested change',
    gratuitousWindow: 'seconds over which gratuitous announcements from one MAC are counted',
    minGratuitous: 'gratuitous announcements (sender IP = target IP) from one MAC in the gratuitous window',
    minClaimedIps: 'distinct IPs one MAC claimed in contested changes or unsolicited replies',
  },
  create(options, ctx) {
    return new ArpSpoofDetector(options, ctx);
  },
};

class ArpSpoofDetector implements ThreatDetector {
  private readonly bindings: BoundedMap<number, Binding>;
  private readonly requests: BoundedMap<number, number>;
  private readonly suspects: BoundedMap<number, Suspect>;
  /** MAC to the address it asks from (its own): the attacker's address in a finding, when known. */
  private readonly owners: BoundedMap<number, number>;
  private nextSweep = 0;

  constructor(
    private readonly o: ArpSpoofOptions,
    private readonly ctx: ThreatContext,
  ) {
    const evicted = (n: number) => ctx.evicted(n);
    this.bindings = new BoundedMap(ctx.maxTracked, evicted);
    this.requests = new BoundedMap(ctx.maxTracked, evicted);
    this.suspects = new BoundedMap(ctx.maxTracked, evicted);
    this.owners = new BoundedMap(ctx.maxTracked, evicted);
  }

  size(): number {
    return this.bindings.size + this.requests.size + this.suspects.size + this.owners.size;
  }

  tick(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + 5;
    const rw = this.o.requestWindow;
    this.requests.sweep((t) => now - t > rw);
    const w = this.o.window;
    this.suspects.sweep((s) => now - s.last > w);
    if (this.bindings.size > 0) {
      // A binding idle past the rebind window can no longer be contested: it is forgotten.
      const bw = this.o.rebindWindow;
      this.bindings.sweep((b) => now - b.last > bw);
    }
  }

  link(p: DecodedPacket, now: number): void {
    if (p.etherType !== 0x0806) return;
    const d = p.data;
    const off = p.l3Offset;
    let end = p.end;
    if (end > d.length) end = d.length;
    if (off <= 0 || off + 28 > end) return;
    // Ethernet (1) / IPv4 (0x0800), 6-byte MACs, 4-byte addresses.
    if (d[off] !== 0 || d[off + 1] !== 1 || d[off + 2] !== 8 || d[off + 3] !== 0 || d[off + 4] !== 6 || d[off + 5] !== 4) return;
    if (d[off + 6] !== 0) return;
    const op = d[off + 7]!;
    if (op !== 1 && op !== 2) return;
    const mac = ((d[off + 8]! << 8) | d[off + 9]!) * TWO32 + u32(d, off + 10);
    const senderIp = u32(d, off + 14);
    const targetIp = u32(d, off + 24);
    if (mac === 0 || senderIp === 0) return; // a probe (RFC 5227) or nothing to bind
    const o = this.o;
    const gratuitous = senderIp === targetIp;
    if (op === 1 && !gratuitous) this.requests.set(pairKey(senderIp, targetIp), now);
    let unsolicited = false;
    if (op === 2 && !gratuitous) {
      const asked = this.requests.get(pairKey(targetIp, senderIp));
      unsolicited = asked === undefined || now - asked > o.requestWindow;
    }
    // The binding.
    let contested = false;
    let victimMac = 0;
    let suspectMac = mac;
    const b = this.bindings.get(senderIp);
    if (b === undefined) this.bindings.set(senderIp, { mac, owner: mac, last: now, previous: 0 });
    else if (b.mac === mac) {
      if (now - b.last >= 1) this.bindings.set(senderIp, b); // most recently used, at most once a second
      b.last = now;
    } else {
      contested = now - b.last <= o.rebindWindow;
      b.previous = b.mac;
      b.mac = mac;
      b.last = now;
      if (!contested) b.owner = mac;
      else if (mac === b.owner) {
        suspectMac = b.previous; // the owner took its address back: the one it took it from is the suspect
        victimMac = mac;
      } else victimMac = b.owner;
    }
    // A request (not an announcement) for another address, from the binding's owner: the asker's own address.
    if (op === 1 && !gratuitous && !contested && this.bindings.get(senderIp)?.owner === mac && this.owners.get(mac) !== senderIp)
      this.owners.set(mac, senderIp);
    if (!contested && !unsolicited && !gratuitous) return;
    // The suspect's counters.
    let s = this.suspects.get(suspectMac);
    if (s === undefined) {
      s = newSuspect(now, senderIp);
      this.suspects.set(suspectMac, s);
    } else {
      this.suspects.set(suspectMac, s); // most recently used
      if (now - s.start >= o.window) resetSuspect(s, now);
    }
    s.last = now;
    s.lastIp = senderIp;
    if (contested) {
      s.changes++;
      s.victimMac = victimMac;
    }
    if (unsolicited && suspectMac === mac) s.unsolicited++;
    if (gratuitous && suspectMac === mac) {
      if (now - s.gratuitousStart > o.gratuitousWindow) {
        s.gratuitousStart = now;
        s.gratuitous = 0;
      }
      s.gratuitous++;
    }
    if (contested || (unsolicited && suspectMac === mac)) {
      if (s.claims === null && senderIp !== s.firstIp) {
        s.claims = new DistinctCounter(4);
        s.claims.add(s.firstIp);
      }
      s.claims?.add(senderIp);
    }
    if (s.reported) return;
    const claimed = s.claims === null ? 1 : s.claims.estimate;
    const signs: string[] = [];
    if (s.changes >= o.minChanges) signs.push('contested_changes');
    if (s.changes >= 1 && s.unsolicited >= o.minUnsolicited) signs.push('unsolicited_replies');
    if (s.gratuitous >= o.minGratuitous) signs.push('gratuitous_storm');
    if (claimed >= o.minClaimedIps) signs.push('many_ips');
    if (signs.length === 0) return;
    s.reported = true;
    const sampleIps: string[] = [];
    if (s.claims !== null) for (const ip of s.claims.first) sampleIps.push(ipText(ip));
    // The attacker's own address when it was seen asking from it (a MAC is no IP address for the event).
    const own = this.owners.get(suspectMac);
    this.ctx.report({
      now,
      attacker: own === undefined || own === senderIp ? null : ipText(own),
      target: ipText(senderIp),
      count: signs[0] === 'gratuitous_storm' ? s.gratuitous : s.changes > 0 ? s.changes : claimed,
      proto: 'ARP',
      details: {
        mac: macText(suspectMac),
        claimedIp: ipText(senderIp),
        ownerMac: s.victimMac === 0 ? '' : macText(s.victimMac),
        contestedChanges: s.changes,
        unsolicitedReplies: s.unsolicited,
        gratuitous: s.gratuitous,
        claimedIps: claimed,
        sampleIps,
        seconds: Math.round((now - s.start) * 10) / 10,
        signs,
      },
    });
  }
}

function u32(d: Uint8Array, i: number): number {
  return ((d[i]! << 24) | (d[i + 1]! << 16) | (d[i + 2]! << 8) | d[i + 3]!) >>> 0;
}

function ipText(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

function macText(mac: number): string {
  const hi = Math.floor(mac / TWO32);
  const lo = mac >>> 0;
  const bytes = [hi >>> 8, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255];
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function newSuspect(now: number, ip: number): Suspect {
  return {
    start: now,
    last: now,
    changes: 0,
    unsolicited: 0,
    gratuitous: 0,
    gratuitousStart: now,
    firstIp: ip,
    claims: null,
    lastIp: ip,
    victimMac: 0,
    reported: false,
  };
}

function resetSuspect(s: Suspect, now: number): void {
  s.start = now;
  s.changes = s.unsolicited = s.gratuitous = 0;
  s.gratuitousStart = now;
  s.claims?.clear();
  s.reported = false;
}
