/**
 * Shared by the tests of dns_tunnel, dns_spoof, icmp_tunnel and arp_spoof: a recording threat context,
 * flows and DNS messages built from text, frames decoded by the real decoder, and seeded random text.
 */
import { parseAddress } from '../../src/decode/address.js';
import { Decoder } from '../../src/decode/decoder.js';
import { DecodedPacket } from '../../src/decode/packet.js';
import { Flow, FlowKind } from '../../src/flow/flow.js';
import { defaultOptions } from '../../src/options.js';
import type { DnsMessage } from '../../src/protocols/dns/events.js';
import type { ThreatFinding } from '../../src/threats/types.js';
import { eth } from '../helpers/packets.js';
import { type BuildRR, buildMessage, parseOne } from '../protocols/dns/helpers.js';

export interface Recording {
  ctx: { report(f: ThreatFinding): void; maxTracked: number; evicted(n?: number): void };
  findings: ThreatFinding[];
  evictions: number;
}

/** A threat context that records findings and evictions. */
export function recording(maxTracked = 10_000): Recording {
  const r: Recording = {
    findings: [],
    evictions: 0,
    ctx: {
      maxTracked,
      report: (f) => r.findings.push(f),
      evicted: (n = 1) => {
        r.evictions += n;
      },
    },
  };
  return r;
}

/** A flow between two addresses (text), IPv4 or IPv6 by the text. */
export function flowOf(client: string, clientPort: number, server: string, serverPort: number, proto = 17): Flow {
  const f = new Flow();
  const w = new Uint32Array(4);
  f.ipVersion = parseAddress(client, w);
  f.setAddress(false, w);
  w.fill(0);
  parseAddress(server, w);
  f.setAddress(true, w);
  f.clientPort = clientPort;
  f.serverPort = serverPort;
  f.proto = proto;
  f.kind = proto === 17 ? FlowKind.UDP : proto === 6 ? FlowKind.TCP : FlowKind.ICMP;
  return f;
}

/** A DNS query record as the parser makes it (to the server). */
export function dnsQuery(name: string, type = 1, id = 0x1234): DnsMessage {
  const msg = parseOne(buildMessage({ id, flags: 0x0100, questions: [{ name, type }] }), 0).msg;
  if (msg === undefined) throw new Error(`query for ${name} did not parse`);
  return msg;
}

/** A DNS response record (to the client) with the given answers. */
export function dnsResponse(
  name: string,
  type: number,
  answers: BuildRR[],
  opts: { id?: number; flags?: number; querySeen?: boolean } = {},
): DnsMessage {
  const bytes = buildMessage({ id: opts.id ?? 0x1234, flags: opts.flags ?? 0x8180, questions: [{ name, type }], answers });
  const msg = parseOne(bytes, 1).msg;
  if (msg === undefined) throw new Error(`response for ${name} did not parse`);
  if (opts.querySeen !== undefined) msg.querySeen = opts.querySeen;
  return msg;
}

/** An A record's RDATA. */
export function aRecord(name: string, address: string): BuildRR {
  return { name, type: 1, ttl: 300, rdata: address.split('.').map(Number) };
}

const decoder = new Decoder({ decode: defaultOptions().decode, fragments: defaultOptions().fragments });

/** Decodes an Ethernet frame (`caplen` bytes of it captured) into a fresh packet. */
export function decodeFrame(frame: Uint8Array, tsSec = 1000, caplen = frame.length): DecodedPacket {
  const p = new DecodedPacket();
  decoder.decode(frame, 0, caplen, frame.length, 1, Math.floor(tsSec), Math.round((tsSec % 1) * 1e9), p);
  return p;
}

/** An ARP frame (Ethernet/IPv4). */
export function arpFrame(o: {
  op: 1 | 2;
  senderMac: string;
  senderIp: string;
  targetMac?: string;
  targetIp: string;
  dst?: string;
}): Uint8Array {
  const b = new Uint8Array(28);
  b.set([0, 1, 8, 0, 6, 4, 0, o.op], 0);
  b.set(mac(o.senderMac), 8);
  b.set(o.senderIp.split('.').map(Number), 14);
  b.set(mac(o.targetMac ?? '00:00:00:00:00:00'), 18);
  b.set(o.targetIp.split('.').map(Number), 24);
  return eth(
    { src: o.senderMac, dst: o.dst ?? (o.op === 1 ? 'ff:ff:ff:ff:ff:ff' : (o.targetMac ?? 'ff:ff:ff:ff:ff:ff')), type: 0x0806 },
    b,
  );
}

function mac(text: string): number[] {
  return text.split(':').map((x) => parseInt(x, 16));
}

/** `n` characters from `alphabet`, drawn with `rand`. */
export function randomText(rand: () => number, n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz234567'): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

/** `n` random bytes. */
export function randomBytes(rand: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** A random IPv4 address in 10.0.0.0/8 .. 223.x (never multicast), from `rand`. */
export function randomIpv4(rand: () => number): string {
  return `${1 + Math.floor(rand() * 222)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`;
}
