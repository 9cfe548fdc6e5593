/**
 * `--format summary`: the totals of a run, for a person to read.
 */
import type { EngineStats } from '../stats.js';
import { isoTimestamp } from './eve.js';
import { techniqueFullName } from '../threats/attack.js';

export interface SummaryInput {
  stats: EngineStats;
  /** Inputs replayed, with the error that stopped each one (if any). */
  inputs: { name: string; bytes: number; error?: string }[];
  elapsedMs: number;
  /** Events written, by type. */
  events: Record<string, number>;
}

const nf = new Intl.NumberFormat('en-US');

/** Three significant digits, no exponent: 791, 79.1, 7.91, 0.791. */
export function significant(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return '0';
  const abs = Math.abs(n);
  // toPrecision switches to exponents at 1e21 and below 1e-6; those never reach a person here.
  return abs >= 1000 ? nf.format(Math.round(n)) : String(Number(n.toPrecision(3)));
}

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** A byte count for a person: `791 B`, `1.23 kB`, `45.6 MB` (decimal units, 3 significant digits). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return 'n/a';
  let unit = 0;
  let v = bytes;
  // Round first so that 999.6 kB moves up to 1 MB rather than printing "1000 kB".
  while (unit < SIZE_UNITS.length - 1 && Number(v.toPrecision(3)) >= 1000) {
    v /= 1000;
    unit++;
  }
  return `${unit === 0 && Number.isInteger(v) ? String(v) : significant(v)} ${SIZE_UNITS[unit]}`;
}

/** A rate for a person: `791 B/s`, `12.3 MB/s`; `packets` gives `1.13 M packets/s`. */
export function formatRate(perSecond: number, what: 'bytes' | 'packets'): string {
  if (!Number.isFinite(perSecond) || perSecond < 0) return 'n/a';
  if (what === 'bytes') return `${formatBytes(perSecond)}/s`;
  if (perSecond < 1e3) return `${significant(perSecond)} packets/s`;
  if (perSecond < 1e6) return `${significant(perSecond / 1e3)} k packets/s`;
  return `${significant(perSecond / 1e6)} M packets/s`;
}

/** A duration for a person: `68.5 ms`, `2.31 s`, `1,234 s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'n/a';
  return seconds < 1 ? `${significant(seconds * 1000)} ms` : `${significant(seconds)} s`;
}

function list(rec: Record<string, number>, limit = 12): string {
  const entries = Object.entries(rec).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return 'none';
  const shown = entries.slice(0, limit).map(([k, v]) => `${k} ${nf.format(v)}`);
  if (entries.length > limit) shown.push(`… ${entries.length - limit} more`);
  return shown.join(', ');
}

export function formatSummary(s: SummaryInput): string {
  const st = s.stats;
  const secs = s.elapsedMs / 1000;
  const inputBytes = s.inputs.reduce((a, i) => a + i.bytes, 0);
  const rate = secs > 0 ? `${formatRate(st.packets / secs, 'packets')}, ${formatRate(st.bytes / secs, 'bytes')}` : 'n/a';
  const span =
    Number.isFinite(st.firstTs) && Number.isFinite(st.lastTs)
      ? `${isoTimestamp({ sec: st.firstTs, nsec: 0 })} → ${isoTimestamp({ sec: st.lastTs, nsec: 0 })}`
      : 'no packets';
  const anomalyTotal = Object.values(st.anomalies).reduce((a, b) => a + b, 0);
  const lines = [
    'netsieve summary',
    `  inputs       ${s.inputs.length} (${formatBytes(inputBytes)}): ${s.inputs.map((i) => i.name).join(', ')}`,
    `  packets      ${nf.format(st.packets)} (${formatBytes(st.bytes)} captured), ${nf.format(st.ipPackets)} to the flow stage, ${nf.format(st.otherPackets)} other${st.packetsFiltered > 0 ? `, ${nf.format(st.packetsFiltered)} left out by the filter` : ''}`,
    `  capture time ${span}`,
    `  elapsed      ${formatDuration(secs)} (${rate})`,
    `  flows        ${nf.format(st.flowsCreated)}: ${list(st.flowsByProto)}`,
    `               ended ${nf.format(st.flowsEnded)}, timed out ${nf.format(st.flowsTimedOut)}, evicted ${nf.format(st.flowsEvicted)}, still open ${nf.format(st.flowsActive)}`,
    `               memory peak ${formatBytes(st.flowMemory.peak)} of ${formatBytes(st.flowMemory.memcap)} (flow.memcap), memcap evictions ${nf.format(st.flowMemory.memcapEvictions)}`,
    `  applications ${list(st.flowsByApp)}`,
    `  anomalies    ${nf.format(anomalyTotal)}: ${list(st.anomalies)}`,
    `  layers       ${list(st.layers, 16)}`,
    `  reassembly   peak memory ${formatBytes(st.reassembly.memoryPeak)}, memcap hits ${nf.format(st.reassembly.memcapHits)}`,
    `  events       ${list(s.events)}`,
  ];
  if (st.policy !== undefined) {
    const p = st.policy;
    lines.push(
      `  policy       ${p.mode}: ${nf.format(p.rules)} rules, ${nf.format(p.groups)} groups; flows allowed ${nf.format(p.flowsAllowed)}, denied ${nf.format(p.flowsDenied)}, violations ${nf.format(p.violations)}`,
      `               dropped ${nf.format(p.packetsDropped)} packets (${formatBytes(p.bytesDropped)}); names from DNS ${nf.format(p.names.entries)} (${nf.format(p.names.responses)} responses), learned ${nf.format(p.learned)} conversations`,
    );
  }
  if (st.threats !== undefined) {
    const t = st.threats;
    lines.push(
      `  threats      ${nf.format(t.alerts)} alerts (${nf.format(t.suppressed)} more findings merged into them), ${t.detectors.length} detectors; by detector: ${list(t.byDetector)}`,
    );
    // By technique, most alerts first: what an ATT&CK-minded reader asks.
    const techniques = Object.entries(t.byTechnique).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    for (const [id, n] of techniques) lines.push(`               ${id} ${techniqueFullName(id)}: ${nf.format(n)}`);
    if (t.evictions > 0) lines.push(`               ${nf.format(t.evictions)} table entries evicted at threats.maxTracked`);
  }
  if (st.internalErrors.count > 0) {
    const last = st.internalErrors.last;
    lines.push(
      `  internal     ${nf.format(st.internalErrors.count)} errors caught (a bug: please report it)${last !== null ? `; last in ${last.where}: ${last.message}` : ''}`,
    );
  }
  const errors = s.inputs.filter((i) => i.error !== undefined);
  if (errors.length > 0) {
    lines.push(`  errors       ${errors.length}`);
    for (const e of errors) lines.push(`    ${e.error}`);
  }
  return `${lines.join('\n')}\n`;
}
