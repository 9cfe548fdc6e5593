/**
 * Packets for the decoder-wide tests (truncation sweeps, fuzzing): one of every shape the decoder knows,
 * built with the test builders, each with its link type and the layers a full decode yields together with
 * the bytes each layer needs to be decoded.
 */
import { LinkType } from '../../src/capture/packet.js';
import {
  eth,
  fragmentIpv4,
  fragmentIpv6,
  geneve,
  gre,
  icmpError,
  icmpv6Echo,
  icmpv6Error,
  ipv4,
  ipv6,
  mpls,
  nullLink,
  pppoe,
  sctp,
  sll,
  sll2,
  tcp,
  udp,
  vxlan,
} from '../helpers/packets.js';

export interface CorpusPacket {
  name: string;
  bytes: Uint8Array;
  linkType: number;
  /** Layers of the full decode, each with the captured length from which it is decoded. */
  layers: [string, number][];
}

const syn = () =>
  tcp({ sport: 40000, dport: 443, flags: 'S', options: { mss: 1460, sackPermitted: true, timestamp: [1, 0], wscale: 7 } });
const data = (s: string) => tcp({ sport: 40000, dport: 80, flags: 'PA', options: { timestamp: [5, 6] } }, s);

export function corpus(): CorpusPacket[] {
  const inner = eth({}, ipv4({ src: '192.168.0.1', dst: '192.168.0.2' }, data('hello inner')));
  return [
    {
      name: 'Ethernet/IPv4/TCP SYN with options',
      bytes: eth({}, ipv4({}, syn())),
      linkType: LinkType.ETHERNET,
      layers: [
        ['ethernet', 14],
        ['ipv4', 34],
        ['tcp', 54],
      ],
    },
    {
      name: 'Ethernet/VLAN/IPv4/TCP with payload',
      bytes: eth({ vlan: [10] }, ipv4({}, data('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))),
      linkType: LinkType.ETHERNET,
      layers: [
        ['ethernet', 14],
        ['vlan', 18],
        ['ipv4', 38],
        ['tcp', 58],
      ],
    },
    {
      name: 'Ethernet/QinQ/IPv6+ext/UDP',
      bytes: eth({ vlan: [100, 200] }, ipv6({ ext: [{ type: 'hop' }, { type: 'dst' }] }, udp({ dport: 53 }, 'dns query bytes'))),
      linkType: LinkType.ETHERNET,
      layers: [
        ['ethernet', 14],
        ['vlan', 18],
        ['vlan', 22],
        ['ipv6', 62],
        ['ipv6_ext', 70],
        ['ipv6_ext', 78],
        ['udp', 86],
      ],
    },
    {
      name: 'Ethernet/MPLS/IPv4/UDP',
      bytes: eth({}, mpls([16, 17], ipv4({}, udp({}, 'x')))),
      linkType: LinkType.ETHERNET,
      layers: [
        ['ethernet', 14],
        ['mpls', 22],
        ['ipv4', 42],
        ['udp', 50],
      ],
    },
    {
      name: 'Ethernet/PPPoE/IPv6/TCP',
      bytes: eth({}, pppoe({}, ipv6({}, syn()))),
      linkType: LinkType.ETHERNET,
      layers: [
        ['ethernet', 14],
        ['pppoe', 22],
        ['ipv6', 62],
        ['tcp', 82],
      ],
    },
    {
      name: 'SLL/IPv4/ICMP error quoting TCP',
      bytes: sll({}, ipv4({}, icmpError({}, ipv4({}, syn())))),
      linkType: LinkType.LINUX_SLL,
      layers: [
        ['sll', 16],
        ['ipv4', 36],
        ['icmp', 44],
      ],
    },
    {
      name: 'SLL2/IPv6/ICMPv6 error quoting UDP',
      bytes: sll2({}, ipv6({}, icmpv6Error({}, ipv6({}, udp({}, 'q'))))),
      linkType: LinkType.LINUX_SLL2,
      layers: [
        ['sll2', 20],
        ['ipv6', 60],
        ['icmpv6', 68],
      ],
    },
    {
      name: 'NULL/IPv6/ICMPv6 echo',
      bytes: nullLink({}, ipv6({}, icmpv6Echo({ id: 5 }, 'ping'))),
      linkType: LinkType.NULL,
      layers: [
        ['null', 4],
        ['ipv6', 44],
        ['icmpv6', 52],
      ],
    },
    {
      name: 'raw IPv4/SCTP',
      bytes: ipv4({}, sctp({}, new Uint8Array(16))),
      linkType: LinkType.RAW,
      layers: [
        ['ipv4', 20],
        ['sctp', 32],
      ],
    },
    {
      name: 'VXLAN over IPv4 carrying Ethernet/IPv4/TCP',
      bytes: eth({}, ipv4({}, udp({ dport: 4789 }, vxlan({ vni: 5 }, inner)))),
      linkType: LinkType.ETHERNET,
      layers: [
        ['ethernet', 14],
        ['ipv4', 34],
        ['udp', 42],
        ['vxlan', 50],
        ['ethernet', 64],
        ['ipv4', 84],
        ['tcp', 104],
      ],
    },
    {
      name: 'Geneve over IPv6 carrying IPv4/TCP',
      bytes: eth({}, ipv6({}, udp({ dport: 6081 }, geneve({ vni: 5 }, ipv4({}, syn()))))),
      linkType: LinkType.ETHERNET,
      layers: [
        ['ethernet', 14],
        ['ipv6', 54],
        ['udp', 62],
        ['geneve', 70],
        ['ipv4', 90],
        ['tcp', 110],
      ],
    },
    {
      name: 'GRE with key carrying IPv6/UDP',
      bytes: eth({}, ipv4({}, gre({ key: 9 }, ipv6({}, udp({}, 'in gre'))))),
      linkType: LinkType.ETHERNET,
      layers: [
        ['ethernet', 14],
        ['ipv4', 34],
        ['gre', 42],
        ['ipv6', 82],
        ['udp', 90],
      ],
    },
    {
      name: 'IPv6 in IPv4',
      bytes: eth({}, ipv4({}, ipv6({}, syn()))),
      linkType: LinkType.ETHERNET,
      layers: [
        ['ethernet', 14],
        ['ipv4', 34],
        ['ipip', 34],
        ['ipv6', 74],
        ['tcp', 94],
      ],
    },
  ];
}

/** Fragment trains (whole, in order) to mix into fuzzing. */
export function fragmentTrains(): Uint8Array[][] {
  const big = 'z'.repeat(3000);
  return [
    fragmentIpv4(ipv4({ id: 7 }, udp({}, big)), 1000).map((f) => eth({}, f)),
    fragmentIpv6(ipv6({ ext: [{ type: 'hop' }] }, tcp({}, big)), 1000).map((f) => eth({}, f)),
  ];
}
