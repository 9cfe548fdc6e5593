/**
 * Options of the Stratum module (`app.protocols.stratum`). Flat numbers: the registry checks a caller's
 * values against these defaults by type and refuses unknown keys; `resolveStratumOptions` brings them into
 * the parser's ranges. Every buffer and queue the parser keeps has its cap here, and hitting it raises the
 * anomaly named beside it.
 */
export interface StratumOptions {
  /**
   * Longest line, in bytes, newline excluded. Default 16384: a mining.notify with a long merkle branch or
   * an XMRig job with its blob is well under 2 KiB. Longer: `stratum.line_too_long`, the line is skipped up
   * to its newline (never parsed, never kept).
   */
  maxLineBytes: number;
  /**
   * Requests awaiting their response, both sides together. Default 64: miners send shares one by one and
   * pools answer each within seconds. Beyond: `stratum.too_many_pending`, the oldest is emitted unanswered.
   */
  maxPending: number;
  /** Parameters kept per record (array elements, or an object's members). Default 10 (a mining.notify has 9). */
  maxParams: number;
  /** Characters kept of each string in a record (a parameter, the result, an error message). Default 256. */
  maxStringBytes: number;
  /**
   * Unusable lines (not JSON, not JSON-RPC, too long) per direction before the flow is given up
   * (`stratum.too_many_bad_lines`, the parser stops). Default 16: a pool drops a client that sends garbage.
   */
  maxBadLines: number;
}

export const STRATUM_DEFAULTS: Readonly<StratumOptions> = Object.freeze({
  maxLineBytes: 16384,
  maxPending: 64,
  maxParams: 10,
  maxStringBytes: 256,
  maxBadLines: 16,
});

/** One line per option (the config reference, the JSON schema and `netsieve protocols` show these). */
export const STRATUM_OPTION_DOCS: { readonly [K in keyof StratumOptions]: string } = {
  maxLineBytes: 'Longest line in bytes, at least 256 (longer: stratum.line_too_long, skipped to its newline)',
  maxPending: 'Requests awaiting their response, at least 1 (beyond: stratum.too_many_pending, the oldest is emitted unanswered)',
  maxParams: 'Parameters kept per record, at least 1 (the rest are counted, not kept)',
  maxStringBytes: 'Characters kept of each parameter, result and error message, at least 16',
  maxBadLines: 'Unusable lines per direction before the flow is given up (stratum.too_many_bad_lines)',
};

/** The options a parser runs with: missing keys take their default, values are clamped into range. */
export function resolveStratumOptions(input: Partial<StratumOptions> = {}): StratumOptions {
  const o = { ...STRATUM_DEFAULTS, ...input };
  const int = (v: number, min: number, max: number) => Math.min(max, Math.max(min, Math.floor(Number.isFinite(v) ? v : min)));
  return {
    maxLineBytes: int(o.maxLineBytes, 256, 16 * 1024 * 1024),
    maxPending: int(o.maxPending, 1, 1 << 20),
    maxParams: int(o.maxParams, 1, 1024),
    maxStringBytes: int(o.maxStringBytes, 16, 1 << 20),
    maxBadLines: int(o.maxBadLines, 1, 1 << 30),
  };
}
