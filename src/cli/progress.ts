/**
 * A progress bar on stderr for long replays, shown only when stderr is a terminal (never in pipes or logs).
 */
export class Progress {
  private readonly enabled: boolean;
  private lastDraw = 0;
  private drawn = false;
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
    force?: boolean,
  ) {
    this.enabled = force ?? Boolean(stream.isTTY);
  }

  update(bytes: number, total: number | null, packets: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    // A bar is for long runs: wait half a second before the first draw, then redraw at most 10 times a second.
    if (now - this.started < 500 || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const secs = (now - this.started) / 1000;
    const rate = `${(bytes / secs / 1e6).toFixed(0)} MB/s, ${Math.round(packets / secs / 1000)}k pkt/s`;
    let line: string;
    if (total !== null && total > 0) {
      const frac = Math.min(1, bytes / total);
      const width = 30;
      const full = Math.round(frac * width);
      const eta = frac > 0 ? Math.max(0, secs / frac - secs) : 0;
      line = `${this.label} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(frac * 100).toFixed(0).padStart(3)}% ${rate}, ${eta.toFixed(0)} s left`;
    } else {
      line = `${this.label} ${(bytes / 1e6).toFixed(0)} MB, ${packets} packets, ${rate}`;
    }
    const cols = this.stream.columns ?? 100;
    this.stream.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length))}\x1b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
