/**
 * The reader interfaces, in a module of their own: the readers (reader-base.ts and its subclasses)
 * implement them and reader.ts opens them, without either importing the other.
 */
import type { CapturedPacket } from './packet.js';

export interface CaptureReader {
  /** File path, `-`, or `<stream>` / `<buffer>` (or the `name` option). */
  readonly name: string;
  readonly format: 'pcap' | 'pcapng';
  /** Link type of the first interface (pcap header / first IDB; -1 for a pcapng file without one); per-packet linkType is on CapturedPacket. */
  readonly linkType: number;
  /** FCS bytes per packet stated by the pcap header or the first IDB (0 when absent or not stated). */
  readonly fcsLength: number;
  /**
   * Reads the next chunk and calls onPacket for every complete packet in it; resolves false at the end of input.
   * On damaged input: delivers every packet before the fault, then throws NetsieveError
   * (NS_ERR_CAPTURE_TRUNCATED / NS_ERR_CAPTURE_DAMAGED / NS_ERR_CAPTURE_FORMAT / NS_ERR_CAPTURE_IO)
   * with file, packet (1-based index of the record being read) and offset (byte offset of that record).
   * The error is sticky: later calls throw it again.
   *
   * The packet object and its `data` are reused: valid during the callback only.
   */
  pump(onPacket: (p: CapturedPacket) => void): Promise<boolean>;
  /** Packets delivered so far. */
  readonly packets: number;
  /** Input bytes consumed so far (whole records). */
  readonly bytesRead: number;
  /** Total input size when known (regular file, bytes), else null. */
  readonly totalBytes: number | null;
  /** Counts of capture anomalies by code (index into CAPTURE_ANOMALIES in events.ts). */
  readonly anomalies: Uint32Array;
  /** Releases the file descriptor or cancels the stream. */
  close(): void;
}

/** A reader over a file or in-memory input, which can also be pumped without awaiting. */
export interface SyncCaptureReader extends CaptureReader {
  /** `pump()` without a promise: for file and in-memory inputs only (NS_ERR_STATE for a stream). */
  pumpSync(onPacket: (p: CapturedPacket) => void): boolean;
}
