/**
 * Errors netsieve throws. Thrown only where an input as a whole is unusable (a file that is not a
 * capture, a capture cut short, a bad option); trouble inside one packet is an anomaly event instead.
 *
 * Every error is a `NetsieveError` with a stable `code` from the table below. Match on `code`, not on
 * the message or the class. Codes are never renumbered or reused; a retired code stays in the table
 * with a comment.
 */

/** The one table of error codes: code → what happened and what to do about it. */
export const ERROR_CODES = {
  NS_ERR_CAPTURE_FORMAT: 'the input is not a pcap or pcapng capture',
  NS_ERR_CAPTURE_TRUNCATED: 'the capture ends in the middle of a record',
  NS_ERR_CAPTURE_DAMAGED: 'a record in the capture is damaged (a length or field that cannot be right)',
  NS_ERR_CAPTURE_LINKTYPE: 'the capture uses a link type netsieve cannot decode',
  NS_ERR_CAPTURE_IO: 'the capture could not be read',
  NS_ERR_LIVE_UNAVAILABLE: 'live capture is not available (the optional `cap` package or libpcap is missing)',
  NS_ERR_LIVE_PERMISSION: 'live capture needs permission to open the interface',
  NS_ERR_LIVE_DEVICE: 'the interface could not be opened for capture',
  NS_ERR_OPTION: 'an option has a value that cannot be used',
  NS_ERR_CONFIG: 'the configuration file cannot be read or parsed',
  NS_ERR_USAGE: 'the command line is not valid',
  NS_ERR_OUTPUT: 'the output could not be written',
  NS_ERR_STATE: 'the engine was used after close()',
  NS_ERR_PATTERN: 'a pattern cannot be compiled (bad syntax, an unsupported construct, a flag, or a limit)',
  NS_ERR_DATABASE: 'a serialized regex database is damaged or was made by another version',
  NS_ERR_MODE: 'a regex database was used in a mode it was not compiled for',
  NS_ERR_INPUT: 'data given to scan is not bytes (a string, a number, an array...), or a scan argument has the wrong type',
  NS_ERR_RULE: 'a signature rule cannot be loaded (bad syntax, an unknown or unsupported keyword, a bad value or variable)',
  NS_ERR_POLICY: 'a policy cannot be used (a syntax error, an unknown group, a bad CIDR, port or name)',
} as const;

export type NetsieveErrorCode = keyof typeof ERROR_CODES;

/** Where in an input the fault was found; every field that is known is filled. */
export interface ErrorLocation {
  /** File name, `-` for stdin, or a description of the stream. */
  file?: string;
  /** 1-based index of the packet (record) being read when the fault was found. */
  packet?: number;
  /** Byte offset in the input where the faulty record or field starts. */
  offset?: number;
  /** Regex compilation: the id of the pattern at fault. */
  pattern?: number;
  /** Regex compilation: the character position in the pattern's expression. */
  position?: number;
}

export class NetsieveError extends Error {
  readonly code: NetsieveErrorCode;
  readonly file: string | undefined;
  readonly packet: number | undefined;
  readonly offset: number | undefined;
  readonly pattern: number | undefined;
  readonly position: number | undefined;

  constructor(code: NetsieveErrorCode, message: string, where: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(formatMessage(message, where), options);
    this.name = 'NetsieveError';
    this.code = code;
    this.file = where.file;
    this.packet = where.packet;
    this.offset = where.offset;
    this.pattern = where.pattern;
    this.position = where.position;
  }
}

function formatMessage(message: string, where: ErrorLocation): string {
  const parts: string[] = [];
  if (where.file !== undefined) parts.push(where.file);
  if (where.packet !== undefined) parts.push(`packet ${where.packet}`);
  if (where.offset !== undefined) parts.push(`byte offset ${where.offset}`);
  if (where.pattern !== undefined) parts.push(`pattern ${where.pattern}`);
  if (where.position !== undefined) parts.push(`position ${where.position}`);
  return parts.length > 0 ? `${parts.join(', ')}: ${message}` : message;
}

/** True when `e` is a NetsieveError (also across copies of the package). */
export function isNetsieveError(e: unknown): e is NetsieveError {
  if (!(e instanceof Error)) return false;
  const code = (e as unknown as { code?: unknown }).code;
  return typeof code === 'string' && code in ERROR_CODES;
}
