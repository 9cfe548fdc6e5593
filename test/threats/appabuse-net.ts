/**
 * Timed TCP conversations for the application-abuse detectors' engine tests: many connections laid out on
 * one timeline (each packet at its own capture time), then fed to an engine in time order. Also a pcap
 * writer, so a scenario can be kept as a capture.
 */
import { createEngine, type CreateEngineOptions, type Engine } from '../../src/engine.js';
import type { NetsieveEvent, ThreatEvent } from '../../src/events.js';
import { eth, ipv4, ipv6, tcp } from '../helpers/packets.js';

export const T0 = 1_700_000_000;

function ip(src: string, dst: string, payload: Uint8Array): Uint8Array {
  return src.includes(':') ? eth({}, ipv6({ src, dst }, payload)) : eth({}, ipv4({ src, dst }, payload));
}

export interface TimedFrame {
  t: number;
  seq: number;
  data: Uint8Array;
}

export class Timeline {
  readonly frames: TimedFrame[] = [];
  private n = 0;

  add(t: number, data: Uint8Array): void {
    this.frames.push({ t, seq: this.n++, data });
  }

  /** The frames in time order (ties in the order they were added). */
  sorted(): TimedFrame[] {
    return [...this.frames].sort((a, b) => a.t - b.t || a.seq - b.seq);
  }

  /** Replays the timeline through a new engine; returns its events. */
  run(options: CreateEngineOptions): { engine: Engine; events: NetsieveEvent[]; threats: ThreatEvent[] } {
    const engine = createEngine(options);
    const events: NetsieveEvent[] = [];
    engine.on('*', (ev) => events.push(ev));
    for (const f of this.sorted()) {
      const sec = Math.floor(f.t);
      engine.process({ data: f.data, tsSec: sec, tsNsec: Math.round((f.t - sec) * 1e9) });
    }
    engine.flush();
    return { engine, events, threats: events.filter((e): e is ThreatEvent => e.type === 'threat') };
  }

  /** The timeline as a classic pcap (Ethernet, microseconds). */
  pcap(): Uint8Array {
    const frames = this.sorted();
    let size = 24;
    for (const f of frames) size += 16 + f.data.length;
    const out = new Uint8Array(size);
    const v = new DataView(out.buffer);
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, 262144, true);
    v.setUint32(20, 1, true);
    let o = 24;
    for (const f of frames) {
      const sec = Math.floor(f.t);
      v.setUint32(o, sec, true);
      v.setUint32(o + 4, Math.round((f.t - sec) * 1e6) % 1_000_000, true);
      v.setUint32(o + 8, f.data.length, true);
      v.setUint32(o + 12, f.data.length, true);
      out.set(f.data, o + 16);
      o += 16 + f.data.length;
    }
    return out;
  }
}

/** One TCP connection on a timeline: each data segment is acknowledged by the peer a millisecond later. */
export class Conn {
  private cseq = 1000;
  private sseq = 500000;

  constructor(
    private readonly tl: Timeline,
    readonly client: string,
    readonly server: string,
    readonly sport: number,
    readonly dport: number,
  ) {}

  private cs(t: number, flags: string, payload?: Uint8Array | string): void {
    this.tl.add(
      t,
      ip(
        this.client,
        this.server,
        tcp({ sport: this.sport, dport: this.dport, flags, seq: this.cseq, ack: flags === 'S' ? 0 : this.sseq }, payload),
      ),
    );
  }

  private sc(t: number, flags: string, payload?: Uint8Array | string): void {
    this.tl.add(
      t,
      ip(this.server, this.client, tcp({ sport: this.dport, dport: this.sport, flags, seq: this.sseq, ack: this.cseq }, payload)),
    );
  }

  open(t: number): this {
    this.cs(t, 'S');
    this.cseq++;
    this.sc(t + 0.0005, 'SA');
    this.sseq++;
    this.cs(t + 0.001, 'A');
    return this;
  }

  /** Client data at `t`, acknowledged by the server. */
  c(t: number, payload: Uint8Array | string): this {
    const n = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    this.cs(t, 'PA', payload);
    this.cseq += n;
    this.sc(t + 0.0005, 'A');
    return this;
  }

  /** Server data at `t`, acknowledged by the client. */
  s(t: number, payload: Uint8Array | string): this {
    const n = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    this.sc(t, 'PA', payload);
    this.sseq += n;
    this.cs(t + 0.0005, 'A');
    return this;
  }

  close(t: number): this {
    this.cs(t, 'FA');
    this.cseq++;
    this.sc(t + 0.0005, 'FA');
    this.sseq++;
    this.cs(t + 0.001, 'A');
    return this;
  }
}

/** Threat events of one detector. */
export function threatsOf(events: ThreatEvent[], name: string): ThreatEvent[] {
  return events.filter((e) => e.threat.name === name);
}

/** Names of the detectors that fired, sorted, once each. */
export function firedNames(events: ThreatEvent[]): string[] {
  return [...new Set(events.map((e) => e.threat.name))].sort();
}
