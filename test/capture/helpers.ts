/**
 * Helpers for the capture tests: the fixture directory, a seeded PRNG, a reader drain that keeps the
 * packets delivered before an error, and byte builders for hand-made files that do not share code with
 * src/capture's writer (so a writer bug cannot hide the same reader bug).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CORPUS_DIR, corpusPresent, REPO_ROOT } from '../support/corpus.js';
import { isNetsieveError, type NetsieveError } from '../../src/errors.js';
import { copyPacket, type CaptureReader, type RecordedPacket, type SyncCaptureReader } from '../../src/capture/reader.js';
export { mulberry32 } from '../helpers/packets.js';

export { REPO_ROOT };
/** The shared corpus (test/support/corpus.ts says where; its global setup says once when it is absent). */
export const FIXTURES = CORPUS_DIR;
export const HAVE_FIXTURES = corpusPresent;

export function fixtureFiles(): string[] {
  if (!HAVE_FIXTURES) return [];
  return fs
    .readdirSync(FIXTURES)
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort();
}

export interface Truth {
  frames: number;
  tshark_stderr: string | null;
}

export function truthOf(file: string): Truth {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'truth', `${file}.json`), 'utf8')) as Truth;
}

export interface Drained {
  packets: RecordedPacket[];
  error: NetsieveError | null;
}

/** Pumps a reader to the end, keeping copies of the packets and the NetsieveError that ended it (if any). */
export async function drain(r: CaptureReader): Promise<Drained> {
  const packets: RecordedPacket[] = [];
  try {
    while (await r.pump((p) => packets.push(copyPacket(p)))) {
      // collected by the callback
    }
    return { packets, error: null };
  } catch (e) {
    if (!isNetsieveError(e)) throw e;
    return { packets, error: e };
  } finally {
    r.close();
  }
}

export function drainSync(r: SyncCaptureReader): Drained {
  const packets: RecordedPacket[] = [];
  try {
    while (r.pumpSync((p) => packets.push(copyPacket(p)))) {
      // collected by the callback
    }
    return { packets, error: null };
  } catch (e) {
    if (!isNetsieveError(e)) throw e;
    return { packets, error: e };
  } finally {
    r.close();
  }
}

/** Async iterable yielding `bytes` in pieces whose sizes come from `size()`. */
export async function* chunked(bytes: Uint8Array, size: () => number): AsyncGenerator<Uint8Array> {
  let p = 0;
  while (p < bytes.length) {
    const n = Math.max(1, Math.min(size(), bytes.length - p));
    // A fresh copy per chunk, as a real stream hands over its own buffers.
    yield bytes.slice(p, p + n);
    p += n;
  }
}

/** The fields a reader must reproduce exactly, for comparing two reads of the same capture. */
export function summary(p: RecordedPacket): string {
  return `${p.index} ${p.tsSec}.${String(p.tsNsec).padStart(9, '0')} ${p.caplen}/${p.origlen} lt=${p.linkType} if=${p.interfaceIndex} fcs=${p.fcsLength} @${p.fileOffset} ${Buffer.from(p.data).toString('hex')}`;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Bytes of a packet whose content encodes its number (so a misplaced packet shows). */
export function payload(n: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (n * 31 + i * 7) & 0xff;
  return b;
}

// ---- hand-built classic pcap ----

export interface PcapHeaderSpec {
  le?: boolean;
  magic?: number;
  major?: number;
  minor?: number;
  snaplen?: number;
  linkField?: number;
}

export function pcapHeader(s: PcapHeaderSpec = {}): Uint8Array {
  const le = s.le ?? true;
  const b = new Uint8Array(24);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, s.magic ?? 0xa1b2c3d4, le);
  dv.setUint16(4, s.major ?? 2, le);
  dv.setUint16(6, s.minor ?? 4, le);
  dv.setUint32(16, s.snaplen ?? 65535, le);
  dv.setUint32(20, s.linkField ?? 1, le);
  return b;
}

export interface PcapRecordSpec {
  le?: boolean;
  sec: number;
  frac: number;
  data: Uint8Array;
  caplen?: number;
  origlen?: number;
  /** Extra bytes after the 16-byte header (the modified format's 8). */
  extra?: number;
}

export function pcapRecord(r: PcapRecordSpec): Uint8Array {
  const le = r.le ?? true;
  const extra = r.extra ?? 0;
  const b = new Uint8Array(16 + extra + r.data.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, r.sec, le);
  dv.setUint32(4, r.frac, le);
  dv.setUint32(8, r.caplen ?? r.data.length, le);
  dv.setUint32(12, r.origlen ?? r.data.length, le);
  b.set(r.data, 16 + extra);
  return b;
}

// ---- hand-built pcapng ----

/** A block: type, body (padded to 4), both lengths; `lengthOverride`/`trailerOverride` to damage it. */
export function block(
  type: number,
  body: Uint8Array,
  le = true,
  o: { lengthOverride?: number; trailerOverride?: number } = {},
): Uint8Array {
  const total = 12 + ((body.length + 3) & ~3);
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, type, le);
  dv.setUint32(4, o.lengthOverride ?? total, le);
  b.set(body, 8);
  dv.setUint32(total - 4, o.trailerOverride ?? o.lengthOverride ?? total, le);
  return b;
}

export function shb(le = true, major = 1, bom = 0x1a2b3c4d): Uint8Array {
  const body = new Uint8Array(16);
  const dv = new DataView(body.buffer);
  dv.setUint32(0, bom, le);
  dv.setUint16(4, major, le);
  dv.setUint16(6, 0, le);
  dv.setInt32(8, -1, le);
  dv.setInt32(12, -1, le);
  return block(0x0a0d0d0a, body, le);
}

/** An option list: [code, value bytes]..., then opt_endofopt. */
export function options(le: boolean, opts: Array<[number, Uint8Array]>): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  for (const [code, v] of opts) {
    const h = new Uint8Array(4 + ((v.length + 3) & ~3));
    const dv = new DataView(h.buffer);
    dv.setUint16(0, code, le);
    dv.setUint16(2, v.length, le);
    h.set(v, 4);
    parts.push(h);
  }
  parts.push(new Uint8Array(4));
  return concat(...parts);
}

export function idb(le: boolean, linkType: number, snaplen: number, opts: Array<[number, Uint8Array]> = []): Uint8Array {
  const head = new Uint8Array(8);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, linkType, le);
  dv.setUint32(4, snaplen, le);
  return block(1, concat(head, options(le, opts)), le);
}

export function epb(
  le: boolean,
  ifId: number,
  ticks: bigint,
  data: Uint8Array,
  o: { caplen?: number; origlen?: number; opts?: Array<[number, Uint8Array]> } = {},
): Uint8Array {
  const head = new Uint8Array(20);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, ifId, le);
  dv.setUint32(4, Number(ticks >> 32n), le);
  dv.setUint32(8, Number(ticks & 0xffffffffn), le);
  dv.setUint32(12, o.caplen ?? data.length, le);
  dv.setUint32(16, o.origlen ?? data.length, le);
  const padded = new Uint8Array((data.length + 3) & ~3);
  padded.set(data);
  return block(6, concat(head, padded, options(le, o.opts ?? [])), le);
}

export function opb(le: boolean, ifId: number, ticks: bigint, data: Uint8Array, origlen = data.length): Uint8Array {
  const head = new Uint8Array(20);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, ifId, le);
  dv.setUint16(2, 0, le); // drops
  dv.setUint32(4, Number(ticks >> 32n), le);
  dv.setUint32(8, Number(ticks & 0xffffffffn), le);
  dv.setUint32(12, data.length, le);
  dv.setUint32(16, origlen, le);
  return block(2, concat(head, data), le);
}

export function spb(le: boolean, origlen: number, data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4);
  new DataView(head.buffer).setUint32(0, origlen, le);
  return block(3, concat(head, data), le);
}

export function u8(...xs: number[]): Uint8Array {
  return Uint8Array.from(xs);
}

export function i64(v: bigint, le: boolean): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v, le);
  return b;
}
