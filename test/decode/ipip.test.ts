import { describe, expect, it } from 'vitest';
import { Tunnel } from '../../src/decode/packet.js';
import { formatAddress } from '../../src/decode/address.js';
import { eth, ipv4, ipv6, tcp, udp } from '../helpers/packets.js';
import { decode } from './harness.js';

describe('IP in IP', () => {
  it.each([
    [
      '4in4',
      () =>
        eth(
          {},
          ipv4(
            { src: '198.51.100.1', dst: '198.51.100.2' },
            ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ sport: 1, dport: 2 })),
          ),
        ),
      4,
      4,
    ],
    [
      '6in4 (protocol 41)',
      () =>
        eth(
          {},
          ipv4(
            { src: '198.51.100.1', dst: '198.51.100.2' },
            ipv6({ src: 'fd00::1', dst: 'fd00::2' }, tcp({ sport: 1, dport: 2 })),
          ),
        ),
      4,
      6,
    ],
    [
      '4in6',
      () =>
        eth(
          {},
          ipv6(
            { src: '2001:db8::1', dst: '2001:db8::2' },
            ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ sport: 1, dport: 2 })),
          ),
        ),
      6,
      4,
    ],
    [
      '6in6',
      () =>
        eth(
          {},
          ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }, ipv6({ src: 'fd00::1', dst: 'fd00::2' }, tcp({ sport: 1, dport: 2 }))),
        ),
      6,
      6,
    ],
  ])('%s decapsulates to the inner flow', (_name, build, outerVersion, innerVersion) => {
    const r = decode(build());
    expect(r.ok).toBe(true);
    expect(r.p.tunnelType).toBe(Tunnel.IPIP);
    expect(r.p.tunnelDepth).toBe(1);
    expect(r.p.tunnelId).toBe(0);
    expect(r.p.outerIpVersion).toBe(outerVersion);
    expect(r.p.ipVersion).toBe(innerVersion);
    expect(r.p.outerProto).toBe(innerVersion === 4 ? 4 : 41);
    expect(r.p.srcPort).toBe(1);
    expect(r.layers).toContain('ipip');
    expect(formatAddress(r.p.outerSrc, outerVersion)).toBe(outerVersion === 4 ? '198.51.100.1' : '2001:db8::1');
  });

  it('protocol 4 carrying an IPv6 header raises decode.ipv4_bad_version', () => {
    const r = decode(eth({}, ipv4({ proto: 4 }, ipv6({}, udp({})))));
    expect(r.ok).toBe(false);
    expect(r.anomalies).toEqual(['decode.ipv4_bad_version']);
  });
});
