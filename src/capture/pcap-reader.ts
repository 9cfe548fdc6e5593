/**
 * Classic libpcap files (draft-ietf-opsawg-pcap; pcap-savefile(5)).
 *
 * A 24-byte file header, then records of a 16-byte header (seconds, fraction, captured length, original
 * length) and the captured bytes. The magic number gives the byte order and the fraction's unit: µs for
 * 0xa1b2c3d4, ns for 0xa1b23c4d. 0xa1b2cd34 is Alexey Kuznetsov's "modified" format, whose record header
 * carries 8 more bytes (interface index, protocol, packet type) that netsieve skips.
 *
 * The header's snaplen is not trusted for anything but a sanity bound: files with snaplen 0, or with
 * records larger than it, exist. A record is damaged only when its captured length is beyond what any
 * capture could hold: above both 256 KiB (libpcap's largest snaplen) and the file's snaplen, or above
 * the hard cap of 256 MiB whatever the header says.
 */
import { NetsieveError } from '../errors.js';
import { CaptureAnomaly } from './events.js';
import type { InputBuffer } from './input-buffer.js';
import { CaptureReaderBase, type PacketCallback } from './reader-base.js';

/** libpcap's MAXIMUM_SNAPLEN: no capture tool writes more per packet, whatever the file says. */
export const PCAP_MAX_PLAUSIBLE_CAPLEN = 262144;
/** Never buffer more than this for one record, even when a file's snaplen claims more. */
export const PCAP_HARD_MAX_CAPLEN = 256 << 20;

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;

export const PCAP_FILE_HEADER_LENGTH = 24;

/** Whether the caplen/len fields of records must be swapped (libpcap: files before version 2.3 wrote them in the other order). */
const LengthOrder = { Normal: 0, Swapped: 1, MaybeSwapped: 2 } as const;
type LengthOrder = (typeof LengthOrder)[keyof typeof LengthOrder];

/** The byte order and kind a 4-byte magic number means, or null if it is not a classic pcap magic. */
export function classifyPcapMagic(
  b0: number,
  b1: number,
  b2: number,
  b3: number,
): { littleEndian: boolean; nanosecond: boolean; modified: boolean } | null {
  const be = ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
  const le = ((b3 << 24) | (b2 << 16) | (b1 << 8) | b0) >>> 0;
  for (const [v, littleEndian] of [
    [be, false],
    [le, true],
  ] as const) {
    if (v === PCAP_MAGIC_USEC) return { littleEndian, nanosecond: false, modified: false };
    if (v === PCAP_MAGIC_NSEC) return { littleEndian, nanosecond: true, modified: false };
    if (v === PCAP_MAGIC_MODIFIED) return { littleEndian, nanosecond: false, modified: true };
  }
  return null;
}

export class PcapReader extends CaptureReaderBase {
  readonly format = 'pcap' as const;
  /** Link type from the header's low 16 bits (the FCS information above them is in `fcsLength`). */
  readonly linkType: number;
  /**
   * FCS bytes at the end of every packet when the header says so (the P bit with the FCS length in
   * 16-bit words, bits 26 and 28–31 of the link type field); 0 when absent or not stated.
   */
  readonly fcsLength: number;
  readonly snaplen: number;
  readonly nanosecond: boolean;
  readonly littleEndian: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** Kuznetsov's modified format (24-byte record headers). */
  readonly modified: boolean;

  private readonly recordHeaderLength: number;
  private readonly nsPerTick: number;
  private readonly ticksPerSecond: number;
  private readonly maxCaplen: number;
  private readonly lengthOrder: LengthOrder;

  /** Reads the file header at `input.start`; the caller made sure 24 bytes are there unless the input is shorter. */
  constructor(input: InputBuffer) {
    super(input);
    const s = input.start;
    const b = input.buf;
    const kind = classifyPcapMagic(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    if (kind === null)
      throw new NetsieveError('NS_ERR_CAPTURE_FORMAT', 'not a pcap file (bad magic number)', {
        file: input.name,
        offset: input.base + s,
      });
    const avail = input.end - s;
    if (avail < PCAP_FILE_HEADER_LENGTH) {
      throw new NetsieveError(
        'NS_ERR_CAPTURE_TRUNCATED',
        `the pcap file header is cut short: ${avail} of ${PCAP_FILE_HEADER_LENGTH} bytes`,
        {
          file: input.name,
          packet: 1,
          offset: input.base + s,
        },
      );
    }
    const dv = input.view;
    const le = kind.littleEndian;
    this.littleEndian = le;
    this.nanosecond = kind.nanosecond;
    this.modified = kind.modified;
    this.versionMajor = dv.getUint16(s + 4, le);
    this.versionMinor = dv.getUint16(s + 6, le);
    // libpcap reads 2.x and DG/UX tcpdump's 543.0; anything else is another format wearing the magic.
    if (this.versionMajor !== 2 && this.versionMajor !== 543) {
      throw new NetsieveError(
        'NS_ERR_CAPTURE_FORMAT',
        `unsupported pcap version ${this.versionMajor}.${this.versionMinor} (netsieve reads 2.x)`,
        {
          file: input.name,
          offset: input.base + s + 4,
        },
      );
    }
    // libpcap (sf-pcap.c): before 2.3 the two lengths were written in the other order; 2.3 files exist
    // both ways, so there they are swapped only when caplen > len.
    this.lengthOrder =
      this.versionMajor === 2 && this.versionMinor < 3
        ? LengthOrder.Swapped
        : this.versionMajor === 2 && this.versionMinor === 3
          ? LengthOrder.MaybeSwapped
          : LengthOrder.Normal;
    this.snaplen = dv.getUint32(s + 16, le);
    const linkField = dv.getUint32(s + 20, le);
    this.linkType = linkField & 0xffff;
    this.fcsLength = (linkField & 0x04000000) !== 0 ? ((linkField >>> 28) & 0xf) * 2 : 0;
    this.recordHeaderLength = kind.modified ? 24 : 16;
    this.nsPerTick = kind.nanosecond ? 1 : 1000;
    this.ticksPerSecond = kind.nanosecond ? 1e9 : 1e6;
    this.maxCaplen = Math.min(Math.max(this.snaplen, PCAP_MAX_PLAUSIBLE_CAPLEN), PCAP_HARD_MAX_CAPLEN);
    input.maxBuffer = Math.max(input.maxBuffer, this.recordHeaderLength + this.maxCaplen);
    input.start = s + PCAP_FILE_HEADER_LENGTH;
    const pkt = this.pkt;
    pkt.linkType = this.linkType;
    pkt.fcsLength = this.fcsLength;
  }

  protected parse(onPacket: PacketCallback, limit: number): number {
    const inb = this.input;
    const dv = inb.view;
    const end = inb.end;
    const le = this.littleEndian;
    const hdr = this.recordHeaderLength;
    const nsPerTick = this.nsPerTick;
    const ticksPerSecond = this.ticksPerSecond;
    const maxCaplen = this.maxCaplen;
    const snaplen = this.snaplen;
    const swap = this.lengthOrder;
    const pkt = this.pkt;
    pkt.data = inb.buf;
    let p = inb.start;
    while (p < limit) {
      if (end - p < hdr) return hdr;
      let tsSec = dv.getUint32(p, le);
      let frac = dv.getUint32(p + 4, le);
      let caplen = dv.getUint32(p + 8, le);
      let origlen = dv.getUint32(p + 12, le);
      if (swap !== LengthOrder.Normal && (swap === LengthOrder.Swapped || caplen > origlen)) {
        const t = caplen;
        caplen = origlen;
        origlen = t;
      }
      if (caplen > maxCaplen) {
        throw this.fail(
          'NS_ERR_CAPTURE_DAMAGED',
          `record header claims ${caplen} captured bytes, more than any capture holds (file snaplen ${snaplen}, limit ${maxCaplen}): the record header is damaged`,
          p,
        );
      }
      const next = p + hdr + caplen;
      if (next > end) return hdr + caplen;
      if (caplen > origlen) this.anomalies[CaptureAnomaly.caplen_above_origlen]!++;
      if (caplen > snaplen && snaplen !== 0) this.anomalies[CaptureAnomaly.caplen_above_snaplen]!++;
      if (frac >= ticksPerSecond) {
        // Some writers leave µs ≥ 10^6; libpcap passes it on, Wireshark normalises it. Keep the instant.
        this.anomalies[CaptureAnomaly.bad_timestamp_fraction]!++;
        const carry = Math.floor(frac / ticksPerSecond);
        tsSec += carry;
        frac -= carry * ticksPerSecond;
      }
      pkt.offset = p + hdr;
      pkt.caplen = caplen;
      pkt.origlen = origlen;
      pkt.tsSec = tsSec;
      pkt.tsNsec = frac * nsPerTick;
      pkt.index = ++this.packets;
      pkt.fileOffset = inb.base + p;
      p = next;
      inb.start = p;
      onPacket(pkt);
    }
    return 0;
  }

  protected truncatedMessage(avail: number, need: number): string {
    return need === this.recordHeaderLength
      ? `the capture is cut short in the middle of a record header: ${avail} of ${need} bytes`
      : `the capture is cut short in the middle of a packet: ${avail - this.recordHeaderLength} of ${need - this.recordHeaderLength} captured bytes present`;
  }
}
