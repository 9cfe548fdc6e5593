/**
 * Captures made for the filter's differential test: every link type the filter knows, with the packets where
 * libpcap's code has quirks (VLAN and QinQ tags, IPv4 fragments and options, IPv6 fragment and hop-by-hop
 * headers, ARP/RARP, SCTP/IGMP/ICMPv6, frames cut short at every interesting length).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { LinkType } from '../../src/capture/packet.js';
import { arp, eth, icmpEcho, icmpv6Echo, ipv4, ipv6, nullLink, sctp, sll, sll2, tcp, udp } from '../helpers/packets.js';

interface Frame {
  bytes: Uint8Array;
  /** Bytes kept (the rest is cut as a short snaplen would); default all. */
  caplen?: number;
}

/** Network-layer packets (IPv4, IPv6) shared by every link type. */
function ipPackets(): Uint8Array[] {
  const fragTail = new Uint8Array([0, 80, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0, 0]);
  return [
    ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ sport: 1234, dport: 80, flags: 'S' })),
    ipv4({ src: '10.0.0.2', dst: '10.0.0.1' }, tcp({ sport: 80, dport: 1234, flags: 'SA' }, 'x'.repeat(60))),
    ipv4({ src: '192.168.1.5', dst: '10.0.0.1' }, udp({ sport: 5353, dport: 53 }, 'abcd')),
    ipv4({ src: '10.0.0.1', dst: '10.0.0.2', mf: true, id: 7 }, udp({ sport: 53, dport: 1000 }, 'first fragment')),
    ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, fragOffset: 8, id: 8 }, fragTail),
    ipv4({ src: '10.0.0.1', dst: '10.0.0.1', options: new Uint8Array([1, 1, 1, 0]) }, tcp({ sport: 443, dport: 50000 })),
    ipv4({ src: '10.0.0.1', dst: '8.8.8.8' }, icmpEcho({ id: 1, seq: 1 })),
    ipv4({ src: '10.0.0.3', dst: '224.0.0.1', proto: 2 }, new Uint8Array([0x11, 0, 0xee, 0xff, 0, 0, 0, 0])),
    ipv4({ src: '10.0.0.3', dst: '10.0.0.4' }, sctp({ sport: 80, dport: 9999 })),
    ipv4({ src: '172.16.0.1', dst: '10.1.2.3', proto: 47 }, new Uint8Array(24)),
    ipv4({ src: '10.0.0.9', dst: '10.0.0.1', ihl: 8, proto: 17 }, new Uint8Array(20)),
    ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }, tcp({ sport: 5000, dport: 80, flags: 'S' })),
    ipv6({ src: '2001:db8::2', dst: '2001:db8::53' }, udp({ sport: 40000, dport: 53 }, 'q')),
    ipv6(
      { src: '2001:db8::1', dst: '2001:db8::2', ext: [{ type: 'fragment', more: true, id: 9 }] },
      tcp({ sport: 5001, dport: 80 }),
    ),
    ipv6({ src: '2001:db8::1', dst: '2001:db8::2', ext: [{ type: 'hop' }] }, tcp({ sport: 5002, dport: 80 })),
    ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }, icmpv6Echo({ id: 3 })),
    ipv6({ src: '2001:db8::1', dst: '2001:db8::2', ext: [{ type: 'fragment', id: 10 }] }, icmpv6Echo({ id: 4 })),
    ipv6({ src: '2001:db8:1::7', dst: '2001:db8::1' }, sctp({ sport: 443, dport: 80 })),
    ipv6({ src: 'fe80::1', dst: 'ff02::1' }, udp({ sport: 547, dport: 546 }, 'x'.repeat(100))),
  ];
}

/** Every frame of a link type: its IP packets wrapped, the link's extras, and cut-short copies. */
function frames(linkType: number, order: 'le' | 'be'): Frame[] {
  const ips = ipPackets();
  const out: Frame[] = [];
  const cut = (f: Uint8Array, lengths: number[]) => {
    for (const n of lengths) if (n < f.length) out.push({ bytes: f, caplen: n });
  };
  const cuts = [0, 2, 6, 10, 13, 14, 16, 20, 24, 30, 34, 36, 40, 44, 50, 56, 58, 60];
  switch (linkType) {
    case LinkType.ETHERNET: {
      for (const p of ips) out.push({ bytes: eth({}, p) });
      out.push({
        bytes: eth({ src: '02:00:00:00:00:09', dst: 'ff:ff:ff:ff:ff:ff' }, arp({ senderIp: '10.0.0.1', targetIp: '10.0.0.2' })),
      });
      out.push({ bytes: eth({ type: 0x8035 }, arp({ op: 3, senderIp: '10.0.0.5', targetIp: '10.0.0.2' })) });
      out.push({ bytes: eth({ vlan: [100] }, ips[0]!) });
      out.push({ bytes: eth({ vlan: [100] }, ips[2]!) });
      out.push({ bytes: eth({ vlan: [200] }, ips[11]!) });
      out.push({ bytes: eth({ vlan: [10, 20] }, ips[1]!) });
      out.push({ bytes: eth({ vlan: [20, 10], tpid: [0x9100, 0x8100] }, ips[12]!) });
      out.push({ bytes: eth({ vlan: [100] }, arp({ senderIp: '10.0.0.2' })) });
      out.push({ bytes: eth({ src: '02:00:00:00:00:02', dst: '02:00:00:00:00:01' }, ips[1]!) });
      for (const p of [0, 11, 13]) cut(eth({}, ips[p]!), cuts);
      cut(eth({ vlan: [100] }, ips[0]!), cuts);
      cut(eth({}, arp({})), [12, 20, 30, 40]);
      break;
    }
    case LinkType.LINUX_SLL:
    case LinkType.LINUX_SLL2: {
      const wrap = (p: Uint8Array) => (linkType === LinkType.LINUX_SLL ? sll({}, p) : sll2({}, p));
      for (const p of ips) out.push({ bytes: wrap(p) });
      out.push({ bytes: wrap(arp({ senderIp: '10.0.0.1', targetIp: '10.0.0.2' })) });
      for (const p of [0, 11]) cut(wrap(ips[p]!), cuts);
      break;
    }
    case LinkType.NULL:
    case LinkType.LOOP: {
      for (const p of ips) out.push({ bytes: nullLink({ order }, p) });
      // The other BSD values of AF_INET6.
      for (const family of [24, 28]) out.push({ bytes: nullLink({ order, family }, ips[11]!) });
      for (const p of [0, 11]) cut(nullLink({ order }, ips[p]!), cuts);
      break;
    }
    default: {
      const keep = ips
        .filter((p) => linkType !== LinkType.IPV4 || p[0]! >> 4 === 4)
        .filter((p) => linkType !== LinkType.IPV6 || p[0]! >> 4 === 6);
      for (const p of keep) out.push({ bytes: p });
      if (linkType === LinkType.RAW) out.push({ bytes: new Uint8Array([0x55, 1, 2, 3, 4, 5, 6, 7]) });
      cut(keep[0]!, cuts);
      break;
    }
  }
  return out;
}

export interface SyntheticCapture {
  name: string;
  path: string;
}

/** Writes one capture per link type (NULL in both byte orders) into `dir`. */
export function writeSyntheticCaptures(dir: string): SyntheticCapture[] {
  const specs: { name: string; linkType: number; bigEndian: boolean }[] = [
    { name: 'synthetic-ethernet.pcap', linkType: LinkType.ETHERNET, bigEndian: false },
    { name: 'synthetic-sll.pcap', linkType: LinkType.LINUX_SLL, bigEndian: false },
    { name: 'synthetic-sll2.pcap', linkType: LinkType.LINUX_SLL2, bigEndian: false },
    { name: 'synthetic-null-le.pcap', linkType: LinkType.NULL, bigEndian: false },
    { name: 'synthetic-null-be.pcap', linkType: LinkType.NULL, bigEndian: true },
    { name: 'synthetic-loop.pcap', linkType: LinkType.LOOP, bigEndian: false },
    { name: 'synthetic-raw.pcap', linkType: LinkType.RAW, bigEndian: false },
    { name: 'synthetic-ipv4.pcap', linkType: LinkType.IPV4, bigEndian: false },
    { name: 'synthetic-ipv6.pcap', linkType: LinkType.IPV6, bigEndian: true },
  ];
  const out: SyntheticCapture[] = [];
  for (const s of specs) {
    const order = s.linkType === LinkType.LOOP || s.bigEndian ? 'be' : 'le';
    const w = new PcapWriter(undefined, { linkType: s.linkType, bigEndian: s.bigEndian });
    let t = 1_700_000_000;
    for (const f of frames(s.linkType, order)) {
      const n = f.caplen ?? f.bytes.length;
      w.write(f.bytes.subarray(0, n), t++, 0, f.bytes.length);
    }
    const file = path.join(dir, s.name);
    fs.writeFileSync(file, w.toUint8Array());
    out.push({ name: s.name, path: file });
  }
  return out;
}
