/**
 * Community ID v1 against the specification's own test vectors.
 *
 * The vectors are from the public repository corelight/community-id-spec: `baseline/README.md` (the tables
 * "Default settings" and "A custom seed=1 value") and `baseline/baseline_deflt.json` /
 * `baseline/baseline_seed1.json` (computed by its reference script over its sample captures). Each row:
 * IP protocol, source, destination, source port (ICMP: type), destination port (ICMP: code or, for request
 * and reply types, the counterpart type as the baseline lists it), expected ID.
 */
import { describe, expect, it } from 'vitest';
import { addressBytes, communityId, CommunityIdCache } from '../../src/output/community-id.js';
import { EveFormatter } from '../../src/output/eve.js';
import type { FlowEvent } from '../../src/events.js';

type Vector = [proto: number, src: string, dst: string, sport: number, dport: number, id: string];

/** baseline/README.md, "Default settings" (ICMP rows give type and code as seen in the packet). */
const TABLE_DEFAULT: Vector[] = [
  [6, '1.2.3.4', '5.6.7.8', 1122, 3344, '1:wCb3OG7yAFWelaUydu0D+125CLM='],
  [6, '5.6.7.8', '1.2.3.4', 3344, 1122, '1:wCb3OG7yAFWelaUydu0D+125CLM='],
  [17, '1.2.3.4', '5.6.7.8', 1122, 3344, '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg='],
  [17, '5.6.7.8', '1.2.3.4', 3344, 1122, '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg='],
  [132, '1.2.3.4', '5.6.7.8', 1122, 3344, '1:EKt4MsxuyaE6mL+hmrEkQ9csDD8='],
  [132, '5.6.7.8', '1.2.3.4', 3344, 1122, '1:EKt4MsxuyaE6mL+hmrEkQ9csDD8='],
  [1, '1.2.3.4', '5.6.7.8', 8, 0, '1:crodRHL2FEsHjbv3UkRrfbs4bZ0='],
  [1, '5.6.7.8', '1.2.3.4', 0, 0, '1:crodRHL2FEsHjbv3UkRrfbs4bZ0='],
  [1, '1.2.3.4', '5.6.7.8', 11, 0, '1:f/YiSyWqczrTgfUCZlBUnvHRcPk='],
  [
    58,
    'fe80:0001:0203:0405:0607:0809:0A0B:0C0D',
    'fe80:1011:1213:1415:1617:1819:1A1B:1C1D',
    128,
    0,
    '1:0bf7hyMJUwt3fMED7z8LIfRpBeo=',
  ],
  [
    58,
    'fe80:1011:1213:1415:1617:1819:1A1B:1C1D',
    'fe80:0001:0203:0405:0607:0809:0A0B:0C0D',
    129,
    0,
    '1:0bf7hyMJUwt3fMED7z8LIfRpBeo=',
  ],
  [
    58,
    'fe80:0001:0203:0405:0607:0809:0A0B:0C0D',
    'fe80:1011:1213:1415:1617:1819:1A1B:1C1D',
    146,
    0,
    '1:fYC8+pz24E+EhANP1EZhpX0Dw10=',
  ],
  [46, '1.2.3.4', '5.6.7.8', 0, 0, '1:ikv3kmf89luf73WPz1jOs49S768='],
  [46, '5.6.7.8', '1.2.3.4', 0, 0, '1:ikv3kmf89luf73WPz1jOs49S768='],
  [
    46,
    'fe80:0001:0203:0405:0607:0809:0A0B:0C0D',
    'fe80:1011:1213:1415:1617:1819:1A1B:1C1D',
    0,
    0,
    '1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=',
  ],
  [
    46,
    'fe80:1011:1213:1415:1617:1819:1A1B:1C1D',
    'fe80:0001:0203:0405:0607:0809:0A0B:0C0D',
    0,
    0,
    '1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=',
  ],
];

/** baseline/README.md, "A custom seed=1 value". */
const TABLE_SEED1: Vector[] = [
  [6, '1.2.3.4', '5.6.7.8', 1122, 3344, '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk='],
  [6, '5.6.7.8', '1.2.3.4', 3344, 1122, '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk='],
  [17, '1.2.3.4', '5.6.7.8', 1122, 3344, '1:OShq+iKDAMVouh/4bMxB9Sz4amw='],
  [17, '5.6.7.8', '1.2.3.4', 3344, 1122, '1:OShq+iKDAMVouh/4bMxB9Sz4amw='],
  [132, '1.2.3.4', '5.6.7.8', 1122, 3344, '1:uitchpn5MMGAQKBJh7bIr/bAr7s='],
  [132, '5.6.7.8', '1.2.3.4', 3344, 1122, '1:uitchpn5MMGAQKBJh7bIr/bAr7s='],
  [1, '1.2.3.4', '5.6.7.8', 8, 0, '1:9pr4ZGTICiuZoIh90RRYE2RyXpU='],
  [1, '5.6.7.8', '1.2.3.4', 0, 0, '1:9pr4ZGTICiuZoIh90RRYE2RyXpU='],
  [1, '1.2.3.4', '5.6.7.8', 11, 0, '1:1DD7cWGC/Yg91YGsQeni8du3pIA='],
  [
    58,
    'fe80:0001:0203:0405:0607:0809:0A0B:0C0D',
    'fe80:1011:1213:1415:1617:1819:1A1B:1C1D',
    128,
    0,
    '1:IO27GQzPuCtNnwFvjWALMHu5tJE=',
  ],
  [
    58,
    'fe80:1011:1213:1415:1617:1819:1A1B:1C1D',
    'fe80:0001:0203:0405:0607:0809:0A0B:0C0D',
    129,
    0,
    '1:IO27GQzPuCtNnwFvjWALMHu5tJE=',
  ],
  [
    58,
    'fe80:0001:0203:0405:0607:0809:0A0B:0C0D',
    'fe80:1011:1213:1415:1617:1819:1A1B:1C1D',
    146,
    0,
    '1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=',
  ],
  [46, '1.2.3.4', '5.6.7.8', 0, 0, '1:/buhqeOmaRCopOZFy9HnoJd5XW8='],
  [46, '5.6.7.8', '1.2.3.4', 0, 0, '1:/buhqeOmaRCopOZFy9HnoJd5XW8='],
  [
    46,
    'fe80:0001:0203:0405:0607:0809:0A0B:0C0D',
    'fe80:1011:1213:1415:1617:1819:1A1B:1C1D',
    0,
    0,
    '1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=',
  ],
  [
    46,
    'fe80:1011:1213:1415:1617:1819:1A1B:1C1D',
    'fe80:0001:0203:0405:0607:0809:0A0B:0C0D',
    0,
    0,
    '1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=',
  ],
];

/** baseline/baseline_deflt.json. */
const JSON_DEFAULT: Vector[] = [
  [58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 135, 136, '1:dGHyGvjMfljg6Bppwm3bg0LO8TY='],
  [58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 136, 135, '1:dGHyGvjMfljg6Bppwm3bg0LO8TY='],
  [58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 135, 136, '1:zavyT/cezQr1fmImYCwYnMXbgck='],
  [58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 136, 135, '1:zavyT/cezQr1fmImYCwYnMXbgck='],
  [58, '3ffe:501:1800:2345::2', '3ffe:507:0:1:200:86ff:fe05:80da', 3, 0, '1:2ObVBgIn28oZvibYZhZMBgh7WdQ='],
  [58, '3ffe:501:410:0:2c0:dfff:fe47:33e', '3ffe:507:0:1:200:86ff:fe05:80da', 1, 4, '1:hLZd0XGWojozrvxqE0dWB1iM6R0='],
  [58, '3ffe:507:0:1:200:86ff:fe05:80da', '3ffe:501:0:1001::2', 128, 129, '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg='],
  [58, '3ffe:501:0:1001::2', '3ffe:507:0:1:200:86ff:fe05:80da', 129, 128, '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg='],
  [58, 'fe80::200:86ff:fe05:80da', 'ff02::2', 133, 134, '1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0='],
  [58, 'fe80::260:97ff:fe07:69ea', 'ff02::1', 134, 133, '1:pkvHqCL88/tg1k4cPigmZXUtL00='],
  [1, '192.168.0.89', '192.168.0.1', 8, 0, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='],
  [1, '192.168.0.1', '192.168.0.89', 0, 8, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='],
  [1, '10.0.0.1', '10.0.0.2', 11, 0, '1:YHxtAirCG//0OzkcVAukqKQN9xM='],
  [6, '2001:470:e5bf:dead:4957:2174:e82c:4887', '2607:f8b0:400c:c03::1a', 63943, 25, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4='],
  [6, '2607:f8b0:400c:c03::1a', '2001:470:e5bf:dead:4957:2174:e82c:4887', 25, 63943, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4='],
  [132, '192.168.170.8', '192.168.170.56', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs='],
  [132, '192.168.170.56', '192.168.170.8', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs='],
  [6, '128.232.110.120', '66.35.250.204', 34855, 80, '1:LQU9qZlK+B5F3KDmev6m5PMibrg='],
  [6, '66.35.250.204', '128.232.110.120', 80, 34855, '1:LQU9qZlK+B5F3KDmev6m5PMibrg='],
  [17, '192.168.1.52', '8.8.8.8', 54585, 53, '1:d/FP5EW3wiY1vCndhwleRRKHowQ='],
  [17, '8.8.8.8', '192.168.1.52', 53, 54585, '1:d/FP5EW3wiY1vCndhwleRRKHowQ='],
  [46, '10.1.12.1', '10.1.12.2', 0, 0, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw='],
  [46, '10.1.12.2', '10.1.12.1', 0, 0, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw='],
];

/** baseline/baseline_seed1.json. */
const JSON_SEED1: Vector[] = [
  [58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 135, 136, '1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY='],
  [58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 136, 135, '1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY='],
  [58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 135, 136, '1:2hSqmsDZ2kdcY9kbiUzOEBic0iM='],
  [58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 136, 135, '1:2hSqmsDZ2kdcY9kbiUzOEBic0iM='],
  [58, '3ffe:501:1800:2345::2', '3ffe:507:0:1:200:86ff:fe05:80da', 3, 0, '1:lVEtCZpYu84Xqaa++3lXFyuu2n4='],
  [58, '3ffe:501:410:0:2c0:dfff:fe47:33e', '3ffe:507:0:1:200:86ff:fe05:80da', 1, 4, '1:W8MHwXpWzpoSTD+cGcaJr4u0ys8='],
  [58, '3ffe:507:0:1:200:86ff:fe05:80da', '3ffe:501:0:1001::2', 128, 129, '1:GfZxjAkDk2MkegpBYHV6tadtFXQ='],
  [58, '3ffe:501:0:1001::2', '3ffe:507:0:1:200:86ff:fe05:80da', 129, 128, '1:GfZxjAkDk2MkegpBYHV6tadtFXQ='],
  [58, 'fe80::200:86ff:fe05:80da', 'ff02::2', 133, 134, '1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8='],
  [58, 'fe80::260:97ff:fe07:69ea', 'ff02::1', 134, 133, '1:K/ee5UCqAMAQXDorP5nSa2CGLjc='],
  [1, '192.168.0.89', '192.168.0.1', 8, 0, '1:03g6IloqVBdcZlPyX8r0hgoE7kA='],
  [1, '192.168.0.1', '192.168.0.89', 0, 8, '1:03g6IloqVBdcZlPyX8r0hgoE7kA='],
  [1, '10.0.0.1', '10.0.0.2', 11, 0, '1:XjUibYHaafLQ3pxQeiMI8g25q20='],
  [6, '2001:470:e5bf:dead:4957:2174:e82c:4887', '2607:f8b0:400c:c03::1a', 63943, 25, '1:eJYTW6AOzFLlSUoESovMjnu7rMw='],
  [6, '2607:f8b0:400c:c03::1a', '2001:470:e5bf:dead:4957:2174:e82c:4887', 25, 63943, '1:eJYTW6AOzFLlSUoESovMjnu7rMw='],
  [132, '192.168.170.8', '192.168.170.56', 7, 7, '1:5w3ZRjeKBzqT3zsaEECDGjUbYeg='],
  [132, '192.168.170.56', '192.168.170.8', 7, 7, '1:5w3ZRjeKBzqT3zsaEECDGjUbYeg='],
  [6, '128.232.110.120', '66.35.250.204', 34855, 80, '1:3V71V58M3Ksw/yuFALMcW0LAHvc='],
  [6, '66.35.250.204', '128.232.110.120', 80, 34855, '1:3V71V58M3Ksw/yuFALMcW0LAHvc='],
  [17, '192.168.1.52', '8.8.8.8', 54585, 53, '1:Q9We8WO3piVF8yEQBNJF4uiSVrI='],
  [17, '8.8.8.8', '192.168.1.52', 53, 54585, '1:Q9We8WO3piVF8yEQBNJF4uiSVrI='],
  [46, '10.1.12.1', '10.1.12.2', 0, 0, '1:rYir8gphR31noO9iDRQmF/BteEI='],
  [46, '10.1.12.2', '10.1.12.1', 0, 0, '1:rYir8gphR31noO9iDRQmF/BteEI='],
];

const run = (v: Vector, seed: number) =>
  communityId({ proto: v[0], srcIp: v[1], destIp: v[2], srcPort: v[3], destPort: v[4] }, seed);

describe("Community ID v1: the specification's vectors", () => {
  it.each(TABLE_DEFAULT)('seed 0: proto %i %s -> %s ports %i %i', (...v) => expect(run(v, 0)).toBe(v[5]));
  it.each(TABLE_SEED1)('seed 1: proto %i %s -> %s ports %i %i', (...v) => expect(run(v, 1)).toBe(v[5]));
  it.each(JSON_DEFAULT)('baseline seed 0: proto %i %s -> %s %i %i', (...v) => expect(run(v, 0)).toBe(v[5]));
  it.each(JSON_SEED1)('baseline seed 1: proto %i %s -> %s %i %i', (...v) => expect(run(v, 1)).toBe(v[5]));
});

describe('addresses', () => {
  it.each([
    ['1.2.3.4', '01020304'],
    ['::', '0'.repeat(32)],
    ['::1', `${'0'.repeat(31)}1`],
    ['fe80::1:2', `fe80${'0'.repeat(20)}00010002`],
    ['FE80:0001:0203:0405:0607:0809:0A0B:0C0D', 'fe80000102030405060708090a0b0c0d'],
    ['::ffff:10.0.0.1', `${'0'.repeat(20)}ffff0a000001`],
  ])('%s', (text, hex) => expect(Buffer.from(addressBytes(text)!).toString('hex')).toBe(hex));

  it.each(['1.2.3', '256.1.1.1', '1::2::3', 'fe80:::1', '1:2:3:4:5:6:7:8:9', 'x::1', ''])('refuses %j', (text) => {
    expect(addressBytes(text)).toBeNull();
  });

  it('gives no ID (rather than a wrong one) for unusable addresses or mixed families', () => {
    expect(communityId({ proto: 6, srcIp: 'nope', destIp: '1.2.3.4', srcPort: 1, destPort: 2 })).toBeNull();
    expect(communityId({ proto: 6, srcIp: '::1', destIp: '1.2.3.4', srcPort: 1, destPort: 2 })).toBeNull();
  });
});

describe('the cache by flow', () => {
  it('computes once per flow, checks the tuple, and stays within its cap', () => {
    const cache = new CommunityIdCache(0, 4);
    const t = { proto: 6, srcIp: '1.2.3.4', destIp: '5.6.7.8', srcPort: 1122, destPort: 3344 };
    expect(cache.get(1, t)).toBe('1:wCb3OG7yAFWelaUydu0D+125CLM=');
    // Another tuple under the same flow id is computed, not taken from the cache.
    expect(cache.get(1, { ...t, proto: 17 })).toBe('1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=');
    for (let id = 2; id < 100; id++) cache.get(id, { ...t, srcPort: id });
    expect(cache.size).toBe(4);
    cache.forget(99);
    expect(cache.size).toBe(3);
  });

  it('refuses a seed outside 0..65535', () => {
    expect(() => new CommunityIdCache(65536)).toThrow(/0\.\.65535/);
    expect(() => new CommunityIdCache(-1)).toThrow(/0\.\.65535/);
  });

  it('the EVE formatter uses ICMP type and code of a flow event, and forgets the flow after it', () => {
    const flow: FlowEvent = {
      type: 'flow',
      ts: { sec: 0, nsec: 0 },
      flowId: 7,
      endpoints: { srcIp: '1.2.3.4', srcPort: 0, destIp: '5.6.7.8', destPort: 0, proto: 'ICMP' },
      appProto: null,
      appProtoConfidence: 'unknown',
      flow: {
        pktsToServer: 1,
        pktsToClient: 1,
        bytesToServer: 98,
        bytesToClient: 98,
        start: { sec: 0, nsec: 0 },
        end: { sec: 1, nsec: 0 },
        age: 1,
        state: 'established',
        reason: 'timeout',
      },
      icmp: { type: 8, code: 0, responseType: 0, responseCode: 0 },
    };
    expect(new EveFormatter().toEve(flow).community_id).toBe('1:crodRHL2FEsHjbv3UkRrfbs4bZ0=');
    expect(new EveFormatter({ communityIdSeed: 1 }).toEve(flow).community_id).toBe('1:9pr4ZGTICiuZoIh90RRYE2RyXpU=');
    expect(new EveFormatter({ communityId: false }).toEve(flow)).not.toHaveProperty('community_id');
  });
});
