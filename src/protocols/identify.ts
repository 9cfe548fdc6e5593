/**
 * Port-independent protocol detection, one `FlowDetector` per flow: every direction's first bytes are
 * offered to the probes of the registry (those whose well-known ports include the flow's server port
 * first), until one answers MINE, all answer NOT_MINE, or the budget is spent (bytes and chunks per
 * direction, as Zeek's DPD and nDPI bound theirs).
 *
 * What the probes were shown is kept (a copy, within the byte budget) and replayed to the winner's parser,
 * in arrival order, so that the parser sees each stream from its first byte.
 */
import type { Direction } from '../flow/stream.js';
import { Probe, type AnyProtocolModule, type ProbeContext, type Transport } from './module.js';

/** How sure the flow's `appProto` is. */
export type AppProtoConfidence = 'dpi' | 'port' | 'unknown';

export interface DetectionOptions {
  /**
   * Bytes of each direction offered to the probes before detection gives up. Default 4096: every probe
   * decides on a request or reply line, a record header or a message header, all well within it.
   */
  maxBytes: number;
  /** Chunks (TCP deliveries, UDP datagrams) of each direction offered before giving up. Default 16. */
  maxChunks: number;
}

export const DEFAULT_DETECTION: DetectionOptions = { maxBytes: 4096, maxChunks: 16 };

/** The detection's result. */
export interface Detection {
  module: AnyProtocolModule | null;
  name: string | null;
  confidence: AppProtoConfidence;
  /** The protocol the server port is well known for, when that is another one (a `protocol_mismatch`). */
  mismatch: string | null;
}

/** The module whose well-known ports include `port` for `transport`, if any. */
export function moduleOfPort(
  modules: readonly AnyProtocolModule[],
  transport: Transport,
  port: number,
): AnyProtocolModule | null {
  for (const m of modules) if (m.ports[transport]?.includes(port)) return m;
  return null;
}

export class FlowDetector {
  /** Candidates still possible, port-hinted ones first. */
  private candidates: AnyProtocolModule[];
  private readonly ctx: ProbeContext;
  /** Bytes shown so far per direction (TCP: the stream's first bytes, concatenated). */
  private readonly seen: [Uint8Array, Uint8Array];
  private readonly seenLen = [0, 0];
  /** Where the probes' view of each direction starts: 0, or the first byte after a gap. */
  private readonly probeFrom = [0, 0];
  private readonly chunks = [0, 0];
  /**
   * What was shown, in arrival order, to replay to the winner (TCP: stream bytes; UDP: datagrams), and
   * where bytes beyond the budget were neither probed nor kept (`gap`: a gap for a parser chosen later).
   */
  readonly replay: { direction: Direction; bytes: Uint8Array | null; gap: number }[] = [];
  /** Bytes of the last chunk offered that were kept (the rest of it was beyond the byte budget). */
  lastTake = 0;
  result: Detection | null = null;

  constructor(
    private readonly modules: readonly AnyProtocolModule[],
    private readonly transport: Transport,
    serverPort: number,
    clientPort: number,
    private readonly options: DetectionOptions,
    /** A probe threw (a bug in it): reported, and the flow goes on without that probe. */
    private readonly onProbeError: ((module: AnyProtocolModule, error: unknown) => void) | null = null,
  ) {
    const hinted = modules.filter((m) => m.transports.includes(transport) && m.ports[transport]?.includes(serverPort));
    const others = modules.filter((m) => m.transports.includes(transport) && !hinted.includes(m));
    this.candidates = [...hinted, ...others];
    this.ctx = { transport, direction: 0, serverPort, clientPort };
    this.seen = [new Uint8Array(0), new Uint8Array(0)];
    if (this.candidates.length === 0) this.finish(null);
  }

  /**
   * Offers bytes of one direction (a TCP chunk, or a UDP datagram). Returns the detection once decided
   * (then and on every later call), null while undecided.
   */
  offer(direction: Direction, data: Uint8Array, start: number, end: number): Detection | null {
    if (this.result !== null) return this.result;
    const d = direction;
    const room = this.options.maxBytes - this.seenLen[d]!;
    const take = Math.min(room, end - start);
    this.lastTake = Math.max(0, take);
    // A datagram is kept whole or not at all (a parser cannot use half of one).
    if (take > 0 && (this.transport === 'tcp' || take === end - start))
      this.replay.push({ direction: d, bytes: data.slice(start, start + take), gap: 0 });
    this.chunks[d]!++;
    let buf: Uint8Array;
    let from: number;
    let to: number;
    if (this.transport === 'udp') {
      // A datagram is a message of its own: probe it alone.
      buf = data;
      from = start;
      to = start + take;
      this.seenLen[d]! += take;
    } else {
      buf = this.append(d, data, start, take);
      from = this.probeFrom[d]!;
      to = this.seenLen[d]!;
    }
    this.ctx.direction = d;
    const still: AnyProtocolModule[] = [];
    for (const m of this.candidates) {
      let r: number;
      try {
        r = m.probe(buf, from, to, this.ctx);
      } catch (e) {
        r = Probe.NOT_MINE; // a probe that throws is a bug in it; the flow goes on without it
        if (this.onProbeError !== null) this.onProbeError(m, e);
      }
      if (r === Probe.MINE) return this.finish(m);
      if (r === Probe.NEED_MORE) still.push(m);
    }
    this.candidates = still;
    if (still.length === 0) return this.finish(null);
    const spent = (x: 0 | 1) => this.seenLen[x]! >= this.options.maxBytes || this.chunks[x]! >= this.options.maxChunks;
    // Both directions spent: undecidable. (One spent: the other may still tell, e.g. a client that speaks
    // after a long banner; the flow's end decides if it never does.)
    if (spent(0) && spent(1)) return this.finish(null, true);
    // Still undecided: what of this chunk was beyond the budget is lost to a parser chosen later.
    if (end - start > take) this.drop(d, end - start - Math.max(0, take));
    return null;
  }

  /**
   * After a decision on a chunk whose bytes were beyond the budget (`lastTake` of it kept): the earlier
   * dropped bytes become gaps in the replay; the chunk's own rest is the caller's to deliver.
   */
  private drop(d: Direction, n: number): void {
    const last = this.replay[this.replay.length - 1];
    if (last !== undefined && last.bytes === null && last.direction === d) last.gap = last.gap < 0 ? -1 : last.gap + n;
    else this.replay.push({ direction: d, bytes: null, gap: n });
  }

  /**
   * Bytes of a TCP direction were lost before a decision. The gap goes into the replay (a parser chosen
   * later learns of it), and the probes see what follows as a stream of its own: a request line after the
   * gap is still HTTP, and the other direction may decide alone (a response whose request was lost).
   */
  gap(direction: Direction, length: number): void {
    if (this.result !== null) return;
    if (length < 0)
      this.replay.push({ direction, bytes: null, gap: -1 }); // of unknown length
    else this.drop(direction, length);
    this.probeFrom[direction] = this.seenLen[direction]!;
  }

  /** The flow ended before a decision: decide on what is known. */
  giveUp(): Detection {
    return this.result ?? this.finish(null, true);
  }

  private append(d: Direction, data: Uint8Array, start: number, take: number): Uint8Array {
    const len = this.seenLen[d]!;
    let buf = this.seen[d]!;
    if (len + take > buf.length) {
      const grown = new Uint8Array(Math.min(this.options.maxBytes, Math.max(256, (len + take) * 2)));
      grown.set(buf.subarray(0, len));
      buf = this.seen[d] = grown;
    }
    buf.set(data.subarray(start, start + take), len);
    this.seenLen[d] = len + take;
    return buf;
  }

  private finish(module: AnyProtocolModule | null, undecided = false): Detection {
    const byPort = moduleOfPort(this.modules, this.transport, this.ctx.serverPort);
    let result: Detection;
    if (module !== null) {
      result = {
        module,
        name: module.name,
        confidence: 'dpi',
        mismatch: byPort !== null && byPort !== module ? byPort.name : null,
      };
    } else if (undecided && byPort !== null && this.candidates.includes(byPort)) {
      // No probe could tell (no payload, or the budget ran out while the port's protocol was still
      // possible): the port's protocol, said to be a guess. Its parser is not run.
      result = { module: null, name: byPort.name, confidence: 'port', mismatch: null };
    } else {
      result = { module: null, name: null, confidence: 'unknown', mismatch: null };
    }
    this.seen[0] = this.seen[1] = new Uint8Array(0);
    if (module === null) this.replay.length = 0;
    this.result = result;
    return result;
  }
}
