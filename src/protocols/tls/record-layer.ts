/**
 * The TLS record layer of one direction (RFC 8446 §5, RFC 5246 §6.2): record headers, and inside handshake
 * records the handshake messages (type(1) length(3) body), over reassembled bytes in any split.
 *
 * Records and messages are independent framings: a record may hold several messages and a message may span
 * records. The reader keeps a 5-byte header buffer and, for a handshake message that does not arrive in
 * one piece, one buffer of exactly that message's length (allocated per message, capped by
 * `maxHandshakeMessageSize`); a message that does arrive whole within one chunk is handed over in place.
 * Everything else is skipped by count: application data, encrypted records, oversized messages. A
 * ChangeCipherSpec, a cleartext alert and a cleartext heartbeat header need at most 3 bytes, kept in a
 * small fixed buffer.
 *
 * A gap inside a record body of known size keeps the framing (the record, or the message it hit, is
 * dropped). Any other gap breaks it: the reader then scans for the next plausible record header, six bytes
 * at a time (`RESYNC`), at most `MAX_RESYNC_SCAN` bytes, as Suricata's TLS parser does after a gap in the
 * handshake. A header alone is too weak a sign in encrypted data, so the byte after it must fit too: a
 * known handshake type for a cleartext handshake record, the value 1 for a ChangeCipherSpec, a level for a
 * cleartext alert.
 *
 * SSLv2 records (2-byte header with the high bit set) are accepted before the direction's first TLS
 * record, the form of SSLv2 and SSLv2-compatible hellos (RFC 5246 §E.2); their bodies are buffered whole
 * (at most 32767 bytes). The 3-byte SSLv2 header (padding) is not used by hellos and is not read.
 */
import type { Direction } from '../../flow/stream.js';
import { ContentType, HandshakeType, isKnownHandshakeType, MAX_PLAINTEXT_LENGTH, MAX_RECORD_LENGTH } from './constants.js';
import { TlsAnomaly } from './anomalies.js';

/** What the reader finds, per direction. Buffers passed are valid during the call only. */
export interface RecordHandler {
  /** Whether `direction`'s handshake, alert and heartbeat contents are encrypted now (asked per record). */
  encrypted(direction: Direction): boolean;
  handshakeMessage(direction: Direction, type: number, buf: Uint8Array, start: number, end: number): void;
  changeCipherSpec(direction: Direction): void;
  /** A handshake record whose contents are encrypted (a Finished, or a renegotiation's messages), by its length. */
  encryptedHandshake(direction: Direction, length: number): void;
  /** A cleartext alert (the first one of the record). */
  alert(direction: Direction, level: number, description: number): void;
  /**
   * A heartbeat record of `recordLength` bytes: cleartext `type` and `payloadLength` (-1 when the record is
   * too short to hold them), or -1 and -1 when encrypted.
   */
  heartbeat(direction: Direction, recordLength: number, type: number, payloadLength: number): void;
  applicationData(direction: Direction, length: number): void;
  sslv2Message(direction: Direction, buf: Uint8Array, start: number, end: number): void;
  anomaly(name: number, direction: Direction): void;
  /** The direction can no longer be followed (garbage header, unrecoverable gap). */
  lost(direction: Direction): void;
}

const Phase = { HEADER: 0, BODY: 1, LOST: 2, RESYNC: 3 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** What is done with the current record's body. */
const Body = {
  /** Counted and dropped. */
  SKIP: 0,
  /** Handshake messages. */
  HANDSHAKE: 1,
  /** The first 3 bytes kept (ChangeCipherSpec, cleartext alert, cleartext heartbeat). */
  SMALL: 2,
  /** Buffered whole (an SSLv2 record). */
  SSLV2: 3,
} as const;
type Body = (typeof Body)[keyof typeof Body];

const TLS_HEADER = 5;
const SSLV2_HEADER = 2;
/**
 * Bytes scanned for a record header after a gap before giving the direction up: 64 KiB is four maximal
 * records, enough to cross whatever record the gap cut into (and a bound on per-byte work).
 */
const MAX_RESYNC_SCAN = 65536;

export class TlsRecordReader {
  /** Set by the owner to ignore all further input (the flow left the protocol). */
  halted = false;
  private phase: Phase = Phase.HEADER;
  private readonly header = new Uint8Array(TLS_HEADER);
  private headerLen = 0;
  private headerNeed = TLS_HEADER;
  /** An SSLv2 header is acceptable (no TLS record seen yet in this direction). */
  private sslv2Allowed = true;

  private recordType = 0;
  private recordLength = 0;
  private remaining = 0;
  private body: Body = Body.SKIP;

  private readonly small = new Uint8Array(3);
  private smallLen = 0;
  /** Part of the small content fell in a gap: do not dispatch it. */
  private smallLost = false;
  private sslv2Buf: Uint8Array | null = null;
  private sslv2Fill = 0;

  /** RESYNC: the last bytes seen (a candidate header and the byte after it), and the bytes scanned so far. */
  private readonly window = new Uint8Array(TLS_HEADER + 1);
  private windowLen = 0;
  private scanned = 0;

  // The handshake message being assembled.
  private readonly msgHeader = new Uint8Array(4);
  private msgHeaderLen = 0;
  private msgType = 0;
  private msgLen = 0;
  private msgBuf: Uint8Array | null = null;
  private msgFill = 0;
  /** Bytes of an oversized (or gap-damaged) message still to skip. */
  private msgSkip = 0;
  /** TLS records started in this direction, and the one in which the message being assembled began. */
  private recordCount = 0;
  private msgFirstRecord = 0;

  constructor(
    private readonly direction: Direction,
    private readonly handler: RecordHandler,
    private readonly maxMessage: number,
  ) {}

  get isLost(): boolean {
    return this.phase === Phase.LOST;
  }

  feed(data: Uint8Array, start: number, end: number): void {
    let p = start;
    while (p < end && !this.halted && this.phase !== Phase.LOST) {
      if (this.phase === Phase.HEADER) p = this.readHeader(data, p, end);
      else if (this.phase === Phase.BODY) p = this.readBody(data, p, end);
      else p = this.resync(data, p, end);
    }
  }

  /** `length` bytes (-1: unknown) of the stream are missing before the next `feed`. */
  gap(length: number): void {
    if (this.halted || this.phase === Phase.LOST) return;
    this.anomaly(TlsAnomaly.GAP);
    if (this.phase === Phase.RESYNC) {
      this.windowLen = 0; // the bytes before the gap are not contiguous with what follows
      return;
    }
    // Only a gap inside the current record's body, of known size, keeps the framing.
    if (length < 0 || this.phase === Phase.HEADER || length > this.remaining) {
      this.startResync();
      return;
    }
    this.remaining -= length;
    switch (this.body) {
      case Body.SMALL:
        this.smallLost = true;
        break;
      case Body.SSLV2:
        this.sslv2Buf = null;
        this.body = Body.SKIP;
        break;
      case Body.HANDSHAKE:
        if (this.msgSkip > 0 && length <= this.msgSkip) {
          this.msgSkip -= length;
          if (this.msgSkip === 0) this.resetMessage();
        } else if (this.msgHeaderLen === 4 && this.msgBuf !== null && length <= this.msgLen - this.msgFill) {
          // Inside one message's body: drop the message, skip its rest, stay framed.
          this.msgSkip = this.msgLen - this.msgFill - length;
          this.msgBuf = null;
          if (this.msgSkip === 0) this.resetMessage();
        } else {
          this.startResync();
          return;
        }
        break;
    }
    if (this.remaining === 0) this.finishRecord();
  }

  private startResync(): void {
    this.phase = Phase.RESYNC;
    this.headerLen = 0;
    this.resetMessage();
    this.sslv2Buf = null;
    this.sslv2Allowed = false;
    this.windowLen = 0;
    this.scanned = 0;
  }

  /** RESYNC: slides a 6-byte window over the input until it holds a plausible header and first body byte. */
  private resync(data: Uint8Array, p: number, end: number): number {
    const w = this.window;
    while (p < end) {
      if (this.scanned++ >= MAX_RESYNC_SCAN) {
        this.lose();
        return end;
      }
      if (this.windowLen === w.length) {
        w.copyWithin(0, 1);
        this.windowLen--;
      }
      w[this.windowLen++] = data[p++]!;
      if (this.windowLen === w.length && this.plausibleHeader(w)) {
        this.anomaly(TlsAnomaly.RESYNCHRONISED);
        this.header.set(w.subarray(0, TLS_HEADER));
        this.startTlsRecord();
        // The byte after the header is the body's first (startTlsRecord may have given up: then it is dropped).
        if (this.phase === Phase.BODY) this.readBody(w, TLS_HEADER, TLS_HEADER + 1);
        return p;
      }
    }
    return p;
  }

  private plausibleHeader(w: Uint8Array): boolean {
    const type = w[0]!;
    const length = (w[3]! << 8) | w[4]!;
    if (type < ContentType.CHANGE_CIPHER_SPEC || type > ContentType.HEARTBEAT || w[1] !== 3 || w[2]! > 4) return false;
    if (length === 0 || length > MAX_RECORD_LENGTH) return false;
    const encrypted = this.handler.encrypted(this.direction);
    switch (type) {
      case ContentType.HANDSHAKE:
        return encrypted || isKnownHandshakeType(w[5]!);
      case ContentType.CHANGE_CIPHER_SPEC:
        return length === 1 && w[5] === 1;
      case ContentType.ALERT:
        return encrypted || (length === 2 && (w[5] === 1 || w[5] === 2));
      default:
        return true;
    }
  }

  private anomaly(name: number): void {
    this.handler.anomaly(name, this.direction);
  }

  private lose(): void {
    this.phase = Phase.LOST;
    this.msgBuf = null;
    this.sslv2Buf = null;
    this.handler.lost(this.direction);
  }

  private readHeader(data: Uint8Array, p: number, end: number): number {
    if (this.headerLen === 0) {
      if ((data[p]! & 0x80) !== 0) {
        if (!this.sslv2Allowed) {
          this.anomaly(TlsAnomaly.INVALID_RECORD_TYPE);
          this.lose();
          return end;
        }
        this.headerNeed = SSLV2_HEADER;
      } else {
        this.headerNeed = TLS_HEADER;
      }
    }
    const take = Math.min(this.headerNeed - this.headerLen, end - p);
    for (let i = 0; i < take; i++) this.header[this.headerLen + i] = data[p + i]!;
    this.headerLen += take;
    p += take;
    if (this.headerLen < this.headerNeed) return p;
    this.headerLen = 0;
    if (this.headerNeed === SSLV2_HEADER) this.startSslv2Record();
    else this.startTlsRecord();
    return p;
  }

  private startTlsRecord(): void {
    const h = this.header;
    const type = h[0]!;
    const length = (h[3]! << 8) | h[4]!;
    if (type < ContentType.CHANGE_CIPHER_SPEC || type > ContentType.HEARTBEAT) {
      this.anomaly(TlsAnomaly.INVALID_RECORD_TYPE);
      this.lose();
      return;
    }
    if (h[1] !== 3) {
      this.anomaly(TlsAnomaly.INVALID_RECORD_VERSION);
      this.lose();
      return;
    }
    if (h[2]! > 4) this.anomaly(TlsAnomaly.INVALID_RECORD_VERSION);
    if (length > MAX_RECORD_LENGTH) {
      this.anomaly(TlsAnomaly.INVALID_RECORD_LENGTH);
      this.lose();
      return;
    }
    this.sslv2Allowed = false;
    if (type !== ContentType.HANDSHAKE && this.msgHeaderLen > 0) {
      this.anomaly(TlsAnomaly.HANDSHAKE_INTERLEAVED);
      this.resetMessage();
    }
    const encrypted = this.handler.encrypted(this.direction);
    this.recordCount++;
    this.recordType = type;
    this.recordLength = length;
    this.remaining = length;
    this.smallLen = 0;
    this.smallLost = false;
    this.body = Body.SKIP;
    switch (type) {
      case ContentType.HANDSHAKE:
        if (length === 0) this.anomaly(TlsAnomaly.INVALID_RECORD_LENGTH);
        if (!encrypted) {
          if (length > MAX_PLAINTEXT_LENGTH) this.anomaly(TlsAnomaly.INVALID_RECORD_LENGTH);
          this.body = Body.HANDSHAKE;
        } else this.handler.encryptedHandshake(this.direction, length);
        break;
      case ContentType.CHANGE_CIPHER_SPEC:
        if (length === 0) this.anomaly(TlsAnomaly.INVALID_RECORD_LENGTH);
        this.body = Body.SMALL;
        break;
      case ContentType.ALERT:
        if (length === 0) this.anomaly(TlsAnomaly.INVALID_RECORD_LENGTH);
        if (!encrypted) this.body = Body.SMALL;
        break;
      case ContentType.HEARTBEAT:
        if (encrypted) this.handler.heartbeat(this.direction, length, -1, -1);
        else this.body = Body.SMALL;
        break;
      case ContentType.APPLICATION_DATA:
        this.handler.applicationData(this.direction, length);
        break;
    }
    this.phase = Phase.BODY;
    if (length === 0) this.finishRecord();
  }

  private startSslv2Record(): void {
    const length = ((this.header[0]! & 0x7f) << 8) | this.header[1]!;
    if (length === 0) {
      this.anomaly(TlsAnomaly.INVALID_SSLV2_RECORD);
      this.lose();
      return;
    }
    this.recordType = 0;
    this.recordLength = length;
    this.remaining = length;
    this.phase = Phase.BODY;
    if (this.handler.encrypted(this.direction) || length > this.maxMessage) {
      this.body = Body.SKIP;
    } else {
      this.body = Body.SSLV2;
      this.sslv2Buf = new Uint8Array(length);
      this.sslv2Fill = 0;
    }
  }

  private readBody(data: Uint8Array, p: number, end: number): number {
    const n = Math.min(this.remaining, end - p);
    switch (this.body) {
      case Body.HANDSHAKE:
        this.consumeHandshake(data, p, p + n);
        break;
      case Body.SMALL:
        for (let i = 0; i < n && this.smallLen < 3; i++) this.small[this.smallLen++] = data[p + i]!;
        break;
      case Body.SSLV2:
        this.sslv2Buf!.set(data.subarray(p, p + n), this.sslv2Fill);
        this.sslv2Fill += n;
        break;
    }
    this.remaining -= n;
    if (this.remaining === 0 && !this.halted && this.phase === Phase.BODY) this.finishRecord();
    return p + n;
  }

  private finishRecord(): void {
    this.phase = Phase.HEADER;
    if (this.body === Body.SSLV2) {
      const buf = this.sslv2Buf!;
      this.sslv2Buf = null;
      this.handler.sslv2Message(this.direction, buf, 0, buf.length);
      return;
    }
    if (this.body !== Body.SMALL || this.smallLost) return;
    const len = this.recordLength;
    switch (this.recordType) {
      case ContentType.CHANGE_CIPHER_SPEC:
        // RFC 5246 §7.1: the message is a single byte of value 1 (protected, and longer, in a renegotiation).
        if ((len !== 1 || this.small[0] !== 1) && !this.handler.encrypted(this.direction))
          this.anomaly(TlsAnomaly.INVALID_CHANGE_CIPHER_SPEC);
        this.handler.changeCipherSpec(this.direction);
        break;
      case ContentType.ALERT:
        if (len !== 2 || (this.small[0] !== 1 && this.small[0] !== 2)) this.anomaly(TlsAnomaly.INVALID_ALERT);
        if (len >= 2) this.handler.alert(this.direction, this.small[0]!, this.small[1]!);
        break;
      case ContentType.HEARTBEAT:
        this.handler.heartbeat(
          this.direction,
          len,
          len >= 1 ? this.small[0]! : -1,
          len >= 3 ? (this.small[1]! << 8) | this.small[2]! : -1,
        );
        break;
    }
  }

  /**
   * A ClientHello whose header or body crossed a record boundary although it fits in one record: legal
   * (RFC 8446 §5.1) but not what clients do, and a way past inspection that reads the first record only.
   * Large certificate chains span records as a matter of course, so only the ClientHello is flagged.
   */
  private checkFragmented(type: number, length: number): void {
    if (type === HandshakeType.CLIENT_HELLO && this.msgFirstRecord !== this.recordCount && 4 + length <= MAX_PLAINTEXT_LENGTH) {
      this.anomaly(TlsAnomaly.CLIENT_HELLO_FRAGMENTED);
    }
  }

  private resetMessage(): void {
    this.msgHeaderLen = 0;
    this.msgBuf = null;
    this.msgFill = 0;
    this.msgSkip = 0;
  }

  /** Handshake bytes `buf[s, e)` of the current record. */
  private consumeHandshake(buf: Uint8Array, s: number, e: number): void {
    while (s < e && !this.halted && this.phase !== Phase.LOST) {
      if (this.msgSkip > 0) {
        const k = Math.min(this.msgSkip, e - s);
        this.msgSkip -= k;
        s += k;
        if (this.msgSkip === 0) this.resetMessage();
        continue;
      }
      if (this.msgHeaderLen < 4) {
        if (this.msgHeaderLen === 0) this.msgFirstRecord = this.recordCount;
        while (this.msgHeaderLen < 4 && s < e) this.msgHeader[this.msgHeaderLen++] = buf[s++]!;
        if (this.msgHeaderLen < 4) return;
        this.msgType = this.msgHeader[0]!;
        this.msgLen = (this.msgHeader[1]! << 16) | (this.msgHeader[2]! << 8) | this.msgHeader[3]!;
        if (this.msgLen > this.maxMessage) {
          this.anomaly(TlsAnomaly.HANDSHAKE_TOO_LARGE);
          this.msgSkip = this.msgLen;
          continue;
        }
        if (this.msgLen <= e - s) {
          // Whole in this chunk: no copy.
          const type = this.msgType;
          const len = this.msgLen;
          this.checkFragmented(type, len);
          this.resetMessage();
          this.handler.handshakeMessage(this.direction, type, buf, s, s + len);
          s += len;
          continue;
        }
        this.msgBuf = new Uint8Array(this.msgLen);
        this.msgFill = 0;
      }
      const k = Math.min(this.msgLen - this.msgFill, e - s);
      this.msgBuf!.set(buf.subarray(s, s + k), this.msgFill);
      this.msgFill += k;
      s += k;
      if (this.msgFill === this.msgLen) {
        const msg = this.msgBuf!;
        const type = this.msgType;
        this.checkFragmented(type, msg.length);
        this.resetMessage();
        this.handler.handshakeMessage(this.direction, type, msg, 0, msg.length);
      }
    }
  }
}
