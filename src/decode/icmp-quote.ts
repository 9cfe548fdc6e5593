/**
 * The packet an ICMP or ICMPv6 error quotes: its IP header and the first bytes of its transport header,
 * read into `DecodedPacket.icmpQuoted*` so the flow table can find the flow the error is about (as Suricata
 * and conntrack do with "related" ICMP).
 *
 * The quote is a copy of a packet the quoting router received, so its total length describes the original
 * and is larger than the quote: lengths are not checked against it, only the bytes needed are. Ports need 4
 * bytes of a TCP, UDP or SCTP header; an ICMP query quote needs its identifier (6 bytes). RFC 792 promises
 * 8 bytes past the IP header; a quote shorter than the ports raises `decode.icmp_quoted_truncated`.
 *
 * The quoted tuple is kept as the quoted packet had it (source = the host the error goes back to), and the
 * "ports" of a quoted ICMP message are what the flow table uses for ICMP flows: the identifier twice for a
 * query, (type << 8 | code, 0) otherwise.
 */
import { u16 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { isIcmpQuery } from './icmp.js';
import { isIcmpv6Echo } from './icmpv6.js';
import { IPV4_HEADER_LEN, Ipv4View } from './ipv4.js';
import { isIpv6ExtHeader, Ipv6ExtView, MAX_IPV6_EXT_HEADERS } from './ipv6-ext.js';
import { IPV6_HEADER_LEN, Ipv6View } from './ipv6.js';
import { IpProto, type DecodedPacket } from './packet.js';

/** Reads quoted packets. One per decoder; its views are reused for every error message. */
export class IcmpQuoteReader {
  private readonly ip4 = new Ipv4View();
  private readonly ip6 = new Ipv6View();
  private readonly ext = new Ipv6ExtView();

  /** Reads the quote in `bytes[offset, end)` into `out`; sets `icmpQuotedValid` when the tuple is known. */
  read(bytes: Uint8Array, offset: number, end: number, out: DecodedPacket): void {
    const len = end - offset;
    if (len < 1) {
      out.addAnomaly(DecodeAnomaly.icmp_quoted_truncated);
      return;
    }
    const version = bytes[offset]! >> 4;
    let l4: number;
    let proto: number;
    if (version === 4) {
      if (len < IPV4_HEADER_LEN) {
        out.addAnomaly(DecodeAnomaly.icmp_quoted_truncated);
        return;
      }
      const v = this.ip4.bind(bytes, offset, len);
      const ihl = v.headerLength;
      if (ihl < IPV4_HEADER_LEN) {
        out.addAnomaly(DecodeAnomaly.icmp_quoted_malformed);
        return;
      }
      out.icmpQuotedIpVersion = 4;
      out.icmpQuotedSrc.fill(0);
      out.icmpQuotedDst.fill(0);
      out.icmpQuotedSrc[0] = v.srcAddress;
      out.icmpQuotedDst[0] = v.dstAddress;
      proto = v.protocol;
      out.icmpQuotedProto = proto;
      // A later fragment carries no transport header: the flow cannot be named, and nothing is wrong.
      if (v.fragmentOffset !== 0) return;
      l4 = offset + ihl;
    } else if (version === 6) {
      if (len < IPV6_HEADER_LEN) {
        out.addAnomaly(DecodeAnomaly.icmp_quoted_truncated);
        return;
      }
      const v = this.ip6.bind(bytes, offset, len);
      out.icmpQuotedIpVersion = 6;
      for (let i = 0; i < 4; i++) {
        out.icmpQuotedSrc[i] = v.srcWord(i);
        out.icmpQuotedDst[i] = v.dstWord(i);
      }
      proto = v.nextHeader;
      l4 = offset + IPV6_HEADER_LEN;
      for (let n = 0; isIpv6ExtHeader(proto); n++) {
        const ext = this.ext.bind(bytes, l4, end - l4, proto);
        if (n >= MAX_IPV6_EXT_HEADERS || ext.checkLen() !== 0) {
          out.icmpQuotedProto = proto;
          out.addAnomaly(DecodeAnomaly.icmp_quoted_truncated);
          return;
        }
        if (proto === IpProto.FRAGMENT && ext.fragmentOffset !== 0) {
          out.icmpQuotedProto = ext.nextHeader;
          return;
        }
        l4 += ext.headerLength;
        proto = ext.nextHeader;
      }
      out.icmpQuotedProto = proto;
    } else {
      out.addAnomaly(DecodeAnomaly.icmp_quoted_malformed);
      return;
    }

    const avail = end - l4;
    switch (proto) {
      case IpProto.TCP:
      case IpProto.UDP:
      case IpProto.SCTP:
        if (avail < 4) break;
        out.icmpQuotedSrcPort = u16(bytes, l4);
        out.icmpQuotedDstPort = u16(bytes, l4 + 2);
        out.icmpQuotedValid = true;
        return;
      case IpProto.ICMP:
      case IpProto.ICMPV6: {
        if (avail < 2) break;
        const type = bytes[l4]!;
        const query = proto === IpProto.ICMP ? isIcmpQuery(type) : isIcmpv6Echo(type);
        if (query) {
          if (avail < 6) break;
          out.icmpQuotedSrcPort = out.icmpQuotedDstPort = u16(bytes, l4 + 4);
        } else {
          out.icmpQuotedSrcPort = (type << 8) | bytes[l4 + 1]!;
          out.icmpQuotedDstPort = 0;
        }
        out.icmpQuotedValid = true;
        return;
      }
      default:
        // Addresses and protocol name the flow; there are no ports to quote.
        out.icmpQuotedSrcPort = out.icmpQuotedDstPort = 0;
        out.icmpQuotedValid = true;
        out.addAnomaly(DecodeAnomaly.icmp_quoted_unknown);
        return;
    }
    out.addAnomaly(DecodeAnomaly.icmp_quoted_truncated);
  }
}
