/**
 * A minimal pcap and pcapng reader for tests, independent of src/capture/ (so the decode tests do not
 * depend on the capture stage, and the two can check each other). Reads a whole file into records; it
 * trusts the file format enough for test fixtures and throws on anything it does not understand.
 *
 * pcap: both byte orders, microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d) magic.
 * pcapng: section header (either byte order), interface description (link type, if_tsresol), enhanced,
 * simple and obsolete packet blocks; other blocks are skipped.
 */
import { readFileSync } from 'node:fs';
import { CORPUS_DIR } from '../support/corpus.js';

export interface PcapRecord {
  /** The record's bytes (a view into the file buffer). */
  data: Uint8Array;
  caplen: number;
  origlen: number;
  linkType: number;
  tsSec: number;
  tsNsec: number;
  /** 1-based frame number, as tshark counts. */
  frame: number;
}

/** Directory of the shared real-world captures (test/support/corpus.ts says where). */
export const FIXTURE_DIR = CORPUS_DIR;

export function readCapture(file: string): PcapRecord[] {
  const buf = readFileSync(file);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicBe = dv.getUint32(0, false);
  if (magicBe === 0x0a0d0d0a) return readPcapng(bytes, dv);
  return readPcap(bytes, dv);
}

function readPcap(bytes: Uint8Array, dv: DataView): PcapRecord[] {
  const m = dv.getUint32(0, true);
  let le: boolean;
  let nano: boolean;
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) {
    le = true;
    nano = m === 0xa1b23c4d;
  } else {
    const mb = dv.getUint32(0, false);
    if (mb !== 0xa1b2c3d4 && mb !== 0xa1b23c4d) throw new Error('not a pcap file');
    le = false;
    nano = mb === 0xa1b23c4d;
  }
  // The link type shares its word with FCS bits in newer files (LINKTYPE in the low 28 bits).
  const linkType = dv.getUint32(20, le) & 0x0fffffff;
  const out: PcapRecord[] = [];
  let o = 24;
  while (o + 16 <= bytes.length) {
    const sec = dv.getUint32(o, le);
    const frac = dv.getUint32(o + 4, le);
    const caplen = dv.getUint32(o + 8, le);
    const origlen = dv.getUint32(o + 12, le);
    o += 16;
    if (o + caplen > bytes.length) break; // cut in mid-record: the rest is not a packet
    out.push({
      data: bytes.subarray(o, o + caplen),
      caplen,
      origlen,
      linkType,
      tsSec: sec,
      tsNsec: nano ? frac : frac * 1000,
      frame: out.length + 1,
    });
    o += caplen;
  }
  return out;
}

interface Interface {
  linkType: number;
  /** Timestamp units per second. */
  unitsPerSec: bigint;
}

function readPcapng(bytes: Uint8Array, dv: DataView): PcapRecord[] {
  const out: PcapRecord[] = [];
  let le = true;
  let ifaces: Interface[] = [];
  let o = 0;
  while (o + 12 <= bytes.length) {
    let type = dv.getUint32(o, le);
    if (type === 0x0a0d0d0a || dv.getUint32(o, !le) === 0x0a0d0d0a) {
      const bom = dv.getUint32(o + 8, true);
      le = bom === 0x1a2b3c4d;
      type = 0x0a0d0d0a;
      ifaces = [];
    }
    const len = dv.getUint32(o + 4, le);
    if (len < 12 || o + len > bytes.length) break;
    const body = o + 8;
    if (type === 1) {
      const linkType = dv.getUint16(body, le);
      let unitsPerSec = 1_000_000n;
      // Options start after link type (2), reserved (2), snaplen (4).
      let p = body + 8;
      while (p + 4 <= o + len - 4) {
        const code = dv.getUint16(p, le);
        const olen = dv.getUint16(p + 2, le);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const r = bytes[p + 4]!;
          unitsPerSec = (r & 0x80) !== 0 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
        }
        p += 4 + ((olen + 3) & ~3);
      }
      ifaces.push({ linkType, unitsPerSec });
    } else if (type === 6 || type === 2) {
      const ifId = type === 6 ? dv.getUint32(body, le) : dv.getUint16(body, le);
      const tsHigh = dv.getUint32(body + 4, le);
      const tsLow = dv.getUint32(body + 8, le);
      const caplen = dv.getUint32(body + 12, le);
      const origlen = dv.getUint32(body + 16, le);
      const iface = ifaces[ifId] ?? { linkType: 1, unitsPerSec: 1_000_000n };
      const ts = (BigInt(tsHigh) << 32n) | BigInt(tsLow);
      const sec = ts / iface.unitsPerSec;
      const nsec = ((ts % iface.unitsPerSec) * 1_000_000_000n) / iface.unitsPerSec;
      const start = body + 20;
      out.push({
        data: bytes.subarray(start, start + caplen),
        caplen,
        origlen,
        linkType: iface.linkType,
        tsSec: Number(sec),
        tsNsec: Number(nsec),
        frame: out.length + 1,
      });
    } else if (type === 3) {
      const origlen = dv.getUint32(body, le);
      const caplen = Math.min(origlen, len - 16);
      const iface = ifaces[0] ?? { linkType: 1, unitsPerSec: 1_000_000n };
      out.push({
        data: bytes.subarray(body + 4, body + 4 + caplen),
        caplen,
        origlen,
        linkType: iface.linkType,
        tsSec: 0,
        tsNsec: 0,
        frame: out.length + 1,
      });
    }
    o += len;
  }
  return out;
}
