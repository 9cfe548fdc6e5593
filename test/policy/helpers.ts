/**
 * A small network to drive an engine with a policy: TCP conversations, UDP datagrams and DNS answers between
 * addresses (IPv4 or IPv6 by their text), at a clock the test moves, recording every event and verdict.
 */
import { parseAddress } from '../../src/decode/address.js';
import { createEngine, type CreateEngineOptions, type Engine } from '../../src/engine.js';
import type { FlowEvent, NetsieveEvent, Verdict, ViolationEvent } from '../../src/events.js';
import { eth, ipv4, ipv6, tcp, udp } from '../helpers/packets.js';
import { type BuildRR, encodeName, response, rr } from '../protocols/dns/helpers.js';

export const T0 = 1_700_000_000;

function ip(src: string, dst: string, payload: Uint8Array): Uint8Array {
  return src.includes(':') ? eth({}, ipv6({ src, dst }, payload)) : eth({}, ipv4({ src, dst }, payload));
}

/** A or AAAA answer for `name` (by the address's text), with a TTL. */
export function addressRR(name: string, address: string, ttl = 300): BuildRR {
  const words = new Uint32Array(4);
  const version = parseAddress(address, words);
  if (version === 0) throw new Error(`not an address: ${address}`);
  if (version === 4)
    return rr(name, 1, [words[0]! >>> 24, (words[0]! >>> 16) & 0xff, (words[0]! >>> 8) & 0xff, words[0]! & 0xff], ttl);
  const bytes: number[] = [];
  for (const w of words) bytes.push(w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff);
  return rr(name, 28, bytes, ttl);
}

export function cnameRR(name: string, target: string, ttl = 300): BuildRR {
  return rr(name, 5, encodeName(target), ttl);
}

export class Net {
  readonly engine: Engine;
  readonly events: NetsieveEvent[] = [];
  /** Seconds of capture time. */
  now = T0;
  private nextPort = 40000;
  private dnsId = 1;

  constructor(options: CreateEngineOptions) {
    this.engine = createEngine(options);
    this.engine.on('*', (ev) => this.events.push(ev));
  }

  /** Every packet sent, to replay the same traffic through another engine. */
  readonly sent: { data: Uint8Array; tsSec: number; tsNsec: number }[] = [];

  private send(frame: Uint8Array): Verdict {
    this.now += 0.001;
    const sec = Math.floor(this.now);
    const packet = { data: frame, tsSec: sec, tsNsec: Math.round((this.now - sec) * 1e9) };
    this.sent.push(packet);
    return this.engine.process(packet);
  }

  /**
   * A TCP connection: handshake, then each client data segment answered by an ACK (and `reply` once), then
   * FIN both ways unless `open`. Returns the verdict of every packet, in order, with which side sent it.
   */
  tcp(
    client: string,
    server: string,
    dport: number,
    data: (string | Uint8Array)[] = [],
    opts: { reply?: string | Uint8Array; open?: boolean; sport?: number } = {},
  ): { verdicts: Verdict[]; sport: number } {
    const sport = opts.sport ?? this.nextPort++;
    const verdicts: Verdict[] = [];
    let cseq = 1000;
    let sseq = 5000;
    const cs = (flags: string, payload?: string | Uint8Array) =>
      verdicts.push(
        this.send(ip(client, server, tcp({ sport, dport, flags, seq: cseq, ack: flags === 'S' ? 0 : sseq }, payload))),
      );
    const sc = (flags: string, payload?: string | Uint8Array) =>
      verdicts.push(this.send(ip(server, client, tcp({ sport: dport, dport: sport, flags, seq: sseq, ack: cseq }, payload))));
    cs('S');
    cseq++;
    sc('SA');
    sseq++;
    cs('A');
    for (const d of data) {
      cs('PA', d);
      cseq += d.length;
      sc('A');
    }
    if (opts.reply !== undefined) {
      sc('PA', opts.reply);
      sseq += opts.reply.length;
      cs('A');
    }
    if (opts.open !== true) {
      cs('FA');
      cseq++;
      sc('FA');
      sseq++;
      cs('A');
    }
    return { verdicts, sport };
  }

  /** One UDP datagram each way (the second only with `reply`). */
  udp(client: string, server: string, dport: number, payload: Uint8Array, reply?: Uint8Array, sport?: number): Verdict[] {
    const p = sport ?? this.nextPort++;
    const out = [this.send(ip(client, server, udp({ sport: p, dport }, payload)))];
    if (reply !== undefined) out.push(this.send(ip(server, client, udp({ sport: dport, dport: p }, reply))));
    return out;
  }

  /** A DNS response from `resolver` to `client` for `name` with `answers` (no query: responses teach alone). */
  dns(client: string, resolver: string, name: string, answers: BuildRR[], type = 1): void {
    const id = this.dnsId++;
    const port = this.nextPort++;
    const q = response(name, type, [], id, 0x0100);
    this.send(ip(client, resolver, udp({ sport: port, dport: 53 }, q)));
    this.send(ip(resolver, client, udp({ sport: 53, dport: port }, response(name, type, answers, id))));
  }

  /** Moves the clock. */
  wait(seconds: number): void {
    this.now += seconds;
  }

  /** Ends every flow and returns the flow events of connections to `dport` (all when omitted). */
  flows(dport?: number): FlowEvent[] {
    this.engine.flush();
    return this.events.filter(
      (e): e is FlowEvent => e.type === 'flow' && (dport === undefined || e.endpoints.destPort === dport),
    );
  }

  violations(): ViolationEvent[] {
    return this.events.filter((e): e is ViolationEvent => e.type === 'violation');
  }

  anomalies(name: string): NetsieveEvent[] {
    return this.events.filter((e) => e.type === 'anomaly' && e.anomaly.event === name);
  }
}

/** Replays packets through a new engine; returns its events (after a flush) and the verdicts. */
export function replayThrough(
  options: CreateEngineOptions,
  packets: readonly { data: Uint8Array; tsSec: number; tsNsec: number }[],
): { engine: Engine; events: NetsieveEvent[]; verdicts: Verdict[] } {
  const engine = createEngine(options);
  const events: NetsieveEvent[] = [];
  engine.on('*', (ev) => events.push(ev));
  const verdicts = packets.map((p) => engine.process(p));
  engine.flush();
  return { engine, events, verdicts };
}

/** An HTTP/1.1 request with a Host. */
export function httpGet(host: string | null, path = '/'): string {
  return `GET ${path} HTTP/1.1\r\n${host === null ? '' : `Host: ${host}\r\n`}User-Agent: t\r\n\r\n`;
}
