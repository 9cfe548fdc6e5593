/**
 * Opening a capture: any input (path, `-`, bytes, Node stream, WHATWG stream, async iterable), format
 * detected by its magic number, read by the pcap or pcapng reader in large chunks into one reused buffer.
 *
 *   const r = await openCapture('trace.pcapng');
 *   while (await r.pump((p) => engine.process(p))) {}
 *   r.close();
 */
import { Readable } from 'node:stream';
import { NetsieveError } from '../errors.js';
import { DEFAULT_CHUNK_SIZE, InputBuffer, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, streamPuller } from './input-buffer.js';
import type { CapturedPacket } from './packet.js';
import { classifyPcapMagic, PCAP_FILE_HEADER_LENGTH, PcapReader } from './pcap-reader.js';
import { BLOCK_SHB, PcapngReader } from './pcapng-reader.js';
import type { CaptureReader, SyncCaptureReader } from './reader-types.js';

export type { CaptureReader, SyncCaptureReader } from './reader-types.js';

export type CaptureInput = string | Uint8Array | NodeJS.ReadableStream | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface OpenCaptureOptions {
  /** Bytes per read (and the initial buffer size). Default 64 KiB. */
  chunkSize?: number;
  /** Name used in errors and summaries instead of the path or `<stream>`. */
  name?: string;
}

/** The reader for a file, stdin (`-`), bytes in memory or a stream. */
export async function openCapture(input: CaptureInput, opts: OpenCaptureOptions = {}): Promise<CaptureReader> {
  const chunkSize = checkChunkSize(opts.chunkSize);
  const inb = makeInput(input, chunkSize, opts.name);
  try {
    await inb.ensure(4);
    const kind = detect(inb);
    await inb.ensure(kind === 'pcap' ? PCAP_FILE_HEADER_LENGTH : 12);
    if (kind === 'pcap') return new PcapReader(inb);
    const r = new PcapngReader(inb);
    await r.prime();
    return r;
  } catch (e) {
    inb.close();
    throw e;
  }
}

/** `openCapture` for a path or bytes, without awaiting (tools, tests, benchmarks). */
export function openCaptureSync(input: string | Uint8Array, opts: OpenCaptureOptions = {}): SyncCaptureReader {
  const chunkSize = checkChunkSize(opts.chunkSize);
  if (input === '-')
    throw new NetsieveError('NS_ERR_OPTION', 'standard input can only be read asynchronously: use openCapture()');
  const inb = makeInput(input, chunkSize, opts.name);
  try {
    inb.ensureSync(4);
    const kind = detect(inb);
    inb.ensureSync(kind === 'pcap' ? PCAP_FILE_HEADER_LENGTH : 12);
    if (kind === 'pcap') return new PcapReader(inb);
    const r = new PcapngReader(inb);
    r.primeSync();
    return r;
  } catch (e) {
    inb.close();
    throw e;
  }
}

/** A packet with its own copy of the bytes (from `readAllPackets`). */
export interface RecordedPacket {
  data: Uint8Array;
  caplen: number;
  origlen: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
  interfaceIndex: number;
  index: number;
  fileOffset: number;
  fcsLength: number;
}

/**
 * Every packet of a capture file or buffer, each copied into its own array (tests and tools; the engine
 * uses `pump`). Throws like `pump` does; the packets before the fault are lost to the caller, so use a
 * reader directly when they matter.
 */
export function readAllPackets(input: Uint8Array | string): RecordedPacket[] {
  const r = openCaptureSync(input);
  const out: RecordedPacket[] = [];
  try {
    while (r.pumpSync((p) => out.push(copyPacket(p)))) {
      // every packet is collected by the callback
    }
  } finally {
    r.close();
  }
  return out;
}

/** An owned copy of a reused packet. */
export function copyPacket(p: CapturedPacket): RecordedPacket {
  return {
    data: p.data.slice(p.offset, p.offset + p.caplen),
    caplen: p.caplen,
    origlen: p.origlen,
    tsSec: p.tsSec,
    tsNsec: p.tsNsec,
    linkType: p.linkType,
    interfaceIndex: p.interfaceIndex,
    index: p.index,
    fileOffset: p.fileOffset,
    fcsLength: p.fcsLength ?? 0,
  };
}

function checkChunkSize(v: number | undefined): number {
  if (v === undefined) return DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(v) || v < MIN_CHUNK_SIZE || v > MAX_CHUNK_SIZE) {
    throw new NetsieveError('NS_ERR_OPTION', `option chunkSize must be an integer from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}`);
  }
  return v;
}

function makeInput(input: CaptureInput, chunkSize: number, name: string | undefined): InputBuffer {
  if (typeof input === 'string') {
    if (input === '-') return fromStream(process.stdin, chunkSize, name ?? '-');
    if (input.length === 0) throw new NetsieveError('NS_ERR_CAPTURE_IO', 'empty capture file name');
    return InputBuffer.fromPath(input, chunkSize, name ?? input);
  }
  if (input instanceof Uint8Array) return InputBuffer.fromBytes(input, chunkSize, name ?? '<buffer>');
  return fromStream(input, chunkSize, name ?? '<stream>');
}

function fromStream(input: unknown, chunkSize: number, name: string): InputBuffer {
  let puller = streamPuller(input, name);
  if (puller === null && input !== null && typeof input === 'object' && typeof (input as { on?: unknown }).on === 'function') {
    // An old-style Node stream (no async iterator): let node:stream adapt it.
    puller = streamPuller(new Readable().wrap(input as NodeJS.ReadableStream), name);
  }
  if (puller === null) {
    throw new NetsieveError(
      'NS_ERR_OPTION',
      'a capture input must be a path, `-`, a Uint8Array, a Node or WHATWG readable stream, or an async iterable of Uint8Array',
    );
  }
  return InputBuffer.fromStream(puller.next, puller.cancel, chunkSize, name);
}

/** Picks the reader by magic number; throws NS_ERR_CAPTURE_FORMAT with the first bytes and a hint. */
function detect(inb: InputBuffer): 'pcap' | 'pcapng' {
  const avail = inb.end - inb.start;
  const b = inb.buf;
  const s = inb.start;
  if (avail === 0)
    throw new NetsieveError('NS_ERR_CAPTURE_FORMAT', 'empty file: no capture header', { file: inb.name, offset: 0 });
  if (avail >= 4) {
    if (classifyPcapMagic(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!) !== null) return 'pcap';
    if (inb.view.getUint32(s, true) === BLOCK_SHB) return 'pcapng';
  }
  const head = b.subarray(s, s + Math.min(avail, 4));
  const hexHead = Array.from(head, (x) => x.toString(16).padStart(2, '0')).join('');
  const what = avail < 4 ? `only ${avail} byte${avail === 1 ? '' : 's'} long` : `starts with ${hexHead}`;
  const hint = formatHint(b.subarray(s, s + Math.min(avail, 64)));
  throw new NetsieveError(
    'NS_ERR_CAPTURE_FORMAT',
    `not a pcap or pcapng file: ${avail < 4 ? `${what} (${hexHead || 'no bytes'})` : what}${hint ? ` (${hint})` : ''}`,
    { file: inb.name, offset: 0 },
  );
}

/** A guess at what the bytes are, to say more than "bad magic". */
function formatHint(b: Uint8Array): string {
  const starts = (...xs: number[]) => xs.every((x, i) => b[i] === x);
  if (starts(0x1f, 0x8b)) return 'gzip-compressed? decompress it first';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd-compressed? decompress it first';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a)) return 'xz-compressed? decompress it first';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2-compressed? decompress it first';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'a zip archive?';
  if (starts(0x73, 0x6e, 0x6f, 0x6f, 0x70)) return 'a snoop capture? convert it with editcap -F pcap';
  if (starts(0x47, 0x4d, 0x42, 0x55)) return 'a Microsoft Network Monitor capture? convert it with editcap -F pcap';
  if (b.length > 0 && b.every((x) => x === 0x09 || x === 0x0a || x === 0x0d || (x >= 0x20 && x < 0x7f))) return 'text?';
  return '';
}
