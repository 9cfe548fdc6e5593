/**
 * Capture anomalies: a record that is odd or partly wrong but whose framing is intact, so the reader
 * can go on. (A record whose framing is lost ends the read with a `NetsieveError` instead.)
 *
 * One table: the numeric code is the index (readers count them in a `Uint32Array`), the string is the
 * name used in counters and the summary. Append only; never renumber or reuse. A retired code keeps
 * its slot with a `retired.` prefix.
 */
export const CAPTURE_ANOMALIES = [
  'capture.none', // 0: never raised
  'capture.caplen_above_origlen', // 1: more bytes captured than were on the wire; some writers set origlen to 0 or to the IP length. Delivered as is
  'capture.caplen_above_snaplen', // 2: classic pcap record larger than the file's snaplen (the header lies, or snaplen is 0). Delivered as is
  'capture.bad_timestamp_fraction', // 3: classic pcap µs ≥ 10^6 (ns ≥ 10^9); the excess is carried into the seconds
  'capture.caplen_beyond_block', // 4: pcapng packet claims more captured bytes than its block holds; cut at the block end
  'capture.unknown_interface', // 5: pcapng packet refers to an interface its section never described; skipped
  'capture.block_too_short', // 6: pcapng block shorter than its fixed fields (an EPB under 32 bytes); skipped
  'capture.bad_option', // 7: pcapng option running past its block or with a wrong length; the block's other options are ignored
  'capture.too_many_interfaces', // 8: more IDBs in one section than the reader keeps (65536); the extra ones are ignored
] as const;

export type CaptureAnomalyName = (typeof CAPTURE_ANOMALIES)[number];

/** Numeric codes by name without the area prefix, e.g. `CaptureAnomaly.unknown_interface`. */
export const CaptureAnomaly = Object.freeze(
  Object.fromEntries(CAPTURE_ANOMALIES.map((name, i) => [name.slice('capture.'.length), i])),
) as { readonly [K in CaptureAnomalyName as K extends `capture.${infer S}` ? S : never]: number };

/** A zeroed counter array with one slot per anomaly code. */
export function newCaptureAnomalyCounters(): Uint32Array {
  return new Uint32Array(CAPTURE_ANOMALIES.length);
}

/** The non-zero counters by name, for summaries and tests. */
export function captureAnomalyCounts(counters: Uint32Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 1; i < counters.length && i < CAPTURE_ANOMALIES.length; i++) {
    if (counters[i]! > 0) out[CAPTURE_ANOMALIES[i]!] = counters[i]!;
  }
  return out;
}
