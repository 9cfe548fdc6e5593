/**
 * What protocol tests share to drive one connection parser (a module's `StreamConnection`) through a
 * conversation: the steps, a sink that collects records, anomalies and the stop reason, and the run loop.
 * Each protocol's helpers bind it to their connection, options, anomaly table and way of cutting bytes.
 */
import type { Direction } from '../../src/flow/stream.js';
import type { AppEventSink } from '../../src/protocols/module.js';

/** One step of a conversation: bytes of a direction, a gap, or the end of a direction. */
export type Step = { dir: Direction; data: Uint8Array } | { dir: Direction; gap: number } | { dir: Direction; end: true };

/** How data steps are cut: whole, one byte at a time, or at seeded random points. */
export type Split = 'whole' | 'bytes' | (() => number);

export interface Result<R> {
  records: R[];
  anomalies: string[];
  stopped: string | null;
}

/** A connection parser as the application layer drives it. */
export interface Connection {
  onData(dir: Direction, data: Uint8Array, start: number, end: number): void;
  onGap(dir: Direction, length: number): void;
  onEnd(dir: Direction, reason: 'fin'): void;
}

/**
 * A sink that collects, naming anomalies `<table name>@<direction>`; `recordsWanted` false makes the
 * connection parse lean (no records). A protocol that never reports a server name fails the test if it does.
 */
export function collector<R extends object>(
  anomalyNames: readonly string[],
  proto: string,
  recordsWanted = true,
): { sink: AppEventSink<R>; result: Result<R> } {
  const result: Result<R> = { records: [], anomalies: [], stopped: null };
  const sink: AppEventSink<R> = {
    recordsWanted,
    emit(record) {
      if (result.stopped !== null) throw new Error('emit after stop');
      result.records.push(record);
    },
    anomaly(code, direction) {
      result.anomalies.push(`${anomalyNames[code] ?? `${proto}.code_${code}`}@${direction ?? '-'}`);
    },
    serverName() {
      throw new Error(`${proto} reports no server name`);
    },
    stop(reason) {
      result.stopped = reason;
    },
  };
  return { sink, result };
}

/** Runs `steps` through `conn`, cut by `feed` as `split` says; ends both directions at the end unless `keepOpen`. */
export function runSteps<C extends Connection>(
  conn: C,
  steps: readonly Step[],
  feed: (p: C, dir: Direction, data: Uint8Array, split: Split) => void,
  split: Split,
  keepOpen: boolean,
): void {
  for (const s of steps) {
    if ('data' in s) feed(conn, s.dir, s.data, split);
    else if ('gap' in s) conn.onGap(s.dir, s.gap);
    else conn.onEnd(s.dir, 'fin');
  }
  if (!keepOpen) {
    conn.onEnd(0 as Direction, 'fin');
    conn.onEnd(1 as Direction, 'fin');
  }
}
