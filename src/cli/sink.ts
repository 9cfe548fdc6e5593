/**
 * Where the command writes its JSON lines: stdout or `--out FILE`, buffered, with backpressure so a slow
 * reader (a pipe into jq) slows the replay instead of filling memory.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { NetsieveError } from '../errors.js';

export class LineSink {
  private buf: string[] = [];
  private size = 0;
  private failed: Error | null = null;
  private readonly ownsStream: boolean;

  private constructor(private readonly out: Writable, owns: boolean) {
    this.ownsStream = owns;
    out.on('error', (e: Error) => {
      this.failed = e;
    });
  }

  static open(path: string | undefined): LineSink {
    if (path === undefined || path === '-') return new LineSink(process.stdout, false);
    try {
      const fd = fs.openSync(path, 'w');
      return new LineSink(fs.createWriteStream('', { fd }), true);
    } catch (e) {
      throw new NetsieveError('NS_ERR_OUTPUT', `cannot write ${path}: ${(e as Error).message}`, {}, { cause: e });
    }
  }

  write(line: string): void {
    this.buf.push(line);
    this.size += line.length + 1;
  }

  /** Writes what is buffered once it is large (or always when `force`), waiting while the stream is full. */
  async flush(force = false): Promise<void> {
    if (this.failed) throw this.outputError(this.failed);
    if (this.size === 0 || (!force && this.size < 1 << 16)) return;
    const text = this.buf.join('\n') + '\n';
    this.buf = [];
    this.size = 0;
    if (!this.out.write(text)) {
      await Promise.race([once(this.out, 'drain'), once(this.out, 'error')]);
      if (this.failed) throw this.outputError(this.failed);
    }
  }

  async close(): Promise<void> {
    await this.flush(true);
    if (this.ownsStream) {
      await new Promise<void>((resolve, reject) => this.out.end((e?: Error | null) => (e ? reject(this.outputError(e)) : resolve())));
    }
  }

  private outputError(e: Error): NetsieveError {
    // A closed pipe (`netsieve replay x | head`) is the reader's choice, not a failure worth a stack trace.
    return new NetsieveError('NS_ERR_OUTPUT', `output failed: ${e.message}`, {}, { cause: e });
  }
}
