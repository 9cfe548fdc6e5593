/**
 * Where the command writes its lines: stdout or `--out FILE`, buffered, with backpressure so a slow reader (a
 * pipe into jq) slows the replay instead of filling memory.
 *
 * A reader that closes the pipe early (`netsieve replay x | head -1`) ends the run quietly with exit 0, as
 * tshark and tcpdump do: the sink throws `OutputClosed`, which main.ts turns into a silent success.
 */
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { NetsieveError } from '../errors.js';
import { OutputClosed } from './common.js';

/** Buffered text written at once when no timer asks sooner: few write calls on fast runs. */
const FLUSH_BYTES = 1 << 16;

export class LineSink {
  private buf: string[] = [];
  private size = 0;
  private failed: Error | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** Writers waiting for 'drain' (or a failure): one pair of listeners serves them all. */
  private waiters: (() => void)[] = [];
  private onGone: (() => void) | null = null;

  private constructor(
    private readonly out: Writable,
    private readonly ownsStream: boolean,
    private readonly name: string,
  ) {
    // One permanent listener for errors and one for drain; waits never add their own, so nothing leaks
    // however often a slow reader makes the run wait.
    out.on('error', (e: Error) => {
      this.failed ??= e;
      this.wake();
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') this.onGone?.();
    });
    out.on('drain', () => this.wake());
  }

  static open(path: string | undefined): LineSink {
    if (path === undefined || path === '-') return new LineSink(process.stdout, false, 'standard output');
    try {
      const fd = fs.openSync(path, 'w');
      return new LineSink(fs.createWriteStream('', { fd }), true, path);
    } catch (e) {
      throw new NetsieveError('NS_ERR_OUTPUT', `cannot write ${path}: ${(e as Error).message}`, {}, { cause: e });
    }
  }

  /** For tests: a sink over any writable stream. */
  static over(out: Writable, name = 'test output'): LineSink {
    return new LineSink(out, false, name);
  }

  /**
   * Called once when the reader closes the pipe: the run may be waiting for input that will never matter
   * now (a pipe from tcpdump), and must stop waiting.
   */
  onReaderGone(callback: () => void): void {
    this.onGone = callback;
  }

  /** Throws what a failed output means (OutputClosed for a closed pipe), if it failed. */
  check(): void {
    if (this.failed) throw this.outputError(this.failed);
  }

  write(line: string): void {
    this.buf.push(line);
    this.size += line.length + 1;
  }

  /**
   * Also flush whatever is buffered every `ms` milliseconds: for pipes and live sources, where a line must
   * not wait for 64 KiB of company (`tcpdump -w - | netsieve replay -`).
   */
  flushEvery(ms: number): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.size > 0) this.flush(true).catch(() => undefined); // a failure is seen by the next flush()
    }, ms);
    this.timer.unref();
  }

  /** Writes what is buffered once it is large (or always when `force`), waiting while the stream is full. */
  async flush(force = false): Promise<void> {
    this.check();
    if (this.size === 0 || (!force && this.size < FLUSH_BYTES)) return;
    const text = `${this.buf.join('\n')}\n`;
    this.buf = [];
    this.size = 0;
    if (!this.out.write(text)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      if (this.failed) throw this.outputError(this.failed);
    }
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush(true);
    if (this.ownsStream) {
      await new Promise<void>((resolve, reject) =>
        this.out.end((e?: Error | null) => (e ? reject(this.outputError(e)) : resolve())),
      );
    }
  }

  /** Stops the timer without writing (the run failed; the caller reports why). */
  abandon(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Number of listeners the sink holds on its stream (for tests: constant, whatever the waits). */
  listenerCount(): number {
    return this.out.listenerCount('error') + this.out.listenerCount('drain');
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  private outputError(e: Error): Error {
    // A closed pipe is the reader's choice (head, less, a consumer that has seen enough), not a failure.
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') {
      this.abandon();
      return new OutputClosed();
    }
    this.abandon();
    return new NetsieveError('NS_ERR_OUTPUT', `cannot write ${this.name}: ${e.message}`, {}, { cause: e });
  }
}
