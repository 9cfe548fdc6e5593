/**
 * syn_flood, udp_flood and icmp_flood (src/threats/detectors/flood.ts) on packets built here: the rate
 * thresholds (just below, at, a long flood), spoofed and single sources, and fast benign traffic.
 */
import { describe, expect, it } from 'vitest';
import { icmpEcho, icmpv6Echo, mulberry32, tcp, udp } from '../helpers/packets.js';
import { at, engineRun, type Frame, ip, names } from './scanflood-helpers.js';

const VICTIM = '10.0.0.5';

function randomAddress(rand: () => number): string {
  return `${11 + Math.floor(rand() * 200)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`;
}

/** `rate` SYNs a second for `seconds` seconds from random (spoofed) sources into VICTIM:80; the victim answers SYN/ACK. */
function synFlood(rate: number, seconds: number, t0 = 100, seed = 1, answer = true): Frame[] {
  const rand = mulberry32(seed);
  const out: Frame[] = [];
  for (let i = 0; i < rate * seconds; i++) {
    const t = t0 + i / rate;
    const src = randomAddress(rand);
    const sport = 1024 + Math.floor(rand() * 60000);
    out.push(at(t, ip(src, VICTIM, tcp({ sport, dport: 80, flags: 'S', seq: 7 }))));
    if (answer) out.push(at(t + 0.0001, ip(VICTIM, src, tcp({ sport: 80, dport: sport, flags: 'SA', seq: 3, ack: 8 }))));
  }
  return out;
}

describe('syn_flood', () => {
  it('500 half-open SYNs a second for 2 s raise one alert; 450 a second raise none', () => {
    const below = engineRun();
    below.feed(synFlood(450, 3));
    below.engine.process({ data: ip('10.9.9.9', VICTIM, tcp({ flags: 'S' })), tsSec: 110, tsNsec: 0 });
    expect(below.end().filter((x) => x.name === 'syn_flood')).toEqual([]);

    const run = engineRun();
    run.feed(synFlood(500, 2));
    run.engine.process({ data: ip('10.9.9.9', VICTIM, tcp({ flags: 'S' })), tsSec: 110, tsNsec: 0 }); // a later second: tick
    const found = run.end().filter((x) => x.name === 'syn_flood');
    expect(found).toHaveLength(1);
    const t = found[0]!;
    expect(t.target).toBe(VICTIM);
    expect(t.attacker).toBeNull(); // spoofed sources
    expect(t.count).toBe(500);
    expect(t.techniques).toEqual(['T1498.001', 'T1499.001']);
    expect(t.details.sources).toBeGreaterThan(300); // the distinct counter's estimate, saturating near 1,000
    expect(t.details.ports).toBe(1);
    expect(t.details.first_ports).toEqual(['80']);
    expect(t.details.seconds).toBe(2);
    // Not a scan, not a sweep: every spoofed source sent one SYN to one port.
    expect(names(run.mine)).toEqual(['syn_flood']);
  });

  it('a single-source flood names its attacker', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 2000; i++)
      frames.push(at(5 + i / 800, ip('10.0.0.66', VICTIM, tcp({ sport: 1024 + (i % 60000), dport: 443, flags: 'S' }))));
    const run = engineRun();
    run.feed(frames);
    run.engine.process({ data: ip('10.9.9.9', VICTIM, tcp({ flags: 'S' })), tsSec: 20, tsNsec: 0 });
    const found = run.end().filter((x) => x.name === 'syn_flood');
    expect(found).toHaveLength(1);
    expect(found[0]!.attacker).toBe('10.0.0.66');
    expect(found[0]!.count).toBe(500); // reported at the SYN that made 1,000 in 2 s
    expect(found[0]!.details.peak_rate).toBe(800);
  });

  it('a long flood gives one alert per window with its counts', () => {
    // A lower threshold keeps the test small: 60 SYNs a second for 150 s against minRate 50.
    const run = engineRun({ detectors: { syn_flood: { minRate: 50 } } });
    run.feed(synFlood(60, 150, 0, 2, false));
    run.end();
    const found = run.threats.filter((x) => x.name === 'syn_flood');
    expect(found).toHaveLength(3); // at 2 s, 62 s, 122 s
    expect(found.map((f) => f.details.seconds)).toEqual([2, 62, 122]);
    for (const f of found) {
      expect(f.count).toBe(50); // the rate over 2 s at the SYN that crossed 100
      expect(f.details.peak_rate).toBe(60);
    }
    // Reported at the 40th SYN of the second that makes 100 in 2 s.
    expect(found[2]!.details.packets).toBe(121 * 60 + 40);
  });

  it('a busy server completing 1,000 handshakes a second raises nothing', () => {
    const rand = mulberry32(3);
    const frames: Frame[] = [];
    for (let i = 0; i < 3000; i++) {
      const t = 1 + i / 1000;
      const src = randomAddress(rand);
      const sport = 1024 + Math.floor(rand() * 60000);
      frames.push(at(t, ip(src, VICTIM, tcp({ sport, dport: 443, flags: 'S', seq: 7 }))));
      frames.push(at(t + 0.0002, ip(VICTIM, src, tcp({ sport: 443, dport: sport, flags: 'SA', seq: 3, ack: 8 }))));
      frames.push(at(t + 0.0004, ip(src, VICTIM, tcp({ sport, dport: 443, flags: 'A', seq: 8, ack: 4 }))));
    }
    frames.sort((a, b) => a.t - b.t);
    const run = engineRun();
    run.feed(frames);
    run.engine.process({ data: ip('10.9.9.9', VICTIM, tcp({ flags: 'S' })), tsSec: 10, tsNsec: 0 });
    expect(run.end().filter((x) => x.name === 'syn_flood')).toEqual([]);
  });
});

/** `rate` datagrams a second for `seconds` s into VICTIM:9; every `replyEvery`-th is answered (0: none). */
function udpStream(rate: number, seconds: number, replyEvery = 0, src = '10.0.0.66'): Frame[] {
  const out: Frame[] = [];
  for (let i = 0; i < rate * seconds; i++) {
    const t = 1 + i / rate;
    out.push(at(t, ip(src, VICTIM, udp({ sport: 40000, dport: 9 }, 'x'.repeat(64)))));
    if (replyEvery > 0 && i % replyEvery === 0) out.push(at(t + 0.0001, ip(VICTIM, src, udp({ sport: 9, dport: 40000 }, 'ack'))));
  }
  return out;
}

describe('udp_flood', () => {
  it('2,000 unanswered datagrams a second for 2 s raise one alert; 1,900 raise none', () => {
    const below = engineRun();
    below.feed(udpStream(1900, 3));
    below.engine.process({ data: ip('10.9.9.9', '10.9.9.8', udp({}, 'x')), tsSec: 10, tsNsec: 0 });
    expect(below.end().filter((x) => x.name === 'udp_flood')).toEqual([]);

    const run = engineRun();
    run.feed(udpStream(2000, 2));
    run.engine.process({ data: ip('10.9.9.9', '10.9.9.8', udp({}, 'x')), tsSec: 10, tsNsec: 0 });
    const found = run.end().filter((x) => x.name === 'udp_flood');
    expect(found).toHaveLength(1);
    expect(found[0]!.target).toBe(VICTIM);
    expect(found[0]!.attacker).toBe('10.0.0.66');
    expect(found[0]!.count).toBe(2000);
    expect(found[0]!.details.replies).toBe(0);
    expect(names(run.mine)).toEqual(['udp_flood']);
  });

  it('a fast transfer its receiver acknowledges (QUIC-like, one reply in 10) raises nothing', () => {
    const run = engineRun();
    run.feed(udpStream(8000, 3, 10));
    run.engine.process({ data: ip('10.9.9.9', '10.9.9.8', udp({}, 'x')), tsSec: 10, tsNsec: 0 });
    expect(run.end().filter((x) => x.name === 'udp_flood')).toEqual([]);
  });

  it('multicast streams are not floods', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 9000; i++)
      frames.push(at(1 + i / 3000, ip('10.0.0.66', '239.1.1.1', udp({ sport: 5000, dport: 5000 }, 'x'.repeat(100)))));
    const run = engineRun();
    run.feed(frames);
    run.engine.process({ data: ip('10.9.9.9', '10.9.9.8', udp({}, 'x')), tsSec: 10, tsNsec: 0 });
    expect(run.end().filter((x) => x.name === 'udp_flood')).toEqual([]);
  });
});

describe('icmp_flood', () => {
  function pingFlood(rate: number, seconds: number, reply: boolean): Frame[] {
    const out: Frame[] = [];
    for (let i = 0; i < rate * seconds; i++) {
      const t = 1 + i / rate;
      out.push(at(t, ip('10.0.0.66', VICTIM, icmpEcho({ id: 9, seq: i & 0xffff }, 'x'.repeat(56)))));
      if (reply)
        out.push(at(t + 0.0001, ip(VICTIM, '10.0.0.66', icmpEcho({ id: 9, seq: i & 0xffff, reply: true }, 'x'.repeat(56)))));
    }
    return out;
  }

  it('500 echo requests a second for 2 s raise one alert (answered or not); 450 raise none', () => {
    const below = engineRun();
    below.feed(pingFlood(450, 3, true));
    below.engine.process({ data: ip('10.9.9.9', '10.9.9.8', udp({}, 'x')), tsSec: 10, tsNsec: 0 });
    expect(below.end().filter((x) => x.name === 'icmp_flood')).toEqual([]);

    const run = engineRun();
    run.feed(pingFlood(500, 2, true));
    run.engine.process({ data: ip('10.9.9.9', '10.9.9.8', udp({}, 'x')), tsSec: 10, tsNsec: 0 });
    const found = run.end().filter((x) => x.name === 'icmp_flood');
    expect(found).toHaveLength(1);
    expect(found[0]!.target).toBe(VICTIM);
    expect(found[0]!.attacker).toBe('10.0.0.66');
    expect(found[0]!.count).toBe(500);
    expect(found[0]!.details.icmp_types).toEqual(['8']);
    // The replies flow back to the pinger: not a flood of the pinger.
    expect(found.every((f) => f.target === VICTIM)).toBe(true);
  });

  it('an ICMPv6 echo flood is an ICMP flood too', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 1500; i++)
      frames.push(at(1 + i / 600, ip('2001:db8::66', '2001:db8::5', icmpv6Echo({ id: 3, seq: i }, 'x'.repeat(56)))));
    const run = engineRun();
    run.feed(frames);
    const found = run.end().filter((x) => x.name === 'icmp_flood');
    expect(found).toHaveLength(1);
    expect(found[0]!.target).toBe('2001:db8::5');
    expect(found[0]!.details.icmp_types).toEqual(['128']);
  });

  it('an ordinary ping (one a second) raises nothing', () => {
    const run = engineRun();
    run.feed(pingFlood(1, 100, true));
    expect(run.end().filter((x) => x.name === 'icmp_flood')).toEqual([]);
  });
});

describe('syn_flood is not a scan', () => {
  it('a fast SYN scan (2,000 ports a second, refused by RST) is a port scan, not a SYN flood', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 6000; i++) {
      const t = 1 + i / 2000;
      const port = 1 + (i % 65000);
      frames.push(at(t, ip('10.0.0.66', VICTIM, tcp({ sport: 50000, dport: port, flags: 'S', seq: 1 }))));
      frames.push(at(t + 0.0001, ip(VICTIM, '10.0.0.66', tcp({ sport: port, dport: 50000, flags: 'RA', ack: 2 }))));
    }
    const run = engineRun();
    run.feed(frames);
    run.end();
    expect(names(run.mine)).toEqual(['port_scan']);
  });
});
