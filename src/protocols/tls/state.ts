/**
 * One TLS connection: both directions' record readers, the handshake as it unfolds, and the `tls` record
 * written when nothing more can be learned in the clear.
 *
 * When the rest is encrypted (RFC 8446 §2, RFC 5246 §7.1):
 * - TLS ≤ 1.2: a direction's records are encrypted after its ChangeCipherSpec. The server's Certificate
 *   comes before it, so the chain is read. The handshake is done when both sides sent ChangeCipherSpec.
 * - TLS 1.3: everything after the ServerHello travels in application_data records, so every handshake
 *   record still in the clear is readable (a second ClientHello after a HelloRetryRequest included). The
 *   ChangeCipherSpec records of middlebox compatibility mode (RFC 8446 §D.4) change nothing. The handshake
 *   is done at the (final) ServerHello.
 * - SSLv2: done at the SERVER-HELLO, which carries the certificate.
 * A fatal alert in the clear ends it too (`failed`); the flow's end or both directions lost, `incomplete`.
 *
 * Directions are processed as the engine delivers them; nothing here assumes the client's bytes arrive
 * before the server's answer beyond what TCP acknowledgement ordering gives.
 */
import type { Direction, StreamEndReason } from '../../flow/stream.js';
import { serverNameOf, type AppEventSink, type TcpAppParser } from '../module.js';
import {
  ExtensionType,
  HandshakeType,
  isGrease,
  isKnownHandshakeType,
  isTls13,
  SSL2_NEGOTIATED,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  Version,
} from './constants.js';
import { TlsAnomaly } from './anomalies.js';
import type {
  TlsAlert,
  TlsCertificate,
  TlsClientHello,
  TlsHandshake,
  TlsHandshakeState,
  TlsHeartbeatSummary,
  TlsServerHello,
} from './events.js';
import { ja3, ja3s, ja4 } from './fingerprint.js';
import type { TlsOptions } from './options.js';
import {
  parseCertificateList,
  parseClientHello,
  parseServerHello,
  parseSslv2ClientHello,
  parseSslv2ServerHello,
  type ParseLimits,
} from './parser.js';
import { TlsRecordReader, type RecordHandler } from './record-layer.js';

/** ExtensionType "cookie" (44): the one extension a HelloRetryRequest may send unasked (RFC 8446 §4.2). */
const EXT_COOKIE = 44;

/** Client-to-server and server-to-client handshake messages (RFC 8446 §4, RFC 5246 §7.4). */
const CLIENT_MESSAGES = new Set<number>([
  HandshakeType.CLIENT_HELLO,
  HandshakeType.CLIENT_KEY_EXCHANGE,
  HandshakeType.CERTIFICATE_VERIFY,
  HandshakeType.END_OF_EARLY_DATA,
]);
const SERVER_MESSAGES = new Set<number>([
  HandshakeType.HELLO_REQUEST,
  HandshakeType.SERVER_HELLO,
  HandshakeType.HELLO_VERIFY_REQUEST,
  HandshakeType.NEW_SESSION_TICKET,
  HandshakeType.HELLO_RETRY_REQUEST,
  HandshakeType.ENCRYPTED_EXTENSIONS,
  HandshakeType.SERVER_KEY_EXCHANGE,
  HandshakeType.CERTIFICATE_REQUEST,
  HandshakeType.SERVER_HELLO_DONE,
  HandshakeType.CERTIFICATE_STATUS,
]);

export class TlsFlowParser implements TcpAppParser, RecordHandler {
  private readonly readers: [TlsRecordReader, TlsRecordReader];
  private readonly limits: ParseLimits;
  private readonly ended = [false, false];
  private readonly ccs = [false, false];
  /** The record was emitted. */
  private done = false;
  /** After the record: reading record headers only (`afterHandshake: 'track'`). */
  private tracking = false;
  private stopped = false;

  private clientHello: TlsClientHello | null = null;
  private serverHello: TlsServerHello | null = null;
  /** A HelloRetryRequest was answered by a second ClientHello. */
  private retryAnswered = false;
  private helloRetryRequest = false;
  private serverCertificateSeen = false;
  private serverKeyExchangeSeen = false;
  private certificates: TlsCertificate[] = [];
  private clientCertificates: TlsCertificate[] | null = null;
  private certificateRequested = false;
  private ocspStapled = false;
  private sessionTicketIssued = false;
  /** The server's ChangeCipherSpec came right after its ServerHello: an abbreviated (resumed) handshake. */
  private abbreviated = false;
  private readonly alerts: TlsAlert[] = [];
  private fatalAlert = false;
  private heartbeatSummary: TlsHeartbeatSummary | null = null;
  /** Record length of an encrypted heartbeat request not yet answered, per direction that sent it (-1: none). */
  private readonly pendingHeartbeat = [-1, -1];
  private sslv2 = false;
  private sslv2Negotiated = false;
  /**
   * The client's encrypted handshake records (TLS <= 1.2): after its ChangeCipherSpec the next one is its
   * Finished (0); then it is idle (1), and a handshake record begins a renegotiation (2, `tls.renegotiation`)
   * that lasts until its next ChangeCipherSpec. Server-initiated renegotiation (HelloRequest) counts when the
   * client answers it.
   */
  private clientPhase = 0;

  constructor(
    private readonly sink: AppEventSink<TlsHandshake>,
    private readonly options: TlsOptions,
  ) {
    this.readers = [
      new TlsRecordReader(0, this, options.maxHandshakeMessageSize),
      new TlsRecordReader(1, this, options.maxHandshakeMessageSize),
    ];
    this.limits = {
      maxListLength: options.maxListLength,
      maxCertificates: options.maxCertificates,
      maxDerDepth: options.maxDerDepth,
      keepCertificateDer: options.keepCertificateDer,
    };
  }

  // ------------------------------------------------------------------ TcpAppParser

  onData(direction: Direction, data: Uint8Array, start: number, end: number): void {
    if (this.stopped) return;
    this.readers[direction].feed(data, start, end);
  }

  onGap(direction: Direction, length: number): void {
    if (this.stopped) return;
    this.readers[direction].gap(length);
  }

  onEnd(direction: Direction, _reason: StreamEndReason): void {
    if (this.stopped) return;
    this.ended[direction] = true;
    if (this.ended[0] && this.ended[1] && !this.done) this.finish('incomplete');
  }

  // ------------------------------------------------------------------ RecordHandler

  /** The negotiated version so far (a HelloRetryRequest already names it). */
  private get negotiated(): number | null {
    const sh = this.serverHello;
    if (sh === null) return null;
    return sh.selectedVersion ?? sh.version;
  }

  encrypted(direction: Direction): boolean {
    if (this.tracking) return true;
    return this.ccs[direction]! && !isTls13(this.negotiated);
  }

  anomaly(code: number, direction?: Direction): void {
    if (!this.stopped) this.sink.anomaly(code, direction);
  }

  lost(): void {
    this.checkDone();
  }

  handshakeMessage(direction: Direction, type: number, buf: Uint8Array, start: number, end: number): void {
    if (this.done) return;
    if (!isKnownHandshakeType(type)) {
      this.anomaly(TlsAnomaly.HANDSHAKE_UNKNOWN_TYPE, direction);
      return;
    }
    const fromClient = direction === 0;
    if ((fromClient && SERVER_MESSAGES.has(type)) || (!fromClient && CLIENT_MESSAGES.has(type))) {
      this.anomaly(TlsAnomaly.HANDSHAKE_WRONG_DIRECTION, direction);
      return;
    }
    const report = (name: number): void => this.anomaly(name, direction);
    switch (type) {
      case HandshakeType.CLIENT_HELLO:
        this.onClientHello(parseClientHello(buf, start, end, this.limits, report));
        break;
      case HandshakeType.SERVER_HELLO:
        this.onServerHello(parseServerHello(buf, start, end, this.limits, report));
        break;
      case HandshakeType.CERTIFICATE:
        if (this.serverHello === null && !fromClient) report(TlsAnomaly.HANDSHAKE_OUT_OF_ORDER);
        if (fromClient) {
          if (this.clientCertificates !== null) report(TlsAnomaly.HANDSHAKE_OUT_OF_ORDER);
          else this.clientCertificates = parseCertificateList(buf, start, end, this.limits, report);
        } else if (this.serverCertificateSeen) {
          report(TlsAnomaly.HANDSHAKE_OUT_OF_ORDER);
        } else {
          this.serverCertificateSeen = true;
          this.certificates = parseCertificateList(buf, start, end, this.limits, report);
          if (this.certificates.length === 0) report(TlsAnomaly.CERTIFICATE_EMPTY);
        }
        break;
      case HandshakeType.CERTIFICATE_STATUS:
        this.ocspStapled = true;
        break;
      case HandshakeType.SERVER_KEY_EXCHANGE:
        this.serverKeyExchangeSeen = true;
        break;
      case HandshakeType.CERTIFICATE_REQUEST:
        this.certificateRequested = true;
        break;
      case HandshakeType.NEW_SESSION_TICKET:
        this.sessionTicketIssued = true;
        break;
    }
    this.checkDone();
  }

  private onClientHello(ch: TlsClientHello | null): void {
    if (ch === null) return;
    if (this.clientHello === null) {
      this.clientHello = ch;
      // Only the first ClientHello names the server: one after a HelloRetryRequest must repeat it (RFC 8446
      // §4.1.2), and a renegotiation's comes after the record was emitted (`done`: not parsed).
      this.sink.serverName(serverNameOf(ch.serverName), 'sni');
      this.checkClientVersion(ch);
    } else if (this.helloRetryRequest && !this.retryAnswered) {
      this.retryAnswered = true; // the first ClientHello stays: it is what fingerprints describe
    } else {
      this.anomaly(TlsAnomaly.HANDSHAKE_OUT_OF_ORDER, 0);
    }
  }

  private checkClientVersion(ch: TlsClientHello): void {
    const offersAbove = ch.supportedVersions.some((v) => !isGrease(v) && v > Version.SSL3);
    if (ch.version === Version.SSL3 && !offersAbove) this.anomaly(TlsAnomaly.SSLV3, 0);
  }

  private onServerHello(sh: TlsServerHello | null): void {
    if (sh === null) return;
    const prev = this.serverHello;
    if (prev !== null && !(prev.helloRetryRequest && !sh.helloRetryRequest)) {
      this.anomaly(TlsAnomaly.HANDSHAKE_OUT_OF_ORDER, 1);
      return;
    }
    this.serverHello = sh;
    if (sh.helloRetryRequest) this.helloRetryRequest = true;
    this.checkAgainstOffer(sh);
  }

  /** The server's choices against the client's offer. */
  private checkAgainstOffer(sh: TlsServerHello): void {
    const report = (name: number): void => this.anomaly(name, 1);
    const version = sh.selectedVersion ?? sh.version;
    if (version === Version.SSL3) report(TlsAnomaly.SSLV3);
    if (
      isGrease(sh.cipherSuite) ||
      (sh.selectedVersion !== null && isGrease(sh.selectedVersion)) ||
      (sh.keyShareGroup !== null && isGrease(sh.keyShareGroup)) ||
      sh.extensions.some((e) => isGrease(e.type))
    ) {
      report(TlsAnomaly.GREASE_SELECTED);
    }
    const ch = this.clientHello;
    if (ch === null || ch.sslv2Format) return;
    if (sh.selectedVersion !== null ? !ch.supportedVersions.includes(sh.selectedVersion) : sh.version > ch.version)
      report(TlsAnomaly.VERSION_NOT_OFFERED);
    if (!ch.cipherSuites.includes(sh.cipherSuite)) report(TlsAnomaly.CIPHER_NOT_OFFERED);
    const offered = new Set(ch.extensions.map((e) => e.type));
    for (const e of sh.extensions) {
      if (offered.has(e.type)) continue;
      if (e.type === EXT_COOKIE && sh.helloRetryRequest) continue;
      if (e.type === ExtensionType.RENEGOTIATION_INFO && ch.cipherSuites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV)) continue;
      report(TlsAnomaly.EXTENSION_NOT_OFFERED);
      break;
    }
    if (sh.alpn !== null && !ch.alpn.includes(sh.alpn)) report(TlsAnomaly.ALPN_NOT_OFFERED);
    if (sh.downgradeSentinel !== null && ch.supportedVersions.includes(Version.TLS13) && !isTls13(version))
      report(TlsAnomaly.DOWNGRADE_SENTINEL);
  }

  changeCipherSpec(direction: Direction): void {
    if (direction === 0) this.clientPhase = 0;
    if (this.done) return;
    this.ccs[direction] = true;
    if (
      direction === 1 &&
      this.serverHello !== null &&
      !this.serverCertificateSeen &&
      !this.serverKeyExchangeSeen &&
      !isTls13(this.negotiated)
    ) {
      this.abbreviated = true;
    }
    this.checkDone();
  }

  encryptedHandshake(direction: Direction, _length: number): void {
    if (direction !== 0 || !this.ccs[0] || this.sslv2Negotiated || isTls13(this.negotiated)) return;
    if (this.clientPhase === 0) this.clientPhase = 1;
    else if (this.clientPhase === 1) {
      this.clientPhase = 2;
      this.anomaly(TlsAnomaly.RENEGOTIATION, 0);
    }
  }

  alert(direction: Direction, level: number, description: number): void {
    if (this.done) return;
    if (this.alerts.length < this.options.maxAlerts) this.alerts.push({ direction, level, description });
    if (level === 2) this.fatalAlert = true;
    this.checkDone();
  }

  heartbeat(direction: Direction, recordLength: number, type: number, payloadLength: number): void {
    const hb = (this.heartbeatSummary ??= { requests: 0, responses: 0, lengthMismatch: false, oversizedResponse: false });
    const ch = this.clientHello;
    const sh = this.serverHello;
    if (ch === null || sh === null || ch.heartbeatMode === null || sh.heartbeatMode === null)
      this.anomaly(TlsAnomaly.HEARTBEAT_NOT_NEGOTIATED, direction);
    const other = direction === 0 ? 1 : 0;
    if (type < 0 && payloadLength < 0 && recordLength >= 0 && this.encrypted(direction)) {
      // Encrypted: the type is unreadable. A record answering the other side's pending one is a response;
      // a response longer than its request carries more than the request's payload (RFC 6520 §4: the
      // response echoes the payload; padding is at least 16 bytes either way).
      const pending = this.pendingHeartbeat[other]!;
      if (pending >= 0) {
        this.pendingHeartbeat[other] = -1;
        hb.responses++;
        this.anomaly(TlsAnomaly.HEARTBEAT_RESPONSE, direction);
        if (recordLength > pending) {
          hb.oversizedResponse = true;
          this.anomaly(TlsAnomaly.HEARTBEAT_RESPONSE_OVERSIZED, direction);
        }
      } else {
        this.pendingHeartbeat[direction] = recordLength;
        hb.requests++;
        this.anomaly(TlsAnomaly.HEARTBEAT_REQUEST, direction);
      }
      return;
    }
    if (type === 1) {
      hb.requests++;
      this.anomaly(TlsAnomaly.HEARTBEAT_REQUEST, direction);
    } else if (type === 2) {
      hb.responses++;
      this.anomaly(TlsAnomaly.HEARTBEAT_RESPONSE, direction);
    }
    if (type !== 1 && type !== 2) this.anomaly(TlsAnomaly.HEARTBEAT_INVALID, direction);
    if (payloadLength < 0) {
      if (type === 1 || type === 2) this.anomaly(TlsAnomaly.HEARTBEAT_INVALID, direction);
    } else if (payloadLength + 3 + 16 > recordLength) {
      // RFC 6520 §4: type(1) payload_length(2) payload padding(≥16) must fit the record.
      hb.lengthMismatch = true;
      this.anomaly(TlsAnomaly.HEARTBEAT_LENGTH_MISMATCH, direction);
    }
  }

  applicationData(direction: Direction): void {
    if (this.done) return;
    const helloSeen = direction === 0 ? this.clientHello !== null : this.serverHello !== null;
    if (!helloSeen && !this.ccs[direction]) this.anomaly(TlsAnomaly.APPLICATION_DATA_BEFORE_HANDSHAKE, direction);
  }

  sslv2Message(direction: Direction, buf: Uint8Array, start: number, end: number): void {
    if (this.done) return;
    this.sslv2 = true;
    const report = (name: number): void => this.anomaly(name, direction);
    const type = end > start ? buf[start] : -1;
    if (direction === 0 && type === 1) {
      const ch = parseSslv2ClientHello(buf, start, end, this.limits, report);
      if (ch === null) return;
      report(ch.version === Version.SSL2 ? TlsAnomaly.SSLV2 : TlsAnomaly.SSLV2_CLIENT_HELLO);
      this.onClientHello(ch);
    } else if (direction === 1 && type === 4) {
      const parsed = parseSslv2ServerHello(buf, start, end, this.limits, report);
      if (parsed === null) return;
      report(TlsAnomaly.SSLV2);
      this.serverHello = parsed.hello;
      this.certificates = parsed.certificates;
      this.sslv2Negotiated = true;
    } else if (this.clientHello === null || (direction === 1 && this.serverHello === null)) {
      // Later SSLv2 messages (CLIENT-MASTER-KEY, ...) follow the hellos; one before them is not SSLv2.
      report(TlsAnomaly.INVALID_SSLV2_RECORD);
    }
    this.checkDone();
  }

  // ------------------------------------------------------------------ completion

  private checkDone(): void {
    if (this.done || this.stopped) return;
    let state: TlsHandshakeState | null = null;
    const sh = this.serverHello;
    if (this.sslv2Negotiated) state = 'encrypted';
    else if (this.fatalAlert) state = 'failed';
    else if (sh !== null && !sh.helloRetryRequest && isTls13(this.negotiated)) state = 'encrypted';
    else if (this.ccs[0] && this.ccs[1] && !isTls13(this.negotiated)) state = 'encrypted';
    else if ((this.readers[0].isLost || this.ended[0]) && (this.readers[1].isLost || this.ended[1])) state = 'incomplete';
    if (state !== null) this.finish(state);
  }

  private finish(state: TlsHandshakeState): void {
    this.done = true;
    this.sink.emit(this.buildRecord(state));
    const bothEnded = this.ended[0] && this.ended[1];
    if (bothEnded) return;
    if (state === 'encrypted' && this.options.afterHandshake === 'track') {
      this.tracking = true;
      return;
    }
    this.stopped = true;
    this.readers[0].halted = this.readers[1].halted = true;
    this.sink.stop(state === 'encrypted' ? 'encrypted' : state === 'failed' ? 'alert' : 'lost_sync');
  }

  private buildRecord(state: TlsHandshakeState): TlsHandshake {
    const ch = this.clientHello;
    const sh = this.serverHello;
    let version: number | null = null;
    if (this.sslv2Negotiated) version = SSL2_NEGOTIATED;
    else if (sh !== null) version = sh.selectedVersion ?? sh.version;
    else if (ch !== null) version = ch.version;
    const tls13 = isTls13(version);
    const sameSession = ch !== null && sh !== null && sh.sessionId !== '' && sh.sessionId === ch.sessionId;
    const resumed =
      sh !== null && !sh.sslv2Format && (tls13 ? sh.preSharedKeyIdentity !== null : this.abbreviated || sameSession);
    const sslv3 =
      version === Version.SSL3 ||
      (ch !== null && ch.version === Version.SSL3 && !ch.supportedVersions.some((v) => !isGrease(v) && v > Version.SSL3));
    return {
      state,
      version,
      sni: ch?.serverName ?? null,
      clientAlpns: ch !== null ? ch.alpn.slice() : [],
      serverAlpn: sh?.alpn ?? null,
      cipherSuite: sh !== null && !sh.helloRetryRequest ? sh.cipherSuite : null,
      clientHello: ch,
      serverHello: sh,
      helloRetryRequest: this.helloRetryRequest,
      ja3: ch !== null ? ja3(ch) : null,
      ja3s: sh !== null ? ja3s(sh) : null,
      ja4: ch !== null ? ja4(ch) : null,
      resumption: {
        sessionIdOffered: ch !== null && ch.sessionId !== '',
        ticketOffered: ch !== null && ch.sessionTicketLength !== null && ch.sessionTicketLength > 0,
        pskOffered: ch?.preSharedKey ?? false,
        earlyData: ch?.earlyData ?? false,
        resumed,
      },
      certificates: this.certificates,
      clientCertificates: this.clientCertificates ?? [],
      certificateRequested: this.certificateRequested,
      ocspStapled: this.ocspStapled,
      sessionTicketIssued: this.sessionTicketIssued,
      alerts: this.alerts.slice(),
      heartbeat: this.heartbeatSummary === null ? null : { ...this.heartbeatSummary },
      sslv2: this.sslv2,
      sslv3,
    };
  }
}
