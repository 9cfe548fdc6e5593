/**
 * What the pcap and pcapng readers share: the pump loop (fill the window, parse every complete record,
 * report the end or a cut-short record), error stickiness and the counters. Each format implements only
 * `parse()`, its hot loop.
 */
import { NetsieveError, type NetsieveErrorCode } from '../errors.js';
import { newCaptureAnomalyCounters } from './events.js';
import type { InputBuffer } from './input-buffer.js';
import type { CapturedPacket } from './packet.js';
import type { SyncCaptureReader } from './reader-types.js';

export type PacketCallback = (p: CapturedPacket) => void;

/** The packet object a reader fills and reuses; every field present from the start (one hidden class). */
export function newReaderPacket(): CapturedPacket {
  return {
    data: new Uint8Array(0),
    offset: 0,
    caplen: 0,
    origlen: 0,
    tsSec: 0,
    tsNsec: 0,
    linkType: 0,
    interfaceIndex: 0,
    index: 0,
    fileOffset: 0,
    fcsLength: 0,
  };
}

export abstract class CaptureReaderBase implements SyncCaptureReader {
  abstract readonly format: 'pcap' | 'pcapng';
  abstract readonly linkType: number;
  abstract readonly fcsLength: number;
  packets = 0;
  readonly anomalies: Uint32Array = newCaptureAnomalyCounters();

  protected readonly input: InputBuffer;
  protected readonly pkt: CapturedPacket = newReaderPacket();
  /** Bytes (from `input.start`) the next record needs; 0 when the last parse was not waiting for bytes. */
  protected need = 0;
  private failure: NetsieveError | null = null;
  private closed = false;
  private busy = false;

  constructor(input: InputBuffer) {
    this.input = input;
  }

  get name(): string {
    return this.input.name;
  }

  get bytesRead(): number {
    return this.input.base + this.input.start;
  }

  get totalBytes(): number | null {
    return this.input.totalBytes;
  }

  /**
   * Parses complete records in `input.buf[input.start, limit)`, delivering packets, and advances
   * `input.start` past each record *before* its callback runs (so a throwing callback leaves the reader
   * consistent). Returns the byte count the next record needs when it is incomplete, else 0.
   */
  protected abstract parse(onPacket: PacketCallback, limit: number): number;

  /** The message for a capture whose last record is cut short: `avail` of `need` bytes are present. */
  protected abstract truncatedMessage(avail: number, need: number): string;

  async pump(onPacket: PacketCallback): Promise<boolean> {
    this.checkUsable();
    const inb = this.input;
    if (!inb.eof && (this.need > 0 || inb.start === inb.end)) {
      inb.prepare(this.need);
      if (inb.sync) {
        try {
          inb.fillSync();
        } catch (e) {
          throw this.remember(e);
        }
      } else {
        // Two pumps at once would fill the same buffer from two places.
        this.busy = true;
        try {
          await inb.fillAsync();
        } catch (e) {
          throw this.remember(e);
        } finally {
          this.busy = false;
        }
      }
    }
    return this.step(onPacket);
  }

  pumpSync(onPacket: PacketCallback): boolean {
    this.checkUsable();
    const inb = this.input;
    if (!inb.sync)
      throw new NetsieveError('NS_ERR_STATE', 'pumpSync() needs a file or in-memory input; use pump() for streams', {
        file: this.name,
      });
    if (!inb.eof && (this.need > 0 || inb.start === inb.end)) {
      inb.prepare(this.need);
      try {
        inb.fillSync();
      } catch (e) {
        throw this.remember(e);
      }
    }
    return this.step(onPacket);
  }

  close(): void {
    this.closed = true;
    this.input.close();
  }

  private step(onPacket: PacketCallback): boolean {
    const inb = this.input;
    const limit = inb.isMemory ? Math.min(inb.end, inb.start + inb.chunkSize) : inb.end;
    this.need = this.parse(onPacket, limit);
    if (inb.start < inb.end) {
      if (this.need > 0 && inb.eof) {
        throw this.fail('NS_ERR_CAPTURE_TRUNCATED', this.truncatedMessage(inb.end - inb.start, this.need), inb.start);
      }
      return true;
    }
    return !inb.eof;
  }

  private checkUsable(): void {
    if (this.failure !== null) throw this.failure;
    if (this.busy)
      throw new NetsieveError('NS_ERR_STATE', 'pump() was called again before the previous call resolved', { file: this.name });
    if (this.closed) throw new NetsieveError('NS_ERR_STATE', 'the capture reader was used after close()', { file: this.name });
  }

  /** Builds the error for the record at buffer position `pos`, and makes it sticky. */
  protected fail(code: NetsieveErrorCode, message: string, pos: number): NetsieveError {
    const e = new NetsieveError(code, message, { file: this.name, packet: this.packets + 1, offset: this.input.base + pos });
    this.failure = e;
    return e;
  }

  private remember(e: unknown): unknown {
    if (e instanceof NetsieveError) this.failure = e;
    return e;
  }
}
