/**
 * Capture writers: classic pcap (µs or ns, any link type and snaplen) and a minimal pcapng (SHB, IDBs,
 * EPBs; several interfaces and sections), to memory, a file or a writable stream.
 *
 * Records are assembled in a 1 MiB buffer and written in large pieces: to a file with `writeSync` (the
 * writer is synchronous, so a crash loses at most the unflushed buffer: `flush()` when that matters), to a
 * stream by handing the filled buffer over (no copy; a fresh one is taken), or kept in memory and joined
 * by `toUint8Array()`.
 *
 * The writer does not wait for a stream to drain (its API is synchronous): a stream consumer slower
 * than the writer buffers in the stream. Where that matters, write in batches and wait for the stream's
 * 'drain' event between them.
 */
import fs from 'node:fs';
import { NetsieveError } from '../errors.js';
import { LinkType, type CapturedPacket } from './packet.js';
import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC } from './pcap-reader.js';
import { BLOCK_EPB, BLOCK_IDB, BLOCK_SHB, BYTE_ORDER_MAGIC } from './pcapng-reader.js';

/** Where a writer's bytes go: a file path, a writable stream, or (undefined) memory. */
export type CaptureSink = string | NodeJS.WritableStream | undefined;

const SINK_BUFFER = 1 << 20;

/** Buffered byte output shared by both writers. */
class ByteSink {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  written = 0;
  private readonly fd: number;
  private readonly stream: NodeJS.WritableStream | null;
  private readonly kept: Uint8Array[] | null;
  private streamError: unknown = null;
  private closed = false;

  constructor(
    sink: CaptureSink,
    private readonly name: string,
    private readonly endStream: boolean,
  ) {
    this.buf = new Uint8Array(SINK_BUFFER);
    this.view = new DataView(this.buf.buffer);
    if (typeof sink === 'string') {
      try {
        this.fd = fs.openSync(sink, 'w');
      } catch (e) {
        throw new NetsieveError('NS_ERR_OUTPUT', `cannot create ${sink}: ${(e as Error).message}`, { file: sink }, { cause: e });
      }
      this.stream = null;
      this.kept = null;
    } else if (sink !== undefined) {
      this.fd = -1;
      this.stream = sink;
      this.kept = null;
      sink.on('error', (e: unknown) => {
        this.streamError = e;
      });
    } else {
      this.fd = -1;
      this.stream = null;
      this.kept = [];
    }
  }

  get inMemory(): boolean {
    return this.kept !== null;
  }

  /** Makes room for `n` more bytes at `pos`. */
  reserve(n: number): void {
    this.check();
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) {
      this.buf = new Uint8Array(n);
      this.view = new DataView(this.buf.buffer);
    }
  }

  flush(): void {
    this.check();
    if (this.pos === 0) return;
    const full = this.buf.subarray(0, this.pos);
    if (this.fd >= 0) {
      let off = 0;
      try {
        while (off < full.length) off += fs.writeSync(this.fd, full, off, full.length - off);
      } catch (e) {
        throw new NetsieveError('NS_ERR_OUTPUT', `write failed: ${(e as Error).message}`, { file: this.name }, { cause: e });
      }
      this.pos = 0;
      return;
    }
    // Memory and stream sinks keep the filled bytes: hand them over and start a fresh buffer.
    if (this.kept !== null) this.kept.push(full);
    else this.stream!.write(full);
    this.buf = new Uint8Array(SINK_BUFFER);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
  }

  toUint8Array(): Uint8Array {
    if (this.kept === null)
      throw new NetsieveError('NS_ERR_STATE', 'toUint8Array() is only for writers without a file or stream');
    const total = this.kept.reduce((n, c) => n + c.length, 0) + this.pos;
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of this.kept) {
      out.set(c, off);
      off += c.length;
    }
    out.set(this.buf.subarray(0, this.pos), off);
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
    } else if (this.stream !== null && this.endStream) {
      const s = this.stream;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.end(() => resolve());
      });
    }
    if (this.streamError !== null) throw this.outputError();
  }

  private check(): void {
    if (this.closed) throw new NetsieveError('NS_ERR_STATE', 'the capture writer was used after close()', { file: this.name });
    if (this.streamError !== null) throw this.outputError();
  }

  private outputError(): NetsieveError {
    return new NetsieveError(
      'NS_ERR_OUTPUT',
      `the output stream failed: ${(this.streamError as Error)?.message ?? String(this.streamError)}`,
      { file: this.name },
      { cause: this.streamError },
    );
  }
}

export interface PcapWriterOptions {
  /** Default Ethernet. */
  linkType?: number;
  /** Bytes kept per packet (longer packets are cut; origlen keeps the wire length). Default 262144; 0 = no limit. */
  snaplen?: number;
  /** Nanosecond timestamps (magic a1b23c4d). Default false: microseconds, which every tool reads. */
  nanosecond?: boolean;
  /** Write big-endian. Default false. */
  bigEndian?: boolean;
  /** FCS bytes at the end of each packet, stated in the link type field (an even number up to 30). Default: not stated. */
  fcsLength?: number;
  /** For a stream sink: end it on close(). Default true. */
  endStream?: boolean;
}

/** What both writers share: the byte sink, the packet count, and flushing and closing. */
abstract class CaptureWriter {
  packets = 0;
  protected readonly out: ByteSink;

  protected constructor(sink: CaptureSink, endStream: boolean) {
    this.out = new ByteSink(sink, typeof sink === 'string' ? sink : '<output>', endStream);
  }

  get bytesWritten(): number {
    return this.out.written;
  }

  /** The whole file written so far (memory sink only). */
  toUint8Array(): Uint8Array {
    return this.out.toUint8Array();
  }

  /** Writes out the buffered records. */
  flush(): void {
    this.out.flush();
  }

  /** Flushes, closes the file or ends the stream (unless `endStream: false`). */
  close(): Promise<void> {
    return this.out.close();
  }
}

/** Writes a classic pcap file. */
export class PcapWriter extends CaptureWriter {
  readonly linkType: number;
  readonly snaplen: number;
  readonly nanosecond: boolean;
  private readonly le: boolean;

  constructor(sink?: CaptureSink, opts: PcapWriterOptions = {}) {
    super(sink, opts.endStream ?? true);
    this.linkType = opts.linkType ?? LinkType.ETHERNET;
    this.snaplen = opts.snaplen ?? 262144;
    this.nanosecond = opts.nanosecond ?? false;
    this.le = !(opts.bigEndian ?? false);
    checkU32('linkType', this.linkType, 0xffff);
    checkU32('snaplen', this.snaplen, 0xffffffff);
    let linkField = this.linkType;
    if (opts.fcsLength !== undefined) {
      if (!Number.isInteger(opts.fcsLength) || opts.fcsLength < 0 || opts.fcsLength > 30 || opts.fcsLength % 2 !== 0) {
        throw new NetsieveError('NS_ERR_OPTION', 'option fcsLength must be an even number of bytes from 0 to 30');
      }
      linkField = (linkField | 0x04000000 | ((opts.fcsLength / 2) << 28)) >>> 0;
    }
    const o = this.out;
    o.reserve(24);
    const dv = o.view;
    const p = o.pos;
    dv.setUint32(p, this.nanosecond ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, this.le);
    dv.setUint16(p + 4, 2, this.le);
    dv.setUint16(p + 6, 4, this.le);
    dv.setInt32(p + 8, 0, this.le); // thiszone: always UTC
    dv.setUint32(p + 12, 0, this.le); // sigfigs
    dv.setUint32(p + 16, this.snaplen, this.le);
    dv.setUint32(p + 20, linkField, this.le);
    o.pos += 24;
    o.written += 24;
  }

  /** Appends one packet; `origlen` defaults to the full length of `bytes`. */
  write(bytes: Uint8Array, tsSec: number, tsNsec: number, origlen: number = bytes.length): void {
    this.writeRange(bytes, 0, bytes.length, tsSec, tsNsec, origlen);
  }

  /** Appends a packet as a reader delivered it. */
  writePacket(p: CapturedPacket): void {
    this.writeRange(p.data, p.offset, p.caplen, p.tsSec, p.tsNsec, p.origlen);
  }

  private writeRange(data: Uint8Array, offset: number, length: number, tsSec: number, tsNsec: number, origlen: number): void {
    if (!(tsSec >= 0 && tsSec <= 0xffffffff) || !(tsNsec >= 0 && tsNsec < 1e9)) {
      throw new NetsieveError(
        'NS_ERR_OUTPUT',
        `timestamp ${tsSec}.${tsNsec} cannot be written to a pcap file (seconds must fit in 32 bits, nanoseconds below 10^9)`,
      );
    }
    const caplen = this.snaplen !== 0 && length > this.snaplen ? this.snaplen : length;
    const o = this.out;
    o.reserve(16 + caplen);
    const dv = o.view;
    const p = o.pos;
    dv.setUint32(p, Math.floor(tsSec), this.le);
    dv.setUint32(p + 4, this.nanosecond ? Math.floor(tsNsec) : Math.floor(tsNsec / 1000), this.le);
    dv.setUint32(p + 8, caplen, this.le);
    dv.setUint32(p + 12, origlen >>> 0, this.le);
    o.buf.set(caplen === data.length && offset === 0 ? data : data.subarray(offset, offset + caplen), p + 16);
    o.pos += 16 + caplen;
    o.written += 16 + caplen;
    this.packets++;
  }
}

export interface PcapngInterfaceOptions {
  /** Default Ethernet. */
  linkType?: number;
  /** Default 262144; 0 = no limit. */
  snaplen?: number;
  /** The raw `if_tsresol` byte: 6 = µs, 9 = ns (default), 0x80 | k = 2^-k s. */
  tsresol?: number;
  /** `if_tsoffset` seconds, written as an option and subtracted from every timestamp. Default 0 (no option). */
  tsOffset?: number;
  /** `if_name`. */
  name?: string;
  /** FCS bytes per packet (`if_fcslen`, written in bits). */
  fcsLength?: number;
}

export interface PcapngWriterOptions {
  bigEndian?: boolean;
  /** Interfaces described right after the section header. Default: one Ethernet interface. */
  interfaces?: PcapngInterfaceOptions[];
  /** For a stream sink: end it on close(). Default true. */
  endStream?: boolean;
}

interface WriterInterface {
  snaplen: number;
  tsresol: number;
  tsOffset: number;
}

const UTF8 = new TextEncoder();

/** Writes a pcapng file: SHB, IDBs and EPBs. */
export class PcapngWriter extends CaptureWriter {
  private readonly le: boolean;
  private ifs: WriterInterface[] = [];

  constructor(sink?: CaptureSink, opts: PcapngWriterOptions = {}) {
    super(sink, opts.endStream ?? true);
    this.le = !(opts.bigEndian ?? false);
    this.writeSectionHeader();
    for (const i of opts.interfaces ?? [{}]) this.addInterface(i);
  }

  /** Describes one more interface of the current section; returns its index. */
  addInterface(opts: PcapngInterfaceOptions = {}): number {
    const linkType = opts.linkType ?? LinkType.ETHERNET;
    const snaplen = opts.snaplen ?? 262144;
    const tsresol = opts.tsresol ?? 9;
    const tsOffset = opts.tsOffset ?? 0;
    checkU32('linkType', linkType, 0xffff);
    checkU32('snaplen', snaplen, 0xffffffff);
    checkU32('tsresol', tsresol, 0xff);
    if (!Number.isSafeInteger(tsOffset))
      throw new NetsieveError('NS_ERR_OPTION', 'option tsOffset must be an integer number of seconds');
    const options: Array<[number, Uint8Array]> = [];
    if (opts.name !== undefined) options.push([2, UTF8.encode(opts.name)]);
    if (tsresol !== 6) options.push([9, Uint8Array.of(tsresol)]);
    if (opts.fcsLength !== undefined) {
      checkU32('fcsLength', opts.fcsLength, 31);
      options.push([13, Uint8Array.of(opts.fcsLength * 8)]);
    }
    if (tsOffset !== 0) {
      const v = new Uint8Array(8);
      new DataView(v.buffer).setBigInt64(0, BigInt(tsOffset), this.le);
      options.push([14, v]);
    }
    const body = new Uint8Array(8 + optionsLength(options));
    const dv = new DataView(body.buffer);
    dv.setUint16(0, linkType, this.le);
    dv.setUint32(4, snaplen, this.le);
    writeOptions(body, 8, options, this.le);
    this.writeBlock(BLOCK_IDB, body);
    this.ifs.push({ snaplen, tsresol, tsOffset });
    return this.ifs.length - 1;
  }

  /** Starts a new section (a new SHB): the interfaces described so far are forgotten, as readers do. */
  newSection(opts: { interfaces?: PcapngInterfaceOptions[] } = {}): void {
    this.writeSectionHeader();
    this.ifs = [];
    for (const i of opts.interfaces ?? []) this.addInterface(i);
  }

  /** Appends one packet as an EPB; `origlen` defaults to the full length of `bytes`. */
  write(bytes: Uint8Array, tsSec: number, tsNsec: number, origlen: number = bytes.length, interfaceIndex = 0): void {
    this.writeRange(bytes, 0, bytes.length, tsSec, tsNsec, origlen, interfaceIndex);
  }

  /** Appends a packet as a reader delivered it (keeping its interface index). */
  writePacket(p: CapturedPacket): void {
    this.writeRange(p.data, p.offset, p.caplen, p.tsSec, p.tsNsec, p.origlen, p.interfaceIndex);
  }

  private writeRange(
    data: Uint8Array,
    offset: number,
    length: number,
    tsSec: number,
    tsNsec: number,
    origlen: number,
    ifIndex: number,
  ): void {
    const iface = this.ifs[ifIndex];
    if (iface === undefined)
      throw new NetsieveError('NS_ERR_OUTPUT', `interface ${ifIndex} was not described in this section (addInterface() first)`);
    if (!Number.isInteger(tsSec) || !(tsNsec >= 0 && tsNsec < 1e9))
      throw new NetsieveError('NS_ERR_OUTPUT', `timestamp ${tsSec}.${tsNsec} cannot be written`);
    const caplen = iface.snaplen !== 0 && length > iface.snaplen ? iface.snaplen : length;
    const ticks = encodeTicks(tsSec - iface.tsOffset, Math.floor(tsNsec), iface.tsresol);
    if (ticks < 0n || ticks > 0xffffffffffffffffn)
      throw new NetsieveError('NS_ERR_OUTPUT', `timestamp ${tsSec}.${tsNsec} does not fit the interface's 64-bit tick count`);
    const total = 32 + ((caplen + 3) & ~3);
    const o = this.out;
    o.reserve(total);
    const dv = o.view;
    const p = o.pos;
    const le = this.le;
    dv.setUint32(p, BLOCK_EPB, le);
    dv.setUint32(p + 4, total, le);
    dv.setUint32(p + 8, ifIndex, le);
    dv.setUint32(p + 12, Number(ticks >> 32n), le);
    dv.setUint32(p + 16, Number(ticks & 0xffffffffn), le);
    dv.setUint32(p + 20, caplen, le);
    dv.setUint32(p + 24, origlen >>> 0, le);
    o.buf.set(data.subarray(offset, offset + caplen), p + 28);
    o.buf.fill(0, p + 28 + caplen, p + total - 4);
    dv.setUint32(p + total - 4, total, le);
    o.pos += total;
    o.written += total;
    this.packets++;
  }

  private writeSectionHeader(): void {
    const body = new Uint8Array(16);
    const dv = new DataView(body.buffer);
    dv.setUint32(0, BYTE_ORDER_MAGIC, this.le);
    dv.setUint16(4, 1, this.le);
    dv.setUint16(6, 0, this.le);
    dv.setBigInt64(8, -1n, this.le); // section length not stated (the writer streams)
    this.writeBlock(BLOCK_SHB, body);
  }

  private writeBlock(type: number, body: Uint8Array): void {
    const total = 12 + ((body.length + 3) & ~3);
    const o = this.out;
    o.reserve(total);
    const p = o.pos;
    o.view.setUint32(p, type, this.le);
    o.view.setUint32(p + 4, total, this.le);
    o.buf.set(body, p + 8);
    o.buf.fill(0, p + 8 + body.length, p + total - 4);
    o.view.setUint32(p + total - 4, total, this.le);
    o.pos += total;
    o.written += total;
  }
}

/** Seconds and nanoseconds as a tick count of the `if_tsresol` unit (truncating, as capture tools do). */
export function encodeTicks(tsSec: number, tsNsec: number, tsresol: number): bigint {
  const ns = BigInt(tsSec) * 1_000_000_000n + BigInt(tsNsec);
  if ((tsresol & 0x80) !== 0) {
    const k = BigInt(tsresol & 0x7f);
    return (ns << k) / 1_000_000_000n;
  }
  const e = tsresol;
  return e <= 9 ? ns / 10n ** BigInt(9 - e) : ns * 10n ** BigInt(e - 9);
}

function optionsLength(options: Array<[number, Uint8Array]>): number {
  if (options.length === 0) return 0;
  return options.reduce((n, [, v]) => n + 4 + ((v.length + 3) & ~3), 0) + 4; // + opt_endofopt
}

function writeOptions(body: Uint8Array, at: number, options: Array<[number, Uint8Array]>, le: boolean): void {
  if (options.length === 0) return;
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let p = at;
  for (const [code, v] of options) {
    dv.setUint16(p, code, le);
    dv.setUint16(p + 2, v.length, le);
    body.set(v, p + 4);
    p += 4 + ((v.length + 3) & ~3);
  }
  dv.setUint32(p, 0, le); // opt_endofopt
}

function checkU32(key: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new NetsieveError('NS_ERR_OPTION', `option ${key} must be an integer from 0 to ${max}`);
}
