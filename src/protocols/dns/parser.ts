/**
 * One DNS message (RFC 1035 §4.1) from bytes to a `DnsMessage`: the header, then the question, answer,
 * authority and additional sections in order, each entry read where the previous one ended.
 *
 * Pure: no flow state (pairing is state.ts's). Bad bytes never throw: each problem is an anomaly on the
 * message; what was read before a problem that stops the reading is kept (`malformed` says it stopped).
 * Work is linear in the message size plus at most 255 bytes and `maxCompressionJumps` pointers per name.
 *
 * One `MessageParser` per flow, reused for each message: it is the `WireContext` the RDATA readers use.
 */
import type { DnsEdns, DnsMessage, DnsQuestion, DnsResourceRecord, DnsVariant } from './events.js';
import { DNS_ANOMALIES, DnsAnomaly } from './anomalies.js';
import { readOpt } from './edns.js';
import { hex } from './format.js';
import { nameResult, readName } from './name.js';
import { opcodeName, opcodeValid, rcodeName, RrType, rrTypeName } from './names.js';
import type { DnsOptions } from './options.js';
import { readRdata, u16, u32, type WireContext } from './rdata.js';

export const HEADER_LENGTH = 12;

const Section = { ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 2 } as const;
type Section = (typeof Section)[keyof typeof Section];

/** The 0x0040 bit of DNS and mDNS; LLMNR (RFC 4795 §2.1.1) reserves the four bits 0x00f0. */
const Z_BITS: Record<DnsVariant, number> = { dns: 0x0040, mdns: 0x0040, llmnr: 0x00f0 };

export class MessageParser implements WireContext {
  b: Uint8Array = new Uint8Array(0);
  base = 0;
  msgEnd = 0;
  readonly maxJumps: number;
  rdataTruncated = false;
  /** Anomaly codes raised on the current message, each once, in the order found. */
  readonly codes: number[] = [];
  private readonly raised = new Uint8Array(DNS_ANOMALIES.length);
  private readonly maxRecords: number;
  private pos = 0;
  private malformed = false;
  private edns: DnsEdns | null = null;
  private optCount = 0;

  constructor(
    options: DnsOptions,
    private readonly variant: DnsVariant,
  ) {
    this.maxJumps = options.maxCompressionJumps;
    this.maxRecords = options.maxRecordsPerSection;
  }

  raise(code: number): void {
    if (this.raised[code] === 0) {
      this.raised[code] = 1;
      this.codes.push(code);
    }
  }

  /** Forgets the anomalies of the previous message. */
  reset(): void {
    for (const c of this.codes) this.raised[c] = 0;
    this.codes.length = 0;
  }

  /**
   * Parses `b[start, end)`. Returns null (with `dns.malformed_header` in `codes`) when it is shorter than a
   * header. `txId` is left at -1 for the caller; `anomalies` holds the names of this parse's codes.
   */
  parse(b: Uint8Array, start: number, end: number, transport: 'udp' | 'tcp', toServer: boolean): DnsMessage | null {
    this.reset();
    if (end - start < HEADER_LENGTH) {
      this.raise(DnsAnomaly.MALFORMED_HEADER);
      return null;
    }
    this.b = b;
    this.base = start;
    this.msgEnd = end;
    this.pos = start + HEADER_LENGTH;
    this.malformed = false;
    this.edns = null;
    this.optCount = 0;

    const flagBits = u16(b, start + 2);
    const opcode = (flagBits >>> 11) & 0xf;
    const qd = u16(b, start + 4);
    const an = u16(b, start + 6);
    const ns = u16(b, start + 8);
    const ar = u16(b, start + 10);
    if (!opcodeValid(opcode)) this.raise(DnsAnomaly.INVALID_OPCODE);
    if ((flagBits & Z_BITS[this.variant]) !== 0) this.raise(DnsAnomaly.Z_FLAG_SET);
    // mDNS queries ask many questions at once (RFC 6762 §5.3); unicast DNS and LLMNR (RFC 4795 §2.1.1) ask one.
    if (qd > 1 && this.variant !== 'mdns') this.raise(DnsAnomaly.MULTIPLE_QUESTIONS);

    const questions = this.questions(qd);
    const answers = this.section(Section.ANSWER, an);
    const authorities = this.section(Section.AUTHORITY, ns);
    const additionals = this.section(Section.ADDITIONAL, ar);
    if (!this.malformed && this.pos < end) this.raise(DnsAnomaly.TRAILING_DATA);

    // (Set by section(): TypeScript does not see that through the method calls above.)
    const edns = this.edns as DnsEdns | null;
    const rcode = (flagBits & 0xf) | (edns !== null ? edns.extendedRcode << 4 : 0);
    const codes = this.codes;
    const anomalies: string[] = new Array(codes.length);
    for (let i = 0; i < codes.length; i++) anomalies[i] = DNS_ANOMALIES[codes[i]!]!;
    const qr = (flagBits & 0x8000) !== 0;
    return {
      type: qr ? 'response' : 'query',
      transport,
      direction: toServer ? 'to_server' : 'to_client',
      txId: -1,
      id: u16(b, start),
      flagBits,
      flags: {
        qr,
        aa: (flagBits & 0x0400) !== 0,
        tc: (flagBits & 0x0200) !== 0,
        rd: (flagBits & 0x0100) !== 0,
        ra: (flagBits & 0x0080) !== 0,
        z: (flagBits & 0x0040) !== 0,
        ad: (flagBits & 0x0020) !== 0,
        cd: (flagBits & 0x0010) !== 0,
      },
      opcode,
      opcodeName: opcodeName(opcode),
      rcode,
      rcodeName: rcodeName(rcode),
      counts: { questions: qd, answers: an, authorities: ns, additionals: ar },
      questions,
      answers,
      authorities,
      additionals,
      edns,
      size: end - start,
      malformed: this.malformed,
      anomalies,
    };
  }

  /** The entry at `pos` starts past the data: the header's count was a lie. */
  private short(): void {
    this.raise(DnsAnomaly.COUNTS_BEYOND_DATA);
    this.malformed = true;
  }

  /** Reads the owner name at `pos`; false when the message cannot be read further. */
  private name(keep: boolean): boolean {
    readName(this.b, this.base, this.msgEnd, this.pos, this.msgEnd, this.maxJumps, keep);
    const r = nameResult;
    if (r.forward) this.raise(DnsAnomaly.NAME_FORWARD_POINTER);
    if (r.problem !== 0) this.raise(r.problem);
    if (r.next < 0) {
      this.malformed = true;
      return false;
    }
    return true;
  }

  private questions(count: number): DnsQuestion[] {
    const out: DnsQuestion[] = [];
    const b = this.b;
    for (let i = 0; i < count; i++) {
      if (this.pos >= this.msgEnd) {
        this.short();
        break;
      }
      const keep = i < this.maxRecords;
      if (!this.name(keep)) break;
      const next = nameResult.next;
      if (next + 4 > this.msgEnd) {
        this.short();
        break;
      }
      if (keep) {
        const type = u16(b, next);
        let cls = u16(b, next + 2);
        const q: DnsQuestion = { name: nameResult.text, type, typeName: rrTypeName(type), class: cls };
        if (nameResult.truncated) q.nameTruncated = true;
        if (this.variant === 'mdns') {
          q.unicastResponse = (cls & 0x8000) !== 0;
          q.class = cls &= 0x7fff;
        }
        out.push(q);
      } else if (i === this.maxRecords) {
        this.raise(DnsAnomaly.TOO_MANY_RECORDS);
      }
      this.pos = next + 4;
    }
    return out;
  }

  private section(section: Section, count: number): DnsResourceRecord[] {
    const out: DnsResourceRecord[] = [];
    const b = this.b;
    const end = this.msgEnd;
    for (let i = 0; i < count && !this.malformed; i++) {
      if (this.pos >= end) {
        this.short();
        break;
      }
      const keep = i < this.maxRecords;
      const rootOwner = b[this.pos] === 0;
      if (!this.name(keep)) break;
      const next = nameResult.next;
      if (next + 10 > end) {
        this.short();
        break;
      }
      const nameText = nameResult.text;
      const nameTruncated = nameResult.truncated;
      const type = u16(b, next);
      let cls = u16(b, next + 2);
      const ttl = u32(b, next + 4);
      const rs = next + 10;
      let re = rs + u16(b, next + 8);
      const beyond = re > end;
      if (beyond) {
        this.raise(DnsAnomaly.RDATA_BEYOND_DATA);
        this.malformed = true;
        re = end;
      }
      let rr: DnsResourceRecord | null = null;
      if (type === RrType.OPT) {
        // RFC 6891 §6.1.1: at most one OPT, in the additional section, owned by the root.
        if (section !== Section.ADDITIONAL || !rootOwner) this.raise(DnsAnomaly.OPT_MALFORMED);
        if (++this.optCount > 1) this.raise(DnsAnomaly.OPT_MULTIPLE);
        // Read even when not kept: its extended rcode belongs to the message.
        const edns = beyond ? null : readOpt(this, cls, ttl, rs, re);
        if (edns !== null && this.edns === null && section === Section.ADDITIONAL) this.edns = edns;
        if (keep)
          rr = {
            name: nameText,
            type,
            typeName: 'OPT',
            class: cls,
            ttl,
            rdata: edns !== null ? { kind: 'opt', edns } : { kind: 'raw', data: hex(b, rs, re) },
          };
      } else if (keep) {
        this.rdataTruncated = false;
        const rdata = beyond ? { kind: 'raw' as const, data: hex(b, rs, re) } : readRdata(this, type, rs, re);
        let cacheFlush = false;
        if (this.variant === 'mdns') {
          cacheFlush = (cls & 0x8000) !== 0;
          cls &= 0x7fff;
        }
        rr = { name: nameText, type, typeName: rrTypeName(type), class: cls, ttl, rdata };
        if (this.rdataTruncated) rr.rdataTruncated = true;
        if (this.variant === 'mdns') rr.cacheFlush = cacheFlush;
      }
      if (rr !== null) {
        if (nameTruncated) rr.nameTruncated = true;
        out.push(rr);
      } else if (i === this.maxRecords) {
        this.raise(DnsAnomaly.TOO_MANY_RECORDS);
      }
      this.pos = re;
    }
    return out;
  }
}
