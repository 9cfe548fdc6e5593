/**
 * Bounded state: a flood of distinct sources of every kind the detectors count (SYN probes, ICMP echoes with
 * random payloads, DNS queries under random names and unsolicited answers, NTP monlist, ARP bindings, UDP to
 * random ports) keeps every detector's tables at or under their cap (`threats.maxTracked`), with the evictions
 * counted, the stage's open windows capped too, and no exception. Seeded, so the same flood every run.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine.js';
import { THREAT_DETECTORS } from '../../src/threats/registry.js';
import { arp, eth, icmpEcho, ipv4, mulberry32, tcp, udp } from '../helpers/packets.js';
import { buildMessage } from '../protocols/dns/helpers.js';

const CAP = 256;
/** Tables a detector may keep, each under the cap (a detector's `size()` sums them). */
const TABLES_PER_DETECTOR = 4;

describe('threat detectors under a flood of distinct sources', () => {
  it(`stay within threats.maxTracked (${CAP}) per table`, () => {
    const rand = mulberry32(2026);
    const ip = () => `10.${(rand() * 256) | 0}.${(rand() * 256) | 0}.${1 + ((rand() * 254) | 0)}`;
    const mac = () =>
      Array.from({ length: 6 }, (_, i) => (i === 0 ? 2 : (rand() * 256) | 0).toString(16).padStart(2, '0')).join(':');
    const label = (n: number) => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz234567'[(rand() * 32) | 0]).join('');
    const engine = createEngine({ threats: { maxTracked: CAP }, eventTypes: ['threat'] });
    let t = 1_767_225_600;
    const send = (frame: Uint8Array) => {
      t += 0.0005;
      const sec = Math.floor(t);
      engine.process({ data: frame, tsSec: sec, tsNsec: Math.round((t - sec) * 1e9) });
    };
    for (let i = 0; i < 30_000; i++) {
      const src = ip();
      const dst = ip();
      switch (i % 7) {
        case 0:
          send(eth({}, ipv4({ src, dst }, tcp({ sport: 1024 + (i % 50_000), dport: (rand() * 65535) | 0, flags: 'S', seq: i }))));
          break;
        case 1: {
          const payload = Uint8Array.from({ length: 200 }, () => (rand() * 256) | 0);
          send(eth({}, ipv4({ src, dst }, icmpEcho({ id: i & 0xffff, seq: i & 0xffff }, payload))));
          break;
        }
        case 2: {
          const q = buildMessage({ id: i & 0xffff, questions: [{ name: `${label(50)}.${label(8)}.com`, type: 16 }] });
          send(eth({}, ipv4({ src, dst: '10.0.0.53' }, udp({ sport: 1024 + (i % 60_000), dport: 53 }, q))));
          break;
        }
        case 3: {
          const a = buildMessage({
            id: i & 0xffff,
            flags: 0x8180,
            questions: [{ name: `${label(12)}.example`, type: 1 }],
            answers: [{ name: `${label(12)}.example`, type: 1, rdata: [10, 0, 0, (rand() * 256) | 0] }],
          });
          send(eth({}, ipv4({ src, dst }, udp({ sport: 53, dport: 1024 + (i % 60_000) }, a))));
          break;
        }
        case 4: {
          const monlist = new Uint8Array(48);
          monlist.set([0x17, 0x00, 0x03, 0x2a]);
          send(eth({}, ipv4({ src, dst }, udp({ sport: 1024 + (i % 60_000), dport: 123 }, monlist))));
          break;
        }
        case 5:
          send(eth({ type: 0x0806 }, arp({ op: 2, senderIp: src, targetIp: dst, senderMac: mac(), targetMac: mac() })));
          break;
        default:
          send(eth({}, ipv4({ src, dst }, udp({ sport: 1024 + (i % 60_000), dport: (rand() * 65535) | 0 }, new Uint8Array(32)))));
      }
    }
    const s = engine.stats();
    expect(s.internalErrors.count, JSON.stringify(s.internalErrors.last)).toBe(0);
    const state = s.threats!.state;
    expect(Object.keys(state).sort()).toEqual(THREAT_DETECTORS.map((d) => d.name).sort());
    for (const [name, size] of Object.entries(state)) expect(size, name).toBeLessThanOrEqual(CAP * TABLES_PER_DETECTOR);
    // The flood overflowed some tables: evictions were counted, not memory grown.
    if (THREAT_DETECTORS.length > 0) expect(s.threats!.evictions).toBeGreaterThan(0);
    engine.close();
  });
});
