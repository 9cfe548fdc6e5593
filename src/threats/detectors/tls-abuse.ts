/**
 * TLS abuse: Heartbleed (T1190) and renegotiation storms (T1499), from what the TLS module already found.
 *
 * heartbleed — what it sees: the TLS module's Heartbleed anomalies through the `anomaly` hook:
 * - `tls.heartbeat_length_mismatch`: a cleartext heartbeat whose payload_length (+ 3 + 16 bytes of padding)
 *   exceeds its record (RFC 6520 §4): the CVE-2014-0160 request itself, from the side that raised it;
 * - `tls.heartbeat_response_oversized`: an encrypted heartbeat answered by a longer one: memory leaking out
 *   (only seen when the TLS option `afterHandshake` is `track`: after the handshake the module otherwise
 *   leaves the flow). The attacker is the side that sent the request, the other one.
 * One such event is an attack: no client sends a heartbeat that lies about its length. Suricata's TLS decoder
 * raises `tls.overflow_heartbeat_message` and `tls.dataleak_heartbeat_mismatch` and its stock rules alert on
 * one; Zeek's policy/protocols/ssl/heartbleed.zeek notices `Heartbleed::SSL_Heartbeat_Attack` and
 * `SSL_Heartbeat_Attack_Success` on the first odd request or oversized answer. A cleartext leak of 16 kB is
 * split over records, and its first record then looks short for its payload too: a mismatch from the other
 * side of a flow that already sent one is taken as the answer (the leak), not as a second attacker.
 * So `minEvents` is 1; the finding counts every event of the pair in the window.
 *
 * tls_renegotiation — what it sees:
 * - `tls.renegotiation` (anomaly hook): the TLS module raises it once per renegotiation a client begins under
 *   encryption in TLS <= 1.2 (`afterHandshake: 'track'` only). A renegotiation costs the server a full
 *   handshake's public-key work and the client far less (the thc-ssl-dos attack); browsers renegotiate at
 *   most once per connection (a client certificate asked for one path), so `minRenegotiations` (10) within
 *   `windowSec` (60) in one connection is a storm;
 * - `tls` records (record hook): one per connection at the end of its handshake; full (not resumed)
 *   handshakes with a ServerHello, counted per (client, server) pair: `minHandshakes` (100) within
 *   `windowSec` is the reconnecting form of the same attack. A browser opens at most 6 connections per host
 *   and resumes most of them; a busy API client keeps its connections alive.
 * The thresholds follow the arithmetic above.
 *
 * State: BoundedMaps: one entry per (attacker, target) pair that raised a Heartbleed anomaly (capped by
 * `maxTracked`); per connection with a renegotiation (a quarter of `maxTracked`) and per pair with full
 * handshakes in the window (the rest); swept each second, connections dropped when they end.
 */
import { formatAddress } from '../../decode/address.js';
import type { DecodedPacket } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import type { Direction } from '../../flow/stream.js';
import type { TlsHandshake } from '../../protocols/tls/events.js';
import { BoundedMap, flowAddressKey } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';

const scratch = new Uint32Array(4);
function addressText(flow: Flow, server: boolean): string {
  return formatAddress(flow.addressOf(server, scratch), flow.ipVersion);
}

// ------------------------------------------------------------------ heartbleed

const HB_REQUEST = 'tls.heartbeat_length_mismatch';
const HB_LEAK = 'tls.heartbeat_response_oversized';

export type HeartbleedOptions = { minEvents: number; windowSec: number };

interface HbPair {
  firstSec: number;
  requests: number;
  leaks: number;
  flows: number;
  lastFlowId: number;
  reported: boolean;
}

class HeartbleedDetector implements ThreatDetector {
  private readonly pairs: BoundedMap<string, HbPair>;

  constructor(
    private readonly o: HeartbleedOptions,
    private readonly ctx: ThreatContext,
  ) {
    this.pairs = new BoundedMap(ctx.maxTracked, (n) => ctx.evicted(n));
  }

  anomaly(name: string, flow: Flow | null, _p: DecodedPacket | null, now: number, dir?: Direction): void {
    if (flow === null) return;
    const leak = name === HB_LEAK;
    if (!leak && name !== HB_REQUEST) return;
    // The attacker: the request's sender; a leak is the answer to the other side's request. Without a
    // direction, the usual case: the client attacks the server.
    const attackerIsServer = dir === undefined ? false : leak ? dir === 0 : dir === 1;
    const a = flowAddressKey(flow, attackerIsServer);
    const t = flowAddressKey(flow, !attackerIsServer);
    if (!leak) {
      // A mismatch answering the other side's on the same flow is the response: a cleartext response to a
      // 16 kB request is split over records, and its first record then looks short for its payload. It is
      // the leak, counted for the request's sender.
      const asked = this.pairs.get(`${t}>${a}`);
      if (asked !== undefined && asked.lastFlowId === flow.id && asked.requests > 0) {
        asked.leaks++;
        return;
      }
    }
    const key = `${a}>${t}`;
    let pair = this.pairs.get(key);
    if (pair === undefined || now - pair.firstSec > this.o.windowSec) {
      pair = { firstSec: now, requests: 0, leaks: 0, flows: 0, lastFlowId: -1, reported: false };
      this.pairs.set(key, pair);
    }
    if (leak) pair.leaks++;
    else pair.requests++;
    if (pair.lastFlowId !== flow.id) {
      pair.lastFlowId = flow.id;
      pair.flows++;
    }
    const count = pair.requests + pair.leaks;
    if (pair.reported || count < this.o.minEvents) return;
    pair.reported = true;
    const anomalies: string[] = [];
    if (pair.requests > 0) anomalies.push(HB_REQUEST);
    if (pair.leaks > 0) anomalies.push(HB_LEAK);
    this.ctx.report({
      now,
      attacker: addressText(flow, attackerIsServer),
      target: addressText(flow, !attackerIsServer),
      count,
      details: {
        requests: pair.requests,
        leaks: pair.leaks,
        flows: pair.flows,
        serverPort: flow.serverPort,
        attackerSide: attackerIsServer ? 'server' : 'client',
        form: leak ? 'encrypted_leak' : 'cleartext_request',
      },
      flow,
      anomalies,
    });
  }

  tick(now: number): void {
    const w = this.o.windowSec;
    this.pairs.sweep((p) => now - p.firstSec > w);
  }

  size(): number {
    return this.pairs.size;
  }
}

/** What both TLS detectors need of the TLS module (`ThreatDetectorDef.appDefaults`). */
const TRACK_AFTER_HANDSHAKE = { tls: { afterHandshake: 'track' } } as const;

export const heartbleed: ThreatDetectorDef<HeartbleedOptions> = {
  name: 'heartbleed',
  title: 'Heartbleed',
  description:
    'TLS heartbeat requests claiming more payload than they carry, and encrypted heartbeat responses longer than their request (CVE-2014-0160)',
  category: 'Attempted Information Leak',
  severity: 1,
  techniques: ['T1190'],
  signatureId: 1015,
  defaults: { minEvents: 1, windowSec: 60 },
  docs: {
    minEvents: 'Heartbleed requests or leaking responses between one attacker and one target that make a threat',
    windowSec: 'Seconds over which a pair’s events add up (the count in the finding)',
  },
  anomalies: [HB_REQUEST, HB_LEAK],
  // The leak of an encrypted Heartbleed is in a record after the handshake: the TLS module follows record
  // headers there (as Suricata does by default) unless the caller chose `stop`.
  appDefaults: TRACK_AFTER_HANDSHAKE,
  create: (o, ctx) => new HeartbleedDetector(o, ctx),
};

// ------------------------------------------------------------------ tls_renegotiation

const RENEGOTIATION = 'tls.renegotiation';

export type TlsRenegotiationOptions = { minRenegotiations: number; minHandshakes: number; windowSec: number };

interface Conn {
  firstSec: number;
  count: number;
  reported: boolean;
}

interface HsPair {
  firstSec: number;
  full: number;
  resumed: number;
  reported: boolean;
  sni: string | null;
}

class TlsRenegotiationDetector implements ThreatDetector {
  private readonly conns: BoundedMap<number, Conn>;
  private readonly pairs: BoundedMap<string, HsPair>;

  constructor(
    private readonly o: TlsRenegotiationOptions,
    private readonly ctx: ThreatContext,
  ) {
    // Two tables sharing the cap: renegotiating connections are few, handshaking pairs many.
    const connCap = Math.max(1, Math.floor(ctx.maxTracked / 4));
    this.conns = new BoundedMap(connCap, (n) => ctx.evicted(n));
    this.pairs = new BoundedMap(Math.max(1, ctx.maxTracked - connCap), (n) => ctx.evicted(n));
  }

  anomaly(name: string, flow: Flow | null, _p: DecodedPacket | null, now: number): void {
    if (flow === null || name !== RENEGOTIATION) return;
    let c = this.conns.get(flow.id);
    if (c === undefined || now - c.firstSec > this.o.windowSec) {
      c = { firstSec: now, count: 0, reported: false };
      this.conns.set(flow.id, c);
    }
    c.count++;
    if (c.reported || c.count < this.o.minRenegotiations) return;
    c.reported = true;
    const span = now - c.firstSec;
    this.ctx.report({
      now,
      attacker: addressText(flow, false),
      target: addressText(flow, true),
      count: c.count,
      details: {
        form: 'renegotiation',
        renegotiations: c.count,
        seconds: Math.round(span * 1000) / 1000,
        perSecond: span > 0 ? Math.round((c.count / span) * 100) / 100 : c.count,
        serverPort: flow.serverPort,
      },
      flow,
      anomalies: [RENEGOTIATION],
    });
  }

  record(flow: Flow, type: string, payload: object, now: number): void {
    if (type !== 'tls') return;
    const r = payload as TlsHandshake;
    if (r === null || typeof r !== 'object' || r.serverHello === null || r.serverHello === undefined) return;
    const resumed = r.resumption?.resumed === true;
    const key = `${flowAddressKey(flow, false)}>${flowAddressKey(flow, true)}:${flow.serverPort}`;
    let pair = this.pairs.get(key);
    if (pair === undefined || now - pair.firstSec > this.o.windowSec) {
      pair = { firstSec: now, full: 0, resumed: 0, reported: false, sni: null };
      this.pairs.set(key, pair);
    }
    if (resumed) {
      pair.resumed++;
      return;
    }
    pair.full++;
    if (pair.sni === null && typeof r.sni === 'string') pair.sni = r.sni;
    if (pair.reported || pair.full < this.o.minHandshakes) return;
    pair.reported = true;
    const span = now - pair.firstSec;
    const details: Record<string, number | string | boolean | string[]> = {
      form: 'handshakes',
      fullHandshakes: pair.full,
      resumedHandshakes: pair.resumed,
      seconds: Math.round(span * 1000) / 1000,
      perSecond: span > 0 ? Math.round((pair.full / span) * 100) / 100 : pair.full,
    };
    if (pair.sni !== null) details.sni = pair.sni;
    this.ctx.report({
      now,
      attacker: addressText(flow, false),
      target: addressText(flow, true),
      count: pair.full,
      details,
      targetPort: flow.serverPort,
      proto: 'TCP',
    });
  }

  flowEnded(flow: Flow): void {
    this.conns.delete(flow.id);
  }

  tick(now: number): void {
    const w = this.o.windowSec;
    this.conns.sweep((c) => now - c.firstSec > w);
    this.pairs.sweep((p) => now - p.firstSec > w);
  }

  size(): number {
    return this.conns.size + this.pairs.size;
  }
}

export const tlsRenegotiation: ThreatDetectorDef<TlsRenegotiationOptions> = {
  name: 'tls_renegotiation',
  title: 'TLS renegotiation storm',
  description:
    'Many TLS renegotiations in one connection, or many full TLS handshakes from one client to one server, in a short time',
  category: 'Attempted Denial of Service',
  severity: 2,
  techniques: ['T1499'],
  signatureId: 1016,
  defaults: { minRenegotiations: 10, minHandshakes: 100, windowSec: 60 },
  docs: {
    minRenegotiations:
      'Client renegotiations in one connection within windowSec that make a storm (needs TLS afterHandshake track)',
    minHandshakes: 'Full (not resumed) TLS handshakes from one client to one server port within windowSec that make a storm',
    windowSec: 'Seconds over which renegotiations and handshakes are counted',
  },
  records: ['tls'],
  anomalies: [RENEGOTIATION],
  // Renegotiations are encrypted handshake records after the first handshake: seen only when tracked.
  appDefaults: TRACK_AFTER_HANDSHAKE,
  create: (o, ctx) => new TlsRenegotiationDetector(o, ctx),
};
