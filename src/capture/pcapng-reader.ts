/**
 * pcapng files (draft-ietf-opsawg-pcapng).
 *
 * A file is one or more sections. Each starts with a Section Header Block (SHB) whose byte-order magic
 * sets the byte order of every block up to the next SHB, and whose arrival forgets the interfaces of the
 * section before. Interface Description Blocks (IDB) number the interfaces of a section from 0 and give
 * each its link type, snaplen and timestamp unit (`if_tsresol`, default 10^-6 s) and offset
 * (`if_tsoffset`). Packets come in Enhanced Packet Blocks (EPB), Simple Packet Blocks (SPB: interface 0,
 * no timestamp, captured length implied) and the obsolete Packet Block (OPB). Every other block (name
 * resolution, statistics, decryption secrets, custom blocks, types not yet defined) is skipped by its
 * length: that is what the length fields at both ends of every block are for.
 *
 * Framing faults end the read (the next block cannot be found): a block length under 12 or not a multiple
 * of 4, a trailing length that differs from the leading one, a length above the 256 MiB cap, an SHB with
 * an unknown byte-order magic or major version. Faults inside an intact block are counted anomalies and
 * the read goes on (see events.ts).
 */
import { NetsieveError } from '../errors.js';
import { CaptureAnomaly } from './events.js';
import type { InputBuffer } from './input-buffer.js';
import { CaptureReaderBase, type PacketCallback } from './reader-base.js';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_OPB = 0x00000002; // obsolete Packet Block, still written by old tools
export const BLOCK_SPB = 0x00000003;
export const BLOCK_NRB = 0x00000004;
export const BLOCK_ISB = 0x00000005;
export const BLOCK_EPB = 0x00000006;
export const BLOCK_DSB = 0x0000000a;
export const BLOCK_CUSTOM = 0x00000bad;
export const BLOCK_CUSTOM_NOCOPY = 0x40000bad;

export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Largest block netsieve buffers. Wireshark's limit is 16 MiB for most blocks; 256 MiB leaves room for jumbo-frame oddities and huge custom blocks while still bounding memory. */
export const PCAPNG_MAX_BLOCK = 256 << 20;
/** Interfaces kept per section; real files have a handful, a hostile one could declare millions. */
export const PCAPNG_MAX_INTERFACES = 65536;

const SHB_MIN_LENGTH = 28;
const IDB_MIN_LENGTH = 20;
const EPB_MIN_LENGTH = 32; // also the OPB's
const SPB_MIN_LENGTH = 16;

const OPT_ENDOFOPT = 0;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_IF_FCSLEN = 13;
const OPT_IF_TSOFFSET = 14;

/** How an interface's 64-bit tick counts become (seconds, nanoseconds). */
const TsKind = {
  /** 10^-k with k ≤ 9: exact long division in doubles, no allocation (the common µs and ns cases). */
  DecimalFast: 0,
  /** 10^-k with k > 9: BigInt (rare). */
  DecimalBig: 1,
  /** 2^-k: BigInt (rare). */
  Binary: 2,
} as const;
type TsKind = (typeof TsKind)[keyof typeof TsKind];

/** One interface of the current section, as its IDB describes it. */
export interface PcapngInterface {
  readonly linkType: number;
  /** 0 = no limit. */
  readonly snaplen: number;
  /** The raw `if_tsresol` byte (6 when absent): MSB clear = 10^-value seconds, set = 2^-(value & 0x7f). */
  readonly tsresol: number;
  /** `if_tsoffset` in seconds (0 when absent). */
  readonly tsOffset: number;
  /** FCS bytes at the end of each packet (`if_fcslen` is in bits); 0 when absent. */
  readonly fcsLength: number;
  readonly name: string | null;
}

interface InterfaceState extends PcapngInterface {
  readonly tsKind: TsKind;
  /** DecimalFast: ticks per second (10^k, k ≤ 9). */
  readonly tsDivisor: number;
  /** DecimalFast: nanoseconds per tick. */
  readonly nsPerTick: number;
  /** DecimalBig: ticks per second; Binary: the exponent k. */
  readonly tsBig: bigint;
}

const UTF8 = new TextDecoder('utf-8', { fatal: false });

export class PcapngReader extends CaptureReaderBase {
  readonly format = 'pcapng' as const;
  /** Sections seen so far. */
  sections = 0;
  private littleEndian: boolean;
  private ifs: InterfaceState[] = [];
  private firstLinkType = -1;
  private firstFcsLength = 0;
  /** While true, parse() stops before the first packet block (used to learn the first link type). */
  private priming = false;

  /** Checks the first SHB at `input.start`; the caller made sure 12 bytes are there unless the input is shorter. */
  constructor(input: InputBuffer) {
    super(input);
    input.maxBuffer = Math.max(input.maxBuffer, PCAPNG_MAX_BLOCK);
    const s = input.start;
    const avail = input.end - s;
    if (avail < 12) {
      throw new NetsieveError(
        'NS_ERR_CAPTURE_TRUNCATED',
        `the pcapng section header is cut short: ${avail} of at least ${SHB_MIN_LENGTH} bytes`,
        {
          file: input.name,
          packet: 1,
          offset: input.base + s,
        },
      );
    }
    const bom = input.view.getUint32(s + 8, true);
    if (bom === BYTE_ORDER_MAGIC) this.littleEndian = true;
    else if (bom === 0x4d3c2b1a) this.littleEndian = false;
    else {
      throw new NetsieveError(
        'NS_ERR_CAPTURE_FORMAT',
        `not a pcapng file: the section header's byte-order magic is ${hex32(bom)}, not 1a2b3c4d`,
        {
          file: input.name,
          offset: input.base + s + 8,
        },
      );
    }
  }

  /** Link type of the file's first interface; -1 when the file describes none. */
  get linkType(): number {
    return this.firstLinkType;
  }

  /** FCS length of the file's first interface. */
  get fcsLength(): number {
    return this.firstFcsLength;
  }

  /** The interfaces of the current section. */
  get interfaces(): readonly PcapngInterface[] {
    return this.ifs;
  }

  /** Reads blocks up to the first IDB (or the first packet) without delivering anything. */
  primeSync(): void {
    this.priming = true;
    try {
      while (this.priming) {
        if (!this.pumpSync(ignorePacket)) break;
      }
    } finally {
      this.priming = false;
    }
  }

  async prime(): Promise<void> {
    this.priming = true;
    try {
      while (this.priming) {
        if (!(await this.pump(ignorePacket))) break;
      }
    } finally {
      this.priming = false;
    }
  }

  protected parse(onPacket: PacketCallback, limit: number): number {
    const inb = this.input;
    const dv = inb.view;
    const end = inb.end;
    const pkt = this.pkt;
    pkt.data = inb.buf;
    let le = this.littleEndian;
    let p = inb.start;
    while (p < limit) {
      const avail = end - p;
      if (avail < 12) return 12;
      const type = dv.getUint32(p, le); // the SHB's type reads the same in both byte orders
      if (type === BLOCK_SHB) {
        const bom = dv.getUint32(p + 8, true);
        if (bom === BYTE_ORDER_MAGIC) le = true;
        else if (bom === 0x4d3c2b1a) le = false;
        else throw this.fail('NS_ERR_CAPTURE_DAMAGED', `section header with an unknown byte-order magic ${hex32(bom)}`, p);
      }
      const len = dv.getUint32(p + 4, le);
      if (len < 12 || (len & 3) !== 0) {
        throw this.fail(
          'NS_ERR_CAPTURE_DAMAGED',
          `block of type ${hex32(type)} has length ${len}: ${len < 12 ? 'under the 12-byte minimum' : 'not a multiple of 4'}`,
          p,
        );
      }
      if (len > PCAPNG_MAX_BLOCK) {
        throw this.fail(
          'NS_ERR_CAPTURE_DAMAGED',
          `block of type ${hex32(type)} claims ${len} bytes, above the ${PCAPNG_MAX_BLOCK}-byte limit`,
          p,
        );
      }
      if (avail < len) return len;
      const trailer = dv.getUint32(p + len - 4, le);
      if (trailer !== len) {
        throw this.fail(
          'NS_ERR_CAPTURE_DAMAGED',
          `block of type ${hex32(type)}: trailing length ${trailer} differs from leading length ${len}`,
          p,
        );
      }

      if (type === BLOCK_EPB || type === BLOCK_OPB) {
        if (this.priming) {
          this.priming = false;
          return 0;
        }
        if (len < EPB_MIN_LENGTH) {
          this.anomalies[CaptureAnomaly.block_too_short]!++;
        } else {
          const ifId = type === BLOCK_EPB ? dv.getUint32(p + 8, le) : dv.getUint16(p + 8, le);
          const iface = ifId < this.ifs.length ? this.ifs[ifId]! : null;
          if (iface === null) {
            this.anomalies[CaptureAnomaly.unknown_interface]!++;
          } else {
            let caplen = dv.getUint32(p + 20, le);
            const origlen = dv.getUint32(p + 24, le);
            if (caplen > len - EPB_MIN_LENGTH) {
              this.anomalies[CaptureAnomaly.caplen_beyond_block]!++;
              caplen = len - EPB_MIN_LENGTH;
            }
            if (caplen > origlen) this.anomalies[CaptureAnomaly.caplen_above_origlen]!++;
            this.setTimestamp(iface, dv.getUint32(p + 12, le), dv.getUint32(p + 16, le));
            pkt.offset = p + 28;
            pkt.caplen = caplen;
            pkt.origlen = origlen;
            pkt.linkType = iface.linkType;
            pkt.interfaceIndex = ifId;
            pkt.fcsLength = iface.fcsLength;
            pkt.index = ++this.packets;
            pkt.fileOffset = inb.base + p;
            p += len;
            inb.start = p;
            onPacket(pkt);
            continue;
          }
        }
      } else if (type === BLOCK_SPB) {
        if (this.priming) {
          this.priming = false;
          return 0;
        }
        const iface = this.ifs.length > 0 ? this.ifs[0]! : null;
        if (len < SPB_MIN_LENGTH) {
          this.anomalies[CaptureAnomaly.block_too_short]!++;
        } else if (iface === null) {
          this.anomalies[CaptureAnomaly.unknown_interface]!++;
        } else {
          // The SPB states only the original length; the captured part is what the snaplen of
          // interface 0 let through, and never more than the block holds.
          const origlen = dv.getUint32(p + 8, le);
          let caplen = Math.min(origlen, len - SPB_MIN_LENGTH);
          if (iface.snaplen !== 0 && caplen > iface.snaplen) caplen = iface.snaplen;
          pkt.offset = p + 12;
          pkt.caplen = caplen;
          pkt.origlen = origlen;
          pkt.tsSec = 0; // an SPB carries no timestamp
          pkt.tsNsec = 0;
          pkt.linkType = iface.linkType;
          pkt.interfaceIndex = 0;
          pkt.fcsLength = iface.fcsLength;
          pkt.index = ++this.packets;
          pkt.fileOffset = inb.base + p;
          p += len;
          inb.start = p;
          onPacket(pkt);
          continue;
        }
      } else if (type === BLOCK_SHB) {
        this.readSectionHeader(p, len, le);
        this.littleEndian = le;
      } else if (type === BLOCK_IDB) {
        this.readInterface(p, len, le);
        if (this.priming) {
          this.priming = false;
          inb.start = p + len;
          return 0;
        }
      }
      // Any other block (NRB, ISB, DSB, custom, unknown) carries nothing netsieve needs.
      p += len;
      inb.start = p;
    }
    return 0;
  }

  protected truncatedMessage(avail: number, need: number): string {
    return need === 12
      ? `the capture is cut short in the middle of a block header: ${avail} of 12 bytes`
      : `the capture is cut short in the middle of a block: ${avail} of its ${need} bytes present`;
  }

  private readSectionHeader(p: number, len: number, le: boolean): void {
    const dv = this.input.view;
    if (len < SHB_MIN_LENGTH)
      throw this.fail(
        'NS_ERR_CAPTURE_DAMAGED',
        `section header block of ${len} bytes, under the ${SHB_MIN_LENGTH}-byte minimum`,
        p,
      );
    const major = dv.getUint16(p + 12, le);
    const minor = dv.getUint16(p + 14, le);
    if (major !== 1) {
      const first = this.sections === 0 && this.input.base + p === 0;
      throw this.fail(
        first ? 'NS_ERR_CAPTURE_FORMAT' : 'NS_ERR_CAPTURE_DAMAGED',
        `unsupported pcapng version ${major}.${minor} (netsieve reads 1.x)`,
        p,
      );
    }
    this.sections++;
    this.ifs = [];
  }

  private readInterface(p: number, len: number, le: boolean): void {
    const dv = this.input.view;
    const b = this.input.buf;
    if (len < IDB_MIN_LENGTH)
      throw this.fail(
        'NS_ERR_CAPTURE_DAMAGED',
        `interface description block of ${len} bytes, under the ${IDB_MIN_LENGTH}-byte minimum`,
        p,
      );
    if (this.ifs.length >= PCAPNG_MAX_INTERFACES) {
      this.anomalies[CaptureAnomaly.too_many_interfaces]!++;
      return;
    }
    const linkType = dv.getUint16(p + 8, le);
    const snaplen = dv.getUint32(p + 12, le);
    let tsresol = 6;
    let tsOffset = 0;
    let fcsBits = 0;
    let name: string | null = null;
    let q = p + 16;
    const optEnd = p + len - 4;
    while (q + 4 <= optEnd) {
      const code = dv.getUint16(q, le);
      const olen = dv.getUint16(q + 2, le);
      if (code === OPT_ENDOFOPT) break;
      const v = q + 4;
      if (v + olen > optEnd) {
        this.anomalies[CaptureAnomaly.bad_option]!++;
        break;
      }
      if (code === OPT_IF_TSRESOL) {
        if (olen === 1) tsresol = b[v]!;
        else this.anomalies[CaptureAnomaly.bad_option]!++;
      } else if (code === OPT_IF_TSOFFSET) {
        if (olen === 8) {
          // A 64-bit signed integer in the section's byte order.
          const hi = le ? dv.getInt32(v + 4, true) : dv.getInt32(v, false);
          const lo = le ? dv.getUint32(v, true) : dv.getUint32(v + 4, false);
          tsOffset = hi * 4294967296 + lo;
        } else this.anomalies[CaptureAnomaly.bad_option]!++;
      } else if (code === OPT_IF_FCSLEN) {
        if (olen === 1) fcsBits = b[v]!;
        else this.anomalies[CaptureAnomaly.bad_option]!++;
      } else if (code === OPT_IF_NAME) {
        name = UTF8.decode(b.subarray(v, v + olen)).replace(/\0+$/, ''); // some writers count a terminating NUL
      }
      q = v + ((olen + 3) & ~3);
    }
    const iface = makeInterface(linkType, snaplen, tsresol, tsOffset, fcsBits >>> 3, name);
    if (this.firstLinkType < 0) {
      this.firstLinkType = linkType;
      this.firstFcsLength = iface.fcsLength;
    }
    this.ifs.push(iface);
  }

  /** Converts 64-bit ticks (two 32-bit words) to (tsSec, tsNsec) exactly. */
  private setTimestamp(iface: InterfaceState, hi: number, lo: number): void {
    const pkt = this.pkt;
    if (iface.tsKind === TsKind.DecimalFast) {
      // Long division of hi·2^32 + lo by d ≤ 10^9 in three steps (32, 16, 16 bits): every intermediate
      // stays below 2^48, so doubles hold it exactly and nothing allocates.
      const d = iface.tsDivisor;
      let q = Math.floor(hi / d);
      let r = hi - q * d;
      let sec = q * 4294967296;
      let x = r * 65536 + (lo >>> 16);
      q = Math.floor(x / d);
      r = x - q * d;
      sec += q * 65536;
      x = r * 65536 + (lo & 0xffff);
      q = Math.floor(x / d);
      r = x - q * d;
      pkt.tsSec = sec + q + iface.tsOffset;
      pkt.tsNsec = r * iface.nsPerTick;
      return;
    }
    const ticks = (BigInt(hi) << 32n) | BigInt(lo);
    let sec: bigint;
    let nsec: bigint;
    if (iface.tsKind === TsKind.DecimalBig) {
      sec = ticks / iface.tsBig;
      nsec = ((ticks % iface.tsBig) * 1_000_000_000n) / iface.tsBig;
    } else {
      const k = iface.tsBig;
      sec = ticks >> k;
      nsec = ((ticks & ((1n << k) - 1n)) * 1_000_000_000n) >> k;
    }
    pkt.tsSec = Number(sec) + iface.tsOffset;
    pkt.tsNsec = Number(nsec);
  }
}

function makeInterface(
  linkType: number,
  snaplen: number,
  tsresol: number,
  tsOffset: number,
  fcsLength: number,
  name: string | null,
): InterfaceState {
  let tsKind: TsKind;
  let tsDivisor = 1;
  let nsPerTick = 1;
  let tsBig = 0n;
  if ((tsresol & 0x80) !== 0) {
    tsKind = TsKind.Binary;
    tsBig = BigInt(tsresol & 0x7f);
  } else if (tsresol <= 9) {
    tsKind = TsKind.DecimalFast;
    tsDivisor = 10 ** tsresol;
    nsPerTick = 10 ** (9 - tsresol);
  } else {
    tsKind = TsKind.DecimalBig;
    tsBig = 10n ** BigInt(tsresol);
  }
  return { linkType, snaplen, tsresol, tsOffset, fcsLength, name, tsKind, tsDivisor, nsPerTick, tsBig };
}

function ignorePacket(): void {}

export function hex32(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}
