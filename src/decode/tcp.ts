/**
 * TCP header (RFC 9293 §3.1) and its options.
 *
 * Options read: MSS (kind 2), window scale (3, clamped to 14 as RFC 7323 §2.3 requires: "MUST use 14
 * instead"), SACK-permitted (4), SACK blocks (5, RFC 2018; up to `MAX_SACK_BLOCKS`, which 40 bytes of
 * option space cannot exceed), timestamps (8, RFC 7323 §3). Unknown kinds are skipped by their length.
 * A length below 2 or past the header stops the walk, a known kind with the wrong length is skipped; both
 * raise `decode.tcp_bad_option` and keep what was read before.
 *
 * Flag combinations no stack sends on its own (SYN+FIN, SYN+RST, no flags, FIN+PSH+URG) and port 0 are
 * raised as anomalies and the packet is kept: smoltcp refuses them as an endpoint should, an inspector has
 * to see them because scanners and evasion tools send exactly those.
 */
import { EMPTY_BYTES, u16, u32 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { Layer, MAX_SACK_BLOCKS, TcpFlag, type DecodedPacket } from './packet.js';

const FIELD = {
  SRC_PORT: 0,
  DST_PORT: 2,
  SEQ_NUM: 4,
  ACK_NUM: 8,
  DATA_OFF: 12,
  FLAGS: 13,
  WIN_SIZE: 14,
  CHECKSUM: 16,
  URGENT: 18,
} as const;
export const TCP_HEADER_LEN = FIELD.URGENT + 2;

export const TcpOption = { EOL: 0, NOP: 1, MSS: 2, WINDOW_SCALE: 3, SACK_PERMITTED: 4, SACK: 5, TIMESTAMP: 8 } as const;
/** RFC 7323 §2.3: the largest shift a window scale may have. */
export const MAX_WINDOW_SCALE = 14;

const XMAS = TcpFlag.FIN | TcpFlag.PSH | TcpFlag.URG;
/** Flags a scan's "no flags" test looks at: ECE and CWR alone make a segment no more meaningful. */
const CONTROL_FLAGS = TcpFlag.FIN | TcpFlag.SYN | TcpFlag.RST | TcpFlag.PSH | TcpFlag.ACK | TcpFlag.URG;

/** Zero-copy view of a TCP segment. Valid until the buffer it is bound to is reused. */
export class TcpView {
  bytes: Uint8Array = EMPTY_BYTES;
  offset = 0;
  /** Bytes of the segment present in the buffer. */
  length = 0;
  /** The segment's length as the IP header states it (at least `length`). */
  segmentLength = 0;

  bind(bytes: Uint8Array, offset: number, length: number, segmentLength: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    this.segmentLength = segmentLength;
    return this;
  }

  /**
   * 0 when the header with its options is present. A data offset below 5 or past the segment the IP header
   * states is `tcp_bad_offset`; the capture cutting the options is `decode.truncated`. Either way the fixed
   * 20 bytes are present and stay usable (see `tcpUsable`): ports and flags are what scan and evasion
   * detection need, and nmap and fuzzers send exactly such segments (tshark still names their conversation).
   * Such a segment has no payload: nothing says where it would start.
   */
  checkLen(): number {
    if (this.length < TCP_HEADER_LEN || this.segmentLength < TCP_HEADER_LEN) return DecodeAnomaly.tcp_too_short;
    const hlen = this.headerLength;
    if (hlen < TCP_HEADER_LEN || hlen > this.segmentLength) return DecodeAnomaly.tcp_bad_offset;
    if (hlen > this.length) return DecodeAnomaly.truncated;
    return 0;
  }

  get srcPort(): number {
    return u16(this.bytes, this.offset + FIELD.SRC_PORT);
  }

  get dstPort(): number {
    return u16(this.bytes, this.offset + FIELD.DST_PORT);
  }

  get seq(): number {
    return u32(this.bytes, this.offset + FIELD.SEQ_NUM);
  }

  get ack(): number {
    return u32(this.bytes, this.offset + FIELD.ACK_NUM);
  }

  /** Header length in bytes (data offset × 4). */
  get headerLength(): number {
    return (this.bytes[this.offset + FIELD.DATA_OFF]! >> 4) << 2;
  }

  get flags(): number {
    return this.bytes[this.offset + FIELD.FLAGS]!;
  }

  get window(): number {
    return u16(this.bytes, this.offset + FIELD.WIN_SIZE);
  }

  get checksum(): number {
    return u16(this.bytes, this.offset + FIELD.CHECKSUM);
  }

  get urgent(): number {
    return u16(this.bytes, this.offset + FIELD.URGENT);
  }
}

/** True when a `checkLen()` code still leaves the fixed header decodable. */
export function tcpUsable(code: number): boolean {
  return code !== DecodeAnomaly.tcp_too_short;
}

/**
 * Writes the TCP fields, options and payload bounds into `out` and raises the flag anomalies. The payload
 * is what follows the header up to the end of the present bytes (empty when the header itself was cut).
 */
export function decodeTcp(view: TcpView, out: DecodedPacket): void {
  out.addLayer(Layer.TCP);
  const off = view.offset;
  const hlen = view.headerLength;
  const sport = view.srcPort;
  const dport = view.dstPort;
  const flags = view.flags;
  out.l4Offset = off;
  out.l4Len = view.length;
  out.srcPort = sport;
  out.dstPort = dport;
  out.tcpSeq = view.seq;
  out.tcpAck = view.ack;
  out.tcpFlags = flags;
  out.tcpWindow = view.window;
  out.tcpUrgent = view.urgent;
  out.tcpHeaderLen = hlen;
  if (hlen > TCP_HEADER_LEN) {
    // When the capture cut the options, an option running into the cut is not the sender's fault.
    const cut = hlen > view.length;
    const wellFormed = readTcpOptions(view.bytes, off + TCP_HEADER_LEN, cut ? off + view.length : off + hlen, out);
    if (!wellFormed && !cut) out.addAnomaly(DecodeAnomaly.tcp_bad_option);
  }
  if (hlen >= TCP_HEADER_LEN && hlen <= view.length) {
    out.payloadOffset = off + hlen;
    out.payloadLen = view.length - hlen;
  } else {
    out.payloadOffset = off + (hlen < TCP_HEADER_LEN ? TCP_HEADER_LEN : view.length);
    out.payloadLen = 0;
  }

  if ((flags & TcpFlag.SYN) !== 0) {
    if ((flags & TcpFlag.FIN) !== 0) out.addAnomaly(DecodeAnomaly.tcp_syn_fin);
    if ((flags & TcpFlag.RST) !== 0) out.addAnomaly(DecodeAnomaly.tcp_syn_rst);
  } else if ((flags & CONTROL_FLAGS) === 0) {
    out.addAnomaly(DecodeAnomaly.tcp_no_flags);
  }
  if ((flags & XMAS) === XMAS) out.addAnomaly(DecodeAnomaly.tcp_xmas);
  if (sport === 0 || dport === 0) out.addAnomaly(DecodeAnomaly.tcp_port_zero);
}

/**
 * Reads the options in `b[i, end)` into `out`; false when one was malformed. Each read is bounded by `end`,
 * which the caller derived from the data offset and the bytes present.
 */
export function readTcpOptions(b: Uint8Array, i: number, end: number, out: DecodedPacket): boolean {
  let bad = false;
  while (i < end) {
    const kind = b[i]!;
    if (kind === TcpOption.EOL) break;
    if (kind === TcpOption.NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) {
      bad = true;
      break;
    }
    const len = b[i + 1]!;
    if (len < 2 || i + len > end) {
      bad = true;
      break;
    }
    switch (kind) {
      case TcpOption.MSS:
        if (len === 4) out.tcpMss = u16(b, i + 2);
        else bad = true;
        break;
      case TcpOption.WINDOW_SCALE:
        if (len === 3) {
          const shift = b[i + 2]!;
          out.tcpWscale = shift > MAX_WINDOW_SCALE ? MAX_WINDOW_SCALE : shift;
        } else bad = true;
        break;
      case TcpOption.SACK_PERMITTED:
        if (len === 2) out.tcpSackPermitted = true;
        else bad = true;
        break;
      case TcpOption.SACK: {
        const blocks = (len - 2) >> 3;
        if (blocks === 0 || (len - 2) % 8 !== 0) {
          bad = true;
          break;
        }
        const sack = out.tcpSack;
        for (let k = 0; k < blocks && out.tcpSackCount < MAX_SACK_BLOCKS; k++) {
          const at = i + 2 + k * 8;
          sack[out.tcpSackCount * 2] = u32(b, at);
          sack[out.tcpSackCount * 2 + 1] = u32(b, at + 4);
          out.tcpSackCount++;
        }
        break;
      }
      case TcpOption.TIMESTAMP:
        if (len === 10) {
          out.tcpHasTimestamp = true;
          out.tcpTsVal = u32(b, i + 2);
          out.tcpTsEcr = u32(b, i + 6);
        } else bad = true;
        break;
      default:
        break;
    }
    i += len;
  }
  return !bad;
}

// No next-layer choice: a TCP payload is a stream, and which protocol it carries is the flow stage's to find.
