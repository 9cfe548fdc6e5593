/**
 * dns_amplification and ntp_amplification (src/threats/detectors/amplification.ts) on packets built here:
 * the victim's view (answers nobody asked for), the reflector's view (spoofed ANY queries, monlist), the
 * thresholds, and a resolver answering its clients.
 */
import { describe, expect, it } from 'vitest';
import { at, dnsMessage, engineRun, type Frame, names, ntpMode7, udpFrame } from './scanflood-helpers.js';

const VICTIM = '10.0.0.5';
const RESOLVER = '192.0.2.53';

/** `n` large responses from RESOLVER to VICTIM that VICTIM never asked for (the victim's view). */
function unasked(n: number, t0 = 1, txtLen = 250, answers = 4): Frame[] {
  const out: Frame[] = [];
  for (let i = 0; i < n; i++)
    out.push(
      at(t0 + i * 0.05, udpFrame(RESOLVER, 53, VICTIM, 20000 + i, dnsMessage({ id: i, response: true, answers, txtLen }))),
    );
  return out;
}

describe('dns_amplification', () => {
  it('50 large answers nobody asked for raise one alert; 49 raise none', () => {
    const below = engineRun();
    below.feed(unasked(49));
    expect(below.end().filter((x) => x.name === 'dns_amplification')).toEqual([]);

    const run = engineRun();
    run.feed(unasked(60));
    const found = run.end().filter((x) => x.name === 'dns_amplification');
    expect(found).toHaveLength(1);
    const t = found[0]!;
    expect(t.target).toBe(VICTIM);
    expect(t.attacker).toBe(RESOLVER); // the one reflector
    expect(t.count).toBe(50);
    expect(t.techniques).toEqual(['T1498.002']);
    expect(t.details.unasked_responses).toBe(50);
    expect(t.details.max_response_size).toBeGreaterThan(1000);
    expect(t.details.amplification as number).toBeGreaterThan(20);
    expect(names(run.mine)).toEqual(['dns_amplification']);
  });

  it('spoofed ANY queries seen at the reflector: the answers to the spoofed source count', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 80; i++) {
      const port = 30000 + (i % 5);
      frames.push(at(1 + i * 0.02, udpFrame(VICTIM, port, RESOLVER, 53, dnsMessage({ id: i, response: false, qtype: 255 }))));
      frames.push(
        at(
          1 + i * 0.02 + 0.001,
          udpFrame(RESOLVER, 53, VICTIM, port, dnsMessage({ id: i, response: true, qtype: 255, answers: 12, txtLen: 250 })),
        ),
      );
    }
    const run = engineRun();
    run.feed(frames);
    const found = run.end().filter((x) => x.name === 'dns_amplification');
    expect(found).toHaveLength(1);
    expect(found[0]!.details.any_responses).toBe(50);
    expect(found[0]!.details.unasked_responses).toBe(0);
  });

  it('small answers, even unasked or ANY, are not amplification', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 100; i++) {
      frames.push(
        at(
          1 + i * 0.02,
          udpFrame(RESOLVER, 53, VICTIM, 40000 + i, dnsMessage({ id: i, response: true, answers: 1, txtLen: 40 })),
        ),
      );
      frames.push(
        at(
          1.01 + i * 0.02,
          udpFrame(
            RESOLVER,
            53,
            '10.0.0.6',
            40000 + i,
            dnsMessage({ id: i, response: true, qtype: 255, answers: 1, txtLen: 20 }),
          ),
        ),
      );
    }
    const run = engineRun();
    run.feed(frames);
    expect(run.end().filter((x) => x.name === 'dns_amplification')).toEqual([]);
  });

  it('a resolver answering its clients large answers they asked for raises nothing', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 300; i++) {
      const client = `10.0.1.${1 + (i % 3)}`;
      const port = 50000 + i;
      frames.push(at(1 + i * 0.01, udpFrame(client, port, RESOLVER, 53, dnsMessage({ id: i, response: false, qtype: 16 }))));
      frames.push(
        at(
          1 + i * 0.01 + 0.002,
          udpFrame(RESOLVER, 53, client, port, dnsMessage({ id: i, response: true, qtype: 16, answers: 6, txtLen: 200 })),
        ),
      );
    }
    const run = engineRun();
    run.feed(frames);
    expect(run.end().filter((x) => x.name === 'dns_amplification')).toEqual([]);
  });

  it('a long attack gives one alert per window', () => {
    // 2 unasked answers a second for 250 s: windows open at about 1, 62, 123 and 184 s, each crossing 50 answers 24.5 s later.
    const run = engineRun();
    run.feed(unasked(500, 1, 250, 3).map((f, i) => ({ ...f, t: 1 + i * 0.5 })));
    const found = run.end().filter((x) => x.name === 'dns_amplification');
    expect(found).toHaveLength(4);
    for (const f of found) expect(f.count).toBe(50);
  });
});

describe('ntp_amplification', () => {
  it('5 monlist requests from one (spoofed) source raise one alert; 4 raise none', () => {
    const req = (i: number) => at(1 + i, udpFrame(VICTIM, 80, '192.0.2.123', 123, ntpMode7({ response: false, code: 42 })));
    const below = engineRun();
    below.feed([0, 1, 2, 3].map(req));
    expect(below.end().filter((x) => x.name === 'ntp_amplification')).toEqual([]);

    const run = engineRun();
    run.feed([0, 1, 2, 3, 4, 5, 6].map(req));
    const found = run.end().filter((x) => x.name === 'ntp_amplification');
    expect(found).toHaveLength(1);
    expect(found[0]!.target).toBe(VICTIM);
    expect(found[0]!.count).toBe(5);
    expect(found[0]!.details.monlist_requests).toBe(5);
    expect(names(run.mine)).toEqual(['ntp_amplification']);
  });

  it('100 KB of mode 7 responses into one address raise one alert; other NTP modes and request codes do not', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 240; i++)
      frames.push(at(1 + i * 0.01, udpFrame('192.0.2.123', 123, VICTIM, 80, ntpMode7({ response: true, size: 440 }))));
    const run = engineRun();
    run.feed(frames);
    const found = run.end().filter((x) => x.name === 'ntp_amplification');
    expect(found).toHaveLength(1);
    expect(found[0]!.details.response_bytes).toBeGreaterThanOrEqual(100_000);
    expect(found[0]!.details.response_bytes).toBeLessThan(100_440);

    const quiet = engineRun();
    const other: Frame[] = [];
    for (let i = 0; i < 300; i++) {
      const client = new Uint8Array(48);
      client[0] = (4 << 3) | 3; // NTPv4 client
      other.push(at(1 + i * 0.01, udpFrame('10.0.0.7', 123, '192.0.2.123', 123, client)));
      const server = client.slice();
      server[0] = (4 << 3) | 4;
      other.push(at(1.005 + i * 0.01, udpFrame('192.0.2.123', 123, '10.0.0.7', 123, server)));
      other.push(at(1.006 + i * 0.01, udpFrame('10.0.0.8', 999, '192.0.2.123', 123, ntpMode7({ response: false, code: 4 }))));
    }
    quiet.feed(other);
    expect(quiet.end().filter((x) => x.name === 'ntp_amplification')).toEqual([]);
  });
});
