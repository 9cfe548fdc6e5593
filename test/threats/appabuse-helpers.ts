/**
 * Helpers of the application-abuse detectors' tests (http_smuggling, slowloris, slow_post, heartbleed,
 * tls_renegotiation): a context that keeps what detectors report, and flows made by hand with the fields
 * those detectors read (addresses, ports, appProto, the reassembler's delivered bytes).
 */
import { parseAddress } from '../../src/decode/address.js';
import { Flow } from '../../src/flow/flow.js';
import type { TcpSession } from '../../src/flow/tcp-session.js';
import type {
  ThreatContext,
  ThreatDetector,
  ThreatDetectorDef,
  ThreatFinding,
  ThreatThresholds,
} from '../../src/threats/types.js';

export interface FakeContext extends ThreatContext {
  findings: ThreatFinding[];
  evictions: number;
}

export function fakeContext(maxTracked = 65536): FakeContext {
  const ctx: FakeContext = {
    findings: [],
    evictions: 0,
    maxTracked,
    report(f: ThreatFinding): void {
      ctx.findings.push(f);
    },
    evicted(n = 1): void {
      ctx.evictions += n;
    },
  };
  return ctx;
}

/** A detector of `def` with its defaults overridden by `options`. */
export function make<O extends ThreatThresholds>(
  def: ThreatDetectorDef<O>,
  options: Partial<O> = {},
  maxTracked = 65536,
): { d: ThreatDetector; ctx: FakeContext } {
  const ctx = fakeContext(maxTracked);
  return { d: def.create({ ...def.defaults, ...options } as O, ctx), ctx };
}

/** The reassembler's per-direction counters a detector reads, settable by the test. */
export interface FakeStreams {
  toServer: number;
  toClient: number;
}

let nextId = 1;

/** A TCP flow from `client`:`sport` to `server`:`dport` (IPv4 or IPv6 by the text), with settable stream bytes. */
export function tcpFlow(
  client: string,
  server: string,
  sport: number,
  dport: number,
  opts: { appProto?: string | null; startSec?: number } = {},
): Flow & { streams: FakeStreams } {
  const f = new Flow() as Flow & { streams: FakeStreams };
  const w = new Uint32Array(4);
  f.ipVersion = parseAddress(client, w);
  f.setAddress(false, w);
  parseAddress(server, w);
  f.setAddress(true, w);
  f.id = nextId++;
  f.proto = 6;
  f.clientPort = sport;
  f.serverPort = dport;
  f.appProto = opts.appProto === undefined ? 'http' : opts.appProto;
  f.startSec = f.lastSec = opts.startSec ?? 0;
  const toServer = { bytesDelivered: 0 };
  const toClient = { bytesDelivered: 0 };
  const streams: FakeStreams = {
    get toServer() {
      return toServer.bytesDelivered;
    },
    set toServer(v: number) {
      toServer.bytesDelivered = v;
    },
    get toClient() {
      return toClient.bytesDelivered;
    },
    set toClient(v: number) {
      toClient.bytesDelivered = v;
    },
  };
  f.streams = streams;
  f.tcp = { stats: [toServer, toClient] } as unknown as TcpSession;
  return f;
}

/** A dummy packet argument (the detectors here do not read it). */
export const NO_PACKET = null as never;
