/**
 * `--format summary`: the totals of a run, for a person to read.
 */
import type { EngineStats } from '../engine.js';

export interface SummaryInput {
  stats: EngineStats;
  /** Inputs replayed, with the error that stopped each one (if any). */
  inputs: { name: string; bytes: number; error?: string }[];
  elapsedMs: number;
  /** Events written, by type. */
  events: Record<string, number>;
}

const nf = new Intl.NumberFormat('en-US');

function mb(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
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
  const rate = secs > 0 ? `${nf.format(Math.round(st.packets / secs))} packets/s, ${mb(st.bytes / secs)}/s` : 'n/a';
  const span =
    Number.isFinite(st.firstTs) && Number.isFinite(st.lastTs)
      ? `${new Date(st.firstTs * 1000).toISOString()} → ${new Date(st.lastTs * 1000).toISOString()}`
      : 'no packets';
  const anomalyTotal = Object.values(st.anomalies).reduce((a, b) => a + b, 0);
  const lines = [
    'netsieve summary',
    `  inputs       ${s.inputs.length} (${mb(inputBytes)}): ${s.inputs.map((i) => i.name).join(', ')}`,
    `  packets      ${nf.format(st.packets)} (${mb(st.bytes)} captured), ${nf.format(st.ipPackets)} to the flow stage, ${nf.format(st.otherPackets)} other`,
    `  capture time ${span}`,
    `  elapsed      ${secs.toFixed(2)} s (${rate})`,
    `  flows        ${nf.format(st.flowsCreated)}: ${list(st.flowsByProto)}`,
    `               ended ${nf.format(st.flowsEnded)}, timed out ${nf.format(st.flowsTimedOut)}, evicted ${nf.format(st.flowsEvicted)}, still open ${nf.format(st.flowsActive)}`,
    `  applications ${list(st.flowsByApp)}`,
    `  anomalies    ${nf.format(anomalyTotal)}: ${list(st.anomalies)}`,
    `  layers       ${list(st.layers, 16)}`,
    `  reassembly   peak memory ${mb(st.reassembly.memoryPeak)}, memcap hits ${nf.format(st.reassembly.memcapHits)}`,
    `  events       ${list(s.events)}`,
  ];
  const errors = s.inputs.filter((i) => i.error !== undefined);
  if (errors.length > 0) {
    lines.push(`  errors       ${errors.length}`);
    for (const e of errors) lines.push(`    ${e.error}`);
  }
  return lines.join('\n') + '\n';
}
