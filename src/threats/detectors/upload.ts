/**
 * `unusual_upload` (T1048, Exfiltration Over Alternative Protocol): a large, lopsided upload to a
 * destination that was new: first seen within `firstSeenWindowSec` before the flow started.
 *
 * What it sees, and from which hooks:
 * - `flowStarted`: each flow's server address goes into a table of destinations with the time it was first
 *   seen (and last seen, for forgetting). A flow to a destination first seen within the window (a new one)
 *   becomes a candidate: its `Flow` is kept (by reference) until it ends.
 * - `tick` (every `checkEverySec` seconds): candidates still open whose bytes to the server passed
 *   `minBytes` with the ratio met are reported at once, so a long upload is seen while it runs, not only
 *   when it ends; ended candidates are dropped.
 * - `flowEnded`: the flow's final counters are judged the same way (bytes first: one compare for the
 *   common case).
 * Bytes are the larger of what the flow counted (captured bytes, headers included) and, for TCP, the
 * sequence space each side used (`TcpSession.sequenceSpan`: its payload on the wire), so a capture that
 * kept only headers (a snaplen) still shows the upload's real size.
 * Internal destinations (RFC 1918, 100.64.0.0/10, loopback, link-local, multicast and broadcast; IPv6 ULA
 * fc00::/7, link-local, loopback, multicast) are left out unless `includeInternal`: backups and file
 * servers inside the network are not exfiltration.
 *
 * Why these thresholds: 50 MB in one flow is far above what browsing, mail or API calls send (a photo
 * upload is a few MB), and a ratio of at least 10 bytes out per byte in is what a bulk upload looks like
 * when counted on the wire (TCP acknowledgements come back at 1/20 to 1/40 of the data); a download or an
 * interactive session is the other way round or balanced. "New" is one hour: a destination the network has
 * talked to for longer is a known service (its daily backups do not fire); a capture starts with every
 * destination new, which is what a short capture of an exfiltration needs. Destinations not seen for
 * `forgetAfterSec` are forgotten (new again). Zeek has no built-in exfiltration notice (packages compare
 * orig_bytes with resp_bytes per connection in conn.log); Suricata does it with flow thresholds
 * (`flow.bytes_toserver`) in rules; this detector adds the destination's novelty.
 *
 * State: the destination table (a number key to a two-number entry) and the candidate table (flow id to
 * a small record with the flow), each a `BoundedMap` capped by `maxTracked`; destinations forgotten after
 * `forgetAfterSec`, candidates removed when their flow ends. Per flow, not per packet.
 */
import type { DecodedPacket } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import { BoundedMap, flowAddressKey, flowAddressText } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';
import { protoName } from '../../flow/flow-events.js';

export type UnusualUploadOptions = {
  minBytes: number;
  minRatio: number;
  firstSeenWindowSec: number;
  forgetAfterSec: number;
  checkEverySec: number;
  includeInternal: boolean;
};

export const unusualUpload: ThreatDetectorDef<UnusualUploadOptions> = {
  name: 'unusual_upload',
  title: 'Unusual upload to a new destination',
  description: 'A large upload (bytes out far above bytes in) to an external destination first seen shortly before it',
  category: 'Potential Corporate Privacy Violation',
  severity: 2,
  techniques: ['T1048'],
  signatureId: 1023,
  defaults: {
    minBytes: 50_000_000,
    minRatio: 10,
    firstSeenWindowSec: 3600,
    forgetAfterSec: 86400,
    checkEverySec: 5,
    includeInternal: false,
  },
  docs: {
    minBytes: 'bytes a flow must send to its server (wire bytes, to-server direction) to count as a large upload',
    minRatio: 'least ratio of bytes sent to bytes received in the flow (a bulk upload is lopsided; a download or session is not)',
    firstSeenWindowSec: 'a destination counts as new when first seen at most this many seconds before the flow started',
    forgetAfterSec: 'seconds after which a destination not seen again is forgotten (and counts as new again)',
    checkEverySec: 'seconds between checks of open flows to new destinations (a long upload is reported while it runs)',
    includeInternal: 'also judge uploads to internal destinations (RFC 1918, CGNAT, loopback, link-local, multicast, IPv6 ULA)',
  },
  create(o, ctx) {
    return new UnusualUploadDetector(o, ctx);
  },
};

interface Destination {
  first: number;
  last: number;
}

interface Candidate {
  flow: Flow;
  firstSeen: number;
  reported: boolean;
}

/** The flow's server address is internal (not the Internet): see the header. */
export function internalServer(flow: Flow): boolean {
  if (flow.ipVersion === 4) return internalV4(flow.serverAddr0 >>> 0);
  const w0 = flow.serverAddr0 >>> 0;
  const w1 = flow.serverAddr1 >>> 0;
  const w2 = flow.serverAddr2 >>> 0;
  const w3 = flow.serverAddr3 >>> 0;
  if (w0 === 0 && w1 === 0) {
    if (w2 === 0 && (w3 === 1 || w3 === 0)) return true; // ::1, ::
    if (w2 === 0xffff) return internalV4(w3); // IPv4-mapped
  }
  const top = w0 >>> 16;
  if ((top & 0xfe00) === 0xfc00) return true; // fc00::/7 ULA
  if ((top & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((top & 0xff00) === 0xff00) return true; // ff00::/8 multicast
  return false;
}

function internalV4(a: number): boolean {
  const b0 = a >>> 24;
  const b1 = (a >>> 16) & 0xff;
  if (b0 === 10 || b0 === 127 || b0 === 0) return true;
  if (b0 === 172 && (b1 & 0xf0) === 16) return true;
  if (b0 === 192 && b1 === 168) return true;
  if (b0 === 169 && b1 === 254) return true;
  if (b0 === 100 && (b1 & 0xc0) === 64) return true; // 100.64.0.0/10
  if (b0 >= 224) return true; // multicast, reserved, broadcast
  return false;
}

class UnusualUploadDetector implements ThreatDetector {
  private readonly destinations: BoundedMap<number, Destination>;
  private readonly candidates: BoundedMap<number, Candidate>;
  private nextCheck = -1;
  private nextForget = -1;

  constructor(
    private readonly o: UnusualUploadOptions,
    private readonly ctx: ThreatContext,
  ) {
    const evicted = (n: number) => ctx.evicted(n);
    this.destinations = new BoundedMap(ctx.maxTracked, evicted);
    this.candidates = new BoundedMap(ctx.maxTracked, evicted);
  }

  flowStarted(flow: Flow, _p: DecodedPacket, now: number): void {
    if (!this.o.includeInternal && internalServer(flow)) return;
    const key = flowAddressKey(flow, true);
    let d = this.destinations.get(key);
    if (d === undefined) {
      d = { first: now, last: now };
      this.destinations.set(key, d);
    } else {
      d.last = now;
      this.destinations.set(key, d); // most recently used
    }
    if (flow.startSec - d.first <= this.o.firstSeenWindowSec) {
      this.candidates.set(flow.id, { flow, firstSeen: d.first, reported: false });
    }
  }

  flowEnded(flow: Flow, now: number): void {
    const c = this.candidates.get(flow.id);
    if (c !== undefined) this.candidates.delete(flow.id);
    if (flow.bytesToServer < this.o.minBytes && (flow.tcp === null || flow.tcp.sequenceSpan(0) < this.o.minBytes)) return;
    if (c !== undefined) {
      if (!c.reported && c.flow === flow) this.judge(flow, c.firstSeen, now);
      return;
    }
    // Not a candidate: its candidate entry was evicted, or it started before this detector saw its destination.
    if (!this.o.includeInternal && internalServer(flow)) return;
    const d = this.destinations.get(flowAddressKey(flow, true));
    const first = d === undefined ? flow.startSec : d.first;
    if (flow.startSec - first <= this.o.firstSeenWindowSec) this.judge(flow, first, now);
  }

  /** Reports the flow when its counters make it a large lopsided upload; true when it did. */
  private judge(flow: Flow, firstSeen: number, now: number): boolean {
    const tcp = flow.tcp;
    const seqOut = tcp !== null ? tcp.sequenceSpan(0) : 0;
    const seqIn = tcp !== null ? tcp.sequenceSpan(1) : 0;
    const out = Math.max(flow.bytesToServer, seqOut);
    const back = Math.max(flow.bytesToClient, seqIn);
    const o = this.o;
    if (out < o.minBytes || out < o.minRatio * back) return false;
    const duration = flow.lastSec - flow.startSec + (flow.lastNsec - flow.startNsec) / 1e9;
    const ratio = back > 0 ? Math.round((out / back) * 10) / 10 : out;
    const details: Record<string, number | string | boolean | string[]> = {
      bytesOut: out,
      bytesIn: back,
      ratio,
      capturedBytesOut: flow.bytesToServer,
      capturedBytesIn: flow.bytesToClient,
      packetsOut: flow.pktsToServer,
      durationSec: Math.round(duration * 10) / 10,
      rateBytesPerSec: duration > 0 ? Math.round(out / duration) : out,
      destinationFirstSeen: new Date(firstSeen * 1000).toISOString(),
      destinationAgeAtStartSec: Math.round((flow.startSec - firstSeen) * 10) / 10,
      serverPort: flow.serverPort,
      appProto: flow.appProto ?? 'unknown',
      ended: flow.ended,
    };
    if (tcp !== null) {
      details.tcpPayloadOut = seqOut;
      details.tcpPayloadIn = seqIn;
    }
    this.ctx.report({
      now,
      attacker: flowAddressText(flow, false),
      target: flowAddressText(flow, true),
      count: out,
      details,
      flow,
      targetPort: flow.serverPort,
      proto: protoName(flow.proto),
    });
    return true;
  }

  tick(now: number): void {
    if (now >= this.nextCheck) {
      this.nextCheck = now + this.o.checkEverySec;
      const min = this.o.minBytes;
      for (const [id, c] of this.candidates.entries()) {
        const f = c.flow;
        if (f.ended) this.candidates.delete(id);
        else if (
          !c.reported &&
          (f.bytesToServer >= min || (f.tcp !== null && f.tcp.sequenceSpan(0) >= min)) &&
          this.judge(f, c.firstSeen, now)
        )
          c.reported = true;
      }
    }
    if (now >= this.nextForget) {
      this.nextForget = now + 60;
      const age = this.o.forgetAfterSec;
      this.destinations.sweep((d) => now - d.last >= age);
    }
  }

  size(): number {
    return this.destinations.size + this.candidates.size;
  }
}
