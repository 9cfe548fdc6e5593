/**
 * Helpers of the scan, flood and amplification tests: an engine with the threat stage whose `threat` events
 * are collected, frames at given capture times, and the DNS and NTP messages the tests need.
 */
import { createEngine, type Engine } from '../../src/engine.js';
import type { ThreatInfo } from '../../src/events.js';
import type { ThreatOptions } from '../../src/threats/stage.js';
import { concat, eth, ipv4, ipv6, type Payload, tcp, udp } from '../helpers/packets.js';

/** The detectors of scan.ts, flood.ts and amplification.ts. */
export const SCANFLOOD = [
  'port_scan',
  'host_sweep',
  'syn_flood',
  'udp_flood',
  'icmp_flood',
  'dns_amplification',
  'ntp_amplification',
] as const;

export interface Frame {
  data: Uint8Array;
  t: number;
}

export interface Run {
  engine: Engine;
  threats: ThreatInfo[];
  /** Threats of this file's detectors only. */
  mine: ThreatInfo[];
  feed(frames: Iterable<Frame>): void;
  /** Ends every flow (their `flowEnded`) and returns the threats seen so far. */
  end(): ThreatInfo[];
}

export function engineRun(threats: ThreatOptions = {}): Run {
  const engine = createEngine({ threats, debug: { throwInternalErrors: true } });
  const found: ThreatInfo[] = [];
  engine.on('threat', (ev) => {
    found.push(ev.threat);
  });
  const run: Run = {
    engine,
    threats: found,
    get mine() {
      return found.filter((t) => (SCANFLOOD as readonly string[]).includes(t.name));
    },
    feed(frames) {
      for (const f of frames) {
        const sec = Math.floor(f.t);
        engine.process({ data: f.data, tsSec: sec, tsNsec: Math.round((f.t - sec) * 1e9) % 1_000_000_000 });
      }
    },
    end() {
      engine.flush();
      return found;
    },
  };
  return run;
}

export function names(ts: readonly ThreatInfo[]): string[] {
  return [...new Set(ts.map((t) => t.name))].sort();
}

export function at(t: number, data: Uint8Array): Frame {
  return { data, t };
}

/** An Ethernet frame around an IPv4 or IPv6 packet (by the source's form). */
export function ip(src: string, dst: string, payload: Payload, opts: { ttl?: number } = {}): Uint8Array {
  return src.includes(':')
    ? eth({}, ipv6({ src, dst, hopLimit: opts.ttl ?? 64 }, payload))
    : eth({}, ipv4({ src, dst, ttl: opts.ttl ?? 64 }, payload));
}

/** The bare IP packet (for an ICMP error to quote). */
export function rawIp(src: string, dst: string, payload: Payload): Uint8Array {
  return src.includes(':') ? ipv6({ src, dst }, payload) : ipv4({ src, dst }, payload);
}

/** A full TCP conversation with payload both ways (a browser's connection): handshake, request, answer, FIN. */
export function conversation(client: string, cport: number, server: string, sport: number, t0: number): Frame[] {
  const c = (flags: string, seq: number, ack: number, data?: string) =>
    ip(client, server, tcp({ sport: cport, dport: sport, flags, seq, ack }, data));
  const s = (flags: string, seq: number, ack: number, data?: string) =>
    ip(server, client, tcp({ sport, dport: cport, flags, seq, ack }, data));
  return [
    at(t0, c('S', 100, 0)),
    at(t0 + 0.01, s('SA', 500, 101)),
    at(t0 + 0.02, c('A', 101, 501)),
    at(t0 + 0.03, c('PA', 101, 501, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')),
    at(t0 + 0.05, s('PA', 501, 128, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')),
    at(t0 + 0.06, c('FA', 128, 541)),
    at(t0 + 0.07, s('FA', 541, 129)),
    at(t0 + 0.08, c('A', 129, 542)),
  ];
}

// ------------------------------------------------------------------ DNS and NTP messages

function u16(n: number): number[] {
  return [(n >>> 8) & 0xff, n & 0xff];
}

function qname(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.').filter((l) => l !== '')) {
    out.push(label.length, ...Array.from(label, (ch) => ch.charCodeAt(0)));
  }
  out.push(0);
  return out;
}

/**
 * A DNS message: a query (`answers` 0) or a response with `answers` TXT records of `txtLen` bytes each
 * (the sizes amplification needs), question `qtype` (255 = ANY).
 */
export function dnsMessage(opts: {
  id: number;
  response: boolean;
  name?: string;
  qtype?: number;
  answers?: number;
  txtLen?: number;
}): Uint8Array {
  const name = opts.name ?? 'example.com';
  const n = opts.response ? (opts.answers ?? 0) : 0;
  const head = [
    ...u16(opts.id),
    opts.response ? 0x81 : 0x01,
    opts.response ? 0x80 : 0x00,
    ...u16(1),
    ...u16(n),
    ...u16(0),
    ...u16(0),
  ];
  const question = [...qname(name), ...u16(opts.qtype ?? 1), ...u16(1)];
  const answers: number[] = [];
  const len = Math.min(255, opts.txtLen ?? 200);
  for (let i = 0; i < n; i++) {
    answers.push(0xc0, 12, ...u16(16), ...u16(1), 0, 0, 0x0e, 0x10, ...u16(len + 1), len);
    for (let j = 0; j < len; j++) answers.push(0x61 + ((i + j) % 26));
  }
  return Uint8Array.from([...head, ...question, ...answers]);
}

/** An NTP mode 7 packet: a request (code 42 = MON_GETLIST_1) or a response of `size` bytes. */
export function ntpMode7(opts: { response: boolean; code?: number; size?: number }): Uint8Array {
  const size = opts.response ? (opts.size ?? 440) : (opts.size ?? 8);
  const b = new Uint8Array(Math.max(size, 4));
  b[0] = (2 << 3) | 7; // version 2, mode 7
  b[1] = opts.response ? 0x80 : 0x00;
  b[2] = 3; // implementation XNTPD
  b[3] = opts.code ?? 42;
  return b;
}

export function udpFrame(src: string, sport: number, dst: string, dport: number, payload: Payload): Uint8Array {
  return ip(src, dst, udp({ sport, dport }, payload));
}

export { concat };
