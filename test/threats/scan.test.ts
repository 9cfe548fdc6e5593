/**
 * port_scan and host_sweep (src/threats/detectors/scan.ts) on packets built here: each probe kind, the
 * thresholds (just below, at, a long scan), and busy benign traffic that must stay quiet.
 */
import { describe, expect, it } from 'vitest';
import { arp, eth, icmpEcho, icmpError, icmpv6Error, tcp, udp } from '../helpers/packets.js';
import { at, conversation, engineRun, type Frame, ip, names, rawIp } from './scanflood-helpers.js';

const SCANNER = '10.0.0.66';
const VICTIM = '10.0.0.5';

/** A SYN scan of `ports`: closed ports answer RST/ACK; every fifth is open (SYN/ACK, then the scanner's RST). */
function synScan(ports: number[], t0: number, step = 0.01, src = SCANNER, dst = VICTIM): Frame[] {
  const out: Frame[] = [];
  let t = t0;
  for (const port of ports) {
    out.push(at(t, ip(src, dst, tcp({ sport: 51000, dport: port, flags: 'S', seq: 1000 }))));
    if (port % 5 === 0) {
      out.push(at(t + 0.001, ip(dst, src, tcp({ sport: port, dport: 51000, flags: 'SA', seq: 9, ack: 1001 }))));
      out.push(at(t + 0.002, ip(src, dst, tcp({ sport: 51000, dport: port, flags: 'R', seq: 1001 }))));
    } else out.push(at(t + 0.001, ip(dst, src, tcp({ sport: port, dport: 51000, flags: 'RA', seq: 0, ack: 1001 }))));
    t += step;
  }
  return out;
}

function range(from: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

describe('port_scan', () => {
  it('a SYN scan of 25 ports raises one alert; 24 ports raise none', () => {
    const below = engineRun();
    below.feed(synScan(range(1, 24), 100));
    expect(below.end().filter((t) => t.name === 'port_scan')).toEqual([]);

    const run = engineRun();
    run.feed(synScan(range(1, 25), 100));
    const found = run.end().filter((t) => t.name === 'port_scan');
    expect(found).toHaveLength(1);
    const t = found[0]!;
    expect(t.attacker).toBe(SCANNER);
    expect(t.target).toBe(VICTIM);
    expect(t.count).toBe(25);
    expect(t.techniques).toEqual(['T1046']);
    expect(t.details.kinds).toEqual(['syn']);
    expect(t.details.first_ports).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    // Alerted when the 25th RST came back, not when the flows ended.
    expect(names(run.mine)).toEqual(['port_scan']);
  });

  it('a connect scan (handshake, then the scanner resets) is a scan of kind connect', () => {
    const frames: Frame[] = [];
    let t = 10;
    for (const port of range(1000, 30)) {
      const sp = 40000 + port;
      frames.push(at(t, ip(SCANNER, VICTIM, tcp({ sport: sp, dport: port, flags: 'S', seq: 1 }))));
      if (port % 3 === 0) {
        frames.push(at(t + 0.001, ip(VICTIM, SCANNER, tcp({ sport: port, dport: sp, flags: 'SA', seq: 7, ack: 2 }))));
        frames.push(at(t + 0.002, ip(SCANNER, VICTIM, tcp({ sport: sp, dport: port, flags: 'A', seq: 2, ack: 8 }))));
        frames.push(at(t + 0.003, ip(SCANNER, VICTIM, tcp({ sport: sp, dport: port, flags: 'RA', seq: 2, ack: 8 }))));
      } else frames.push(at(t + 0.001, ip(VICTIM, SCANNER, tcp({ sport: port, dport: sp, flags: 'RA', seq: 0, ack: 2 }))));
      t += 0.02;
    }
    const run = engineRun();
    run.feed(frames);
    const found = run.end().filter((x) => x.name === 'port_scan');
    expect(found).toHaveLength(1);
    expect(found[0]!.details.kinds).toEqual(['syn', 'connect']);
  });

  it.each([
    ['null', '', 'decode.tcp_no_flags'],
    ['fin', 'F', undefined],
    ['xmas', 'FPU', 'decode.tcp_xmas'],
  ])('a %s scan (no answer from open ports, RST from closed ones) is a scan and links its anomaly', (kind, flags, anomaly) => {
    const frames: Frame[] = [];
    let t = 50;
    for (const port of range(20, 40)) {
      frames.push(at(t, ip(SCANNER, VICTIM, tcp({ sport: 33333, dport: port, flags, seq: 5 }))));
      if (port % 2 === 0)
        frames.push(at(t + 0.001, ip(VICTIM, SCANNER, tcp({ sport: port, dport: 33333, flags: 'RA', seq: 0, ack: 5 }))));
      t += 0.01;
    }
    const run = engineRun();
    run.feed(frames);
    const found = run.end().filter((x) => x.name === 'port_scan');
    expect(found).toHaveLength(1);
    expect(found[0]!.details.kinds).toEqual([kind]);
    expect(found[0]!.count).toBe(25);
    // One count per probe: counted at the probe, not again at the RST or the flow's end (the distinct
    // counter may merge two ports, so a probe or two more than the ports).
    expect(found[0]!.details.probes).toBeGreaterThanOrEqual(25);
    expect(found[0]!.details.probes).toBeLessThanOrEqual(27);
    if (anomaly !== undefined) expect(found[0]!.anomalies).toEqual([anomaly]);
  });

  it('a connect scan meeting banners (the server greets, the scanner resets) still counts; FTP data connections do not', () => {
    const frames: Frame[] = [];
    let t = 10;
    for (const port of range(2000, 30)) {
      const sp = 30000 + port;
      frames.push(at(t, ip(SCANNER, VICTIM, tcp({ sport: sp, dport: port, flags: 'S', seq: 1 }))));
      frames.push(at(t + 0.001, ip(VICTIM, SCANNER, tcp({ sport: port, dport: sp, flags: 'SA', seq: 7, ack: 2 }))));
      frames.push(at(t + 0.002, ip(SCANNER, VICTIM, tcp({ sport: sp, dport: port, flags: 'A', seq: 2, ack: 8 }))));
      frames.push(
        at(
          t + 0.003,
          ip(VICTIM, SCANNER, tcp({ sport: port, dport: sp, flags: 'PA', seq: 8, ack: 2 }, 'SSH-2.0-OpenSSH_9.6\r\n')),
        ),
      );
      frames.push(at(t + 0.004, ip(SCANNER, VICTIM, tcp({ sport: sp, dport: port, flags: 'RA', seq: 2, ack: 29 }))));
      t += 0.01;
    }
    const scan = engineRun();
    scan.feed(frames);
    expect(scan.end().filter((x) => x.name === 'port_scan')).toHaveLength(1);

    // 40 passive-mode FTP downloads from one server: a data connection per file on its own port, the
    // server sends, nobody resets.
    const ftp: Frame[] = [];
    t = 10;
    for (const port of range(40000, 40)) {
      const cp = 50000 + port - 40000;
      const c = (flags: string, seq: number, ack: number) =>
        ip('10.0.0.9', VICTIM, tcp({ sport: cp, dport: port, flags, seq, ack }));
      const sv = (flags: string, seq: number, ack: number, data?: string) =>
        ip(VICTIM, '10.0.0.9', tcp({ sport: port, dport: cp, flags, seq, ack }, data));
      ftp.push(at(t, c('S', 1, 0)), at(t + 0.001, sv('SA', 7, 2)), at(t + 0.002, c('A', 2, 8)));
      ftp.push(at(t + 0.003, sv('PA', 8, 2, 'file contents\n')), at(t + 0.004, sv('FA', 22, 2)));
      ftp.push(at(t + 0.005, c('A', 2, 23)), at(t + 0.006, c('FA', 2, 23)), at(t + 0.007, sv('A', 23, 3)));
      t += 0.05;
    }
    const quiet = engineRun();
    quiet.feed(ftp);
    expect(quiet.end().filter((x) => x.name === 'port_scan' || x.name === 'host_sweep')).toEqual([]);
  });

  it('SYNs nobody answers (filtered ports) count when their flows end', () => {
    const frames = range(1, 30).map((port, i) =>
      at(5 + i * 0.01, ip(SCANNER, VICTIM, tcp({ sport: 60000, dport: port, flags: 'S' }))),
    );
    const run = engineRun();
    run.feed(frames);
    expect(run.threats.filter((x) => x.name === 'port_scan')).toEqual([]); // nothing ended yet
    const found = run.end().filter((x) => x.name === 'port_scan');
    expect(found).toHaveLength(1);
    expect(found[0]!.details.kinds).toEqual(['syn']);
  });

  it('a UDP scan is seen through the ICMP port unreachables (IPv4 and IPv6), closed ports only', () => {
    for (const [src, dst] of [
      [SCANNER, VICTIM],
      ['2001:db8::66', '2001:db8::5'],
    ] as const) {
      const frames: Frame[] = [];
      let t = 1;
      for (const port of range(100, 30)) {
        const probe = rawIp(src, dst, udp({ sport: 45000, dport: port }, ''));
        frames.push(at(t, ip(src, dst, udp({ sport: 45000, dport: port }, ''))));
        const err = src.includes(':') ? icmpv6Error({}, probe) : icmpError({}, probe);
        frames.push(at(t + 0.001, ip(dst, src, err)));
        t += 0.05;
      }
      const run = engineRun();
      run.feed(frames);
      const found = run.threats.filter((x) => x.name === 'port_scan');
      expect(found, src).toHaveLength(1);
      expect(found[0]!.attacker).toBe(src);
      expect(found[0]!.target).toBe(dst);
      expect(found[0]!.details.kinds).toEqual(['udp']);
      run.end();
    }
  });

  it('late DNS answers refused by a client whose sockets closed are not a UDP scan by the resolver', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 60; i++) {
      const port = 33000 + i * 7;
      const t = 1 + i * 0.2;
      frames.push(at(t, ip('10.0.0.9', '10.0.0.53', udp({ sport: port, dport: 53 }, 'q'))));
      const late = rawIp('10.0.0.53', '10.0.0.9', udp({ sport: 53, dport: port }, 'a'));
      frames.push(at(t + 0.1, ip('10.0.0.53', '10.0.0.9', udp({ sport: 53, dport: port }, 'a'))));
      frames.push(at(t + 0.101, ip('10.0.0.9', '10.0.0.53', icmpError({}, late))));
    }
    const run = engineRun();
    run.feed(frames);
    expect(run.end().filter((x) => x.name === 'port_scan' || x.name === 'host_sweep')).toEqual([]);
  });

  it('a long scan gives one alert per window, each with its count', () => {
    // 5 ports a second for 200 s (1,000 ports): windows of 60 s, each crossing 25 ports.
    const frames = synScan(range(1, 1000), 0, 0.2);
    const run = engineRun();
    run.feed(frames);
    const found = run.end().filter((x) => x.name === 'port_scan');
    expect(found).toHaveLength(4);
    for (const f of found) expect(f.count).toBe(25);
  });

  it('the threshold can be set per detector', () => {
    const run = engineRun({ detectors: { port_scan: { minPorts: 10 } } });
    run.feed(synScan(range(1, 12), 0));
    expect(run.end().filter((x) => x.name === 'port_scan')).toHaveLength(1);
  });

  it('busy browsing (30 parallel connections to one server, 100 sites on 443) raises nothing', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 30; i++) frames.push(...conversation('10.0.0.9', 50000 + i, '93.184.216.34', 443, 1 + i * 0.001));
    for (let i = 0; i < 100; i++) frames.push(...conversation('10.0.0.9', 52000 + i, `198.51.100.${i + 1}`, 443, 2 + i * 0.01));
    // A few refused connections to one server's odd ports, as a client meets now and then.
    for (let i = 0; i < 5; i++) {
      frames.push(at(3 + i, ip('10.0.0.9', '93.184.216.34', tcp({ sport: 41000 + i, dport: 8000 + i, flags: 'S' }))));
      frames.push(
        at(3 + i + 0.01, ip('93.184.216.34', '10.0.0.9', tcp({ sport: 8000 + i, dport: 41000 + i, flags: 'RA', ack: 2 }))),
      );
    }
    frames.sort((a, b) => a.t - b.t);
    const run = engineRun();
    run.feed(frames);
    expect(run.end().filter((x) => x.name === 'port_scan' || x.name === 'host_sweep')).toEqual([]);
  });
});

describe('connections picked up mid-stream', () => {
  it('idle keep-alive connections seen from their middle (no SYN, no payload) are not probes', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 40; i++) {
      const t = 1 + i * 0.01;
      // One server's 40 idle connections, first seen from the server's side (its port looks like the client's).
      frames.push(at(t, ip('93.184.216.34', '10.0.0.9', tcp({ sport: 443, dport: 50000 + i, flags: 'A', seq: 9, ack: 7 }))));
      frames.push(
        at(t + 0.001, ip('10.0.0.9', '93.184.216.34', tcp({ sport: 50000 + i, dport: 443, flags: 'A', seq: 7, ack: 9 }))),
      );
      // And 40 idle connections to 40 servers, one keep-alive each.
      frames.push(
        at(t + 0.002, ip('10.0.0.9', `198.51.100.${i + 1}`, tcp({ sport: 40000 + i, dport: 443, flags: 'A', seq: 7, ack: 9 }))),
      );
      frames.push(
        at(t + 0.003, ip(`198.51.100.${i + 1}`, '10.0.0.9', tcp({ sport: 443, dport: 40000 + i, flags: 'A', seq: 9, ack: 7 }))),
      );
    }
    const run = engineRun();
    run.feed(frames);
    expect(run.end().filter((x) => x.name === 'port_scan' || x.name === 'host_sweep')).toEqual([]);
  });
});

describe('host_sweep', () => {
  function pingSweep(n: number, t0 = 0, answered = true): Frame[] {
    const out: Frame[] = [];
    for (let i = 1; i <= n; i++) {
      const dst = `10.1.0.${i}`;
      out.push(at(t0 + i * 0.01, ip(SCANNER, dst, icmpEcho({ id: 77, seq: i }))));
      if (answered && i % 2 === 0)
        out.push(at(t0 + i * 0.01 + 0.001, ip(dst, SCANNER, icmpEcho({ id: 77, seq: i, reply: true }))));
    }
    return out;
  }

  it('an ICMP echo sweep of 30 hosts raises one alert; 29 raise none', () => {
    const below = engineRun();
    below.feed(pingSweep(29));
    expect(below.end().filter((x) => x.name === 'host_sweep')).toEqual([]);
    const run = engineRun();
    run.feed(pingSweep(40));
    const found = run.end().filter((x) => x.name === 'host_sweep');
    expect(found).toHaveLength(1);
    expect(found[0]!.attacker).toBe(SCANNER);
    expect(found[0]!.count).toBe(30);
    expect(found[0]!.details.service).toBe('icmp_echo');
    expect(found[0]!.details.first_hosts).toEqual(['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4']);
  });

  it('a TCP sweep of one port (unanswered or refused) is a sweep; answered handshakes are not', () => {
    const frames: Frame[] = [];
    for (let i = 1; i <= 40; i++) {
      const dst = `10.2.0.${i}`;
      frames.push(at(i * 0.01, ip(SCANNER, dst, tcp({ sport: 40000 + i, dport: 22, flags: 'S' }))));
      if (i % 4 === 0)
        frames.push(at(i * 0.01 + 0.001, ip(dst, SCANNER, tcp({ sport: 22, dport: 40000 + i, flags: 'RA', ack: 2 }))));
    }
    const run = engineRun();
    run.feed(frames);
    const found = run.end().filter((x) => x.name === 'host_sweep');
    expect(found).toHaveLength(1);
    expect(found[0]!.details.service).toBe('tcp');
    expect(found[0]!.details.port).toBe(22);
    expect(names(run.mine)).toEqual(['host_sweep']);
  });

  it('a UDP sweep of one port is seen through the port unreachables', () => {
    const frames: Frame[] = [];
    for (let i = 1; i <= 40; i++) {
      const dst = `10.5.0.${i}`;
      frames.push(at(i * 0.01, ip(SCANNER, dst, udp({ sport: 41000, dport: 161 }, 'x'))));
      frames.push(
        at(i * 0.01 + 0.001, ip(dst, SCANNER, icmpError({}, rawIp(SCANNER, dst, udp({ sport: 41000, dport: 161 }, 'x'))))),
      );
    }
    const run = engineRun();
    run.feed(frames);
    const found = run.end().filter((x) => x.name === 'host_sweep');
    expect(found).toHaveLength(1);
    expect(found[0]!.details.service).toBe('udp');
    expect(found[0]!.details.port).toBe(161);
  });

  it('an ARP sweep is a sweep; gratuitous ARP is not', () => {
    const frames: Frame[] = [];
    for (let i = 1; i <= 35; i++)
      frames.push(at(i * 0.01, eth({ dst: 'ff:ff:ff:ff:ff:ff' }, arp({ senderIp: '10.3.0.200', targetIp: `10.3.0.${i}` }))));
    for (let i = 0; i < 50; i++)
      frames.push(at(1 + i * 0.01, eth({ dst: 'ff:ff:ff:ff:ff:ff' }, arp({ senderIp: '10.3.0.7', targetIp: '10.3.0.7' }))));
    const run = engineRun();
    run.feed(frames);
    const found = run.end().filter((x) => x.name === 'host_sweep');
    expect(found).toHaveLength(1);
    expect(found[0]!.attacker).toBe('10.3.0.200');
    expect(found[0]!.details.service).toBe('arp');
  });

  it('a long ping sweep gives one alert per window', () => {
    // One new host every second for 200 s: windows start at 0, 61, 122 and 183 s, the first three cross 30 hosts.
    const frames: Frame[] = [];
    for (let i = 0; i < 200; i++) frames.push(at(i, ip(SCANNER, `10.4.${i >> 8}.${i & 255}`, icmpEcho({ id: 1, seq: i }))));
    const run = engineRun();
    run.feed(frames);
    const found = run.end().filter((x) => x.name === 'host_sweep');
    expect(found).toHaveLength(3);
    for (const f of found) expect(f.count).toBe(30);
  });
});
