/**
 * Is this stream TLS? Looks at the first record of one direction:
 * - a TLS record header: content type 20–24, version 3.0–3.4 (a ClientHello record often says 3.1 whatever
 *   it offers), a length of 1 to 2^14 + 2048;
 * - for a handshake record, a ClientHello or ServerHello whose own version is 3.x, its header read across
 *   records when the first record's fragment is shorter (a hello fragmented over records is legal, and an
 *   evasion: the parser flags it); other handshake types are a mid-stream start: claimed too, with a
 *   plausible length; for an alert, the 2-byte form with a
 *   level of 1 or 2; for the other types, whose bodies say nothing, the next record's header as well;
 * - an SSLv2 record (2-byte header, high bit set) holding a CLIENT-HELLO or SERVER-HELLO whose lengths add
 *   up exactly.
 * Decides NOT_MINE from the first byte for almost every other protocol (text protocols start with a
 * letter, binary ones rarely with 0x14–0x18 followed by 0x03).
 */
import { Probe, type ProbeContext, type ProbeResult } from '../module.js';
import { ContentType, HandshakeType, isKnownHandshakeType, MAX_RECORD_LENGTH } from './constants.js';

function validHeader(data: Uint8Array, p: number, end: number): ProbeResult {
  if (p >= end) return Probe.NEED_MORE;
  const type = data[p]!;
  if (type < ContentType.CHANGE_CIPHER_SPEC || type > ContentType.HEARTBEAT) return Probe.NOT_MINE;
  if (p + 1 >= end) return Probe.NEED_MORE;
  if (data[p + 1] !== 3) return Probe.NOT_MINE;
  if (p + 2 >= end) return Probe.NEED_MORE;
  if (data[p + 2]! > 4) return Probe.NOT_MINE;
  if (p + 4 >= end) return Probe.NEED_MORE;
  const len = (data[p + 3]! << 8) | data[p + 4]!;
  if (len === 0 || len > MAX_RECORD_LENGTH) return Probe.NOT_MINE;
  return Probe.MINE;
}

export function probeTls(data: Uint8Array, start: number, end: number, _ctx?: ProbeContext): ProbeResult {
  if (start >= end) return Probe.NEED_MORE;
  if ((data[start]! & 0x80) !== 0) return probeSslv2(data, start, end);
  const header = validHeader(data, start, end);
  if (header !== Probe.MINE) return header;
  const type = data[start]!;
  const len = (data[start + 3]! << 8) | data[start + 4]!;
  const body = start + 5;
  switch (type) {
    case ContentType.HANDSHAKE: {
      if (body >= end) return Probe.NEED_MORE;
      const hs = data[body]!;
      if (!isKnownHandshakeType(hs)) return Probe.NOT_MINE;
      if (hs === HandshakeType.CLIENT_HELLO || hs === HandshakeType.SERVER_HELLO) {
        // The hello's header may run into the next records (RFC 8446 §5.1 lets a handshake message be
        // fragmented anyhow, down to one byte per record): read its first bytes across records.
        const n = handshakePrefix(data, start, end);
        if (n < 0) return Probe.NOT_MINE;
        if (n < 4) return Probe.NEED_MORE;
        // version(2) random(32) session_id(1+): a hello is at least 38 bytes, and says 3.x.
        const hsLen = (prefix[1]! << 16) | (prefix[2]! << 8) | prefix[3]!;
        if (hsLen < 38) return Probe.NOT_MINE;
        if (n < HELLO_PREFIX) return Probe.NEED_MORE;
        return prefix[4] === 3 && prefix[5]! <= 4 ? Probe.MINE : Probe.NOT_MINE;
      }
      // A handshake message starting the stream: a mid-stream pickup. Its length must fit what a record
      // sequence can carry before the next message; 2^24 is the field's limit, anything fits.
      if (len < 4) return Probe.NOT_MINE;
      return body + 4 > end ? Probe.NEED_MORE : Probe.MINE;
    }
    case ContentType.ALERT:
      if (len !== 2) return nextRecord(data, start + 5 + len, end);
      if (body >= end) return Probe.NEED_MORE;
      return data[body] === 1 || data[body] === 2 ? Probe.MINE : Probe.NOT_MINE;
    case ContentType.CHANGE_CIPHER_SPEC:
      if (len !== 1) return Probe.NOT_MINE;
      return nextRecord(data, start + 6, end);
    default:
      return nextRecord(data, start + 5 + len, end);
  }
}

/** Bytes of a hello read by the probe: type(1) length(3) version(2). */
const HELLO_PREFIX = 6;
/** The first bytes of the handshake stream, gathered by `handshakePrefix` (module scratch: no allocation per probe). */
const prefix = new Uint8Array(HELLO_PREFIX);

/**
 * Copies the first `HELLO_PREFIX` handshake bytes of the records at `start` (the first record's header is
 * already checked) into `prefix`, reading on into the following records when the first record's fragment
 * is shorter. Every record it reads on into must be a valid handshake record: another content type in the
 * middle of a handshake message is forbidden (RFC 8446 §5.1). Returns how many bytes it gathered (fewer
 * than asked when the input ends first), or -1 when a following record rules TLS out.
 */
function handshakePrefix(data: Uint8Array, start: number, end: number): number {
  let have = 0;
  let p = start;
  // At most HELLO_PREFIX records: each holds at least one byte (a zero length fails `validHeader`).
  while (have < HELLO_PREFIX) {
    if (p !== start) {
      const header = validHeader(data, p, end);
      if (header === Probe.NOT_MINE) return -1;
      if (header === Probe.NEED_MORE) return have;
      if (data[p] !== ContentType.HANDSHAKE) return -1;
    }
    const fragmentEnd = p + 5 + ((data[p + 3]! << 8) | data[p + 4]!);
    let q = p + 5;
    while (have < HELLO_PREFIX && q < fragmentEnd) {
      if (q >= end) return have;
      prefix[have++] = data[q++]!;
    }
    p = fragmentEnd;
  }
  return have;
}

/** Application data, heartbeat, encrypted alert or ChangeCipherSpec say nothing alone: the next header must be valid too. */
function nextRecord(data: Uint8Array, p: number, end: number): ProbeResult {
  return validHeader(data, p, end);
}

function probeSslv2(data: Uint8Array, start: number, end: number): ProbeResult {
  if (start + 3 > end) return Probe.NEED_MORE;
  const len = ((data[start]! & 0x7f) << 8) | data[start + 1]!;
  const msg = data[start + 2];
  const u16 = (p: number): number => (data[p]! << 8) | data[p + 1]!;
  if (msg === 1) {
    // CLIENT-HELLO: version, cipher_specs_length, session_id_length, challenge_length.
    if (start + 11 > end) return Probe.NEED_MORE;
    const version = u16(start + 3);
    const cs = u16(start + 5);
    const sid = u16(start + 7);
    const chal = u16(start + 9);
    const okVersion = version === 0x0002 || (version >= 0x0300 && version <= 0x0304);
    const ok =
      okVersion && cs > 0 && cs % 3 === 0 && (sid === 0 || sid === 16) && chal >= 16 && chal <= 32 && 9 + cs + sid + chal === len;
    return ok ? Probe.MINE : Probe.NOT_MINE;
  }
  if (msg === 4) {
    // SERVER-HELLO: session_id_hit, certificate_type, version, certificate_length, cipher_specs_length,
    // connection_id_length.
    if (start + 13 > end) return Probe.NEED_MORE;
    const hit = data[start + 3]!;
    const version = u16(start + 5);
    const cert = u16(start + 7);
    const cs = u16(start + 9);
    const conn = u16(start + 11);
    const ok = hit <= 1 && version === 0x0002 && cs % 3 === 0 && conn >= 16 && conn <= 32 && 11 + cert + cs + conn === len;
    return ok ? Probe.MINE : Probe.NOT_MINE;
  }
  return Probe.NOT_MINE;
}
