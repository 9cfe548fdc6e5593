/**
 * DNS records: the payload of `dns`, `mdns` and `llmnr` events (the anomaly table is `anomalies.ts`).
 *
 * One record per message, query or response, emitted as soon as the message is parsed. A response is tied
 * to its query by `txId` (the query's record is not repeated) and says whether that query was seen.
 *
 * Records are plain data built for the receiver (safe to keep, serialise, send elsewhere): no views of the
 * parser's buffers. Names are in presentation format (RFC 1035 §5.1): labels joined by `.`, the root is
 * `.`; a `.` or `\` inside a label is escaped as `\.` / `\\`, control bytes and bytes that are not valid
 * UTF-8 as `\DDD` (decimal). Valid UTF-8 is kept as text: mDNS names are UTF-8 (RFC 6762 §16) and LLMNR
 * names often are (Windows host names).
 */

/** The three protocols that share the DNS wire format. */
export type DnsVariant = 'dns' | 'mdns' | 'llmnr';

/** Header flags. For LLMNR (RFC 4795 §2.1.1) the bit of `aa` is C (conflict) and the bit of `rd` is T (tentative). */
export interface DnsFlags {
  /** Response (1) or query (0). */
  qr: boolean;
  /** Authoritative answer. */
  aa: boolean;
  /** Truncated: the message was cut to fit (UDP); the client should retry over TCP. */
  tc: boolean;
  /** Recursion desired. */
  rd: boolean;
  /** Recursion available. */
  ra: boolean;
  /** The reserved bit (must be 0). */
  z: boolean;
  /** Authentic data (DNSSEC, RFC 4035 §3.2.3). */
  ad: boolean;
  /** Checking disabled (DNSSEC). */
  cd: boolean;
}

export interface DnsQuestion {
  name: string;
  /** Set when the name could not be read whole (too long, pointer loop, bad pointer): `name` is the part read. */
  nameTruncated?: boolean;
  /** QTYPE and its mnemonic (`A`, `AAAA`, `HTTPS`, `ANY`, ..., `TYPE65280` when unassigned, RFC 3597). */
  type: number;
  typeName: string;
  /** QCLASS (1 = IN). For mDNS, without the QU bit. */
  class: number;
  /** mDNS only: the QU bit (RFC 6762 §5.4): the querier asks for a unicast response. */
  unicastResponse?: boolean;
}

/** One SvcParam of an SVCB or HTTPS record (RFC 9460 §7). */
export interface DnsSvcParam {
  key: number;
  /** `mandatory`, `alpn`, `no-default-alpn`, `port`, `ipv4hint`, `ech`, `ipv6hint`, `dohpath`, `ohttp`, or `key<N>`. */
  name: string;
  /**
   * `mandatory`: the key names; `alpn`: the protocol ids; `no-default-alpn`, `ohttp`: true; `port`: the port;
   * `ipv4hint`/`ipv6hint`: addresses; `ech`: the ECHConfigList in base64; `dohpath`: the template; others
   * (and a malformed value): hex.
   */
  value: string | number | boolean | string[];
}

/** EDNS(0) option (RFC 6891 §6.1.2): its code, name, raw bytes, and the decoded form of the ones known here. */
export interface DnsEdnsOption {
  code: number;
  /** `NSID`, `ECS`, `COOKIE`, `TCP_KEEPALIVE`, `PADDING`, `EDE`, ... or `OPTION<N>`. */
  name: string;
  /** The option's bytes in hex. */
  data: string;
  /** Client subnet (RFC 7871): family 1 (IPv4) or 2 (IPv6), prefixes, and the address (the bytes sent, zero-padded). */
  ecs?: { family: number; sourcePrefix: number; scopePrefix: number; address: string };
  /** Cookie (RFC 7873): the 8-byte client cookie and the server cookie (8 to 32 bytes) when present, hex. */
  cookie?: { client: string; server: string | null };
  /** Extended DNS error (RFC 8914): the info code and the extra text. */
  ede?: { infoCode: number; text: string };
  /** NSID (RFC 5001): the server's identifier as text (escaped where not printable). */
  nsid?: string;
  /** TCP keepalive (RFC 7828): the idle timeout in units of 100 ms, null when absent (a query). */
  keepalive?: { timeout: number | null };
}

/** EDNS(0): what the OPT pseudo-RR of the additional section says (RFC 6891 §6.1.3). */
export interface DnsEdns {
  /** Requestor's UDP payload size (the OPT CLASS). */
  udpPayloadSize: number;
  /** Upper 8 bits of the extended rcode (the full rcode is on the message). */
  extendedRcode: number;
  version: number;
  /** DO bit: DNSSEC records wanted (RFC 3225). */
  dnssecOk: boolean;
  /** The 16 flag bits (DO included). */
  flags: number;
  options: DnsEdnsOption[];
}

/** RDATA decoded by type. `kind` says the shape; the RR's `type` says which type it was. */
export type DnsRdata =
  | { kind: 'address'; address: string } // A, AAAA
  | { kind: 'name'; name: string } // CNAME, NS, PTR, DNAME, MB, MD, MF, MG, MR
  | { kind: 'mx'; preference: number; exchange: string } // MX (also KX, RT: same layout)
  | { kind: 'txt'; strings: string[] } // TXT, SPF: the character-strings, escaped where not printable
  | { kind: 'soa'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  | { kind: 'srv'; priority: number; weight: number; port: number; target: string }
  | { kind: 'caa'; flags: number; critical: boolean; tag: string; value: string }
  | { kind: 'svcb'; priority: number; target: string; params: DnsSvcParam[] } // SVCB, HTTPS (priority 0: alias mode)
  | { kind: 'sshfp'; algorithm: number; fingerprintType: number; fingerprint: string } // SSHFP (RFC 4255): fingerprint in hex
  | { kind: 'ds'; keyTag: number; algorithm: number; digestType: number; digest: string } // DS, CDS (digest in hex)
  | {
      kind: 'dnskey'; // DNSKEY, CDNSKEY
      flags: number;
      zoneKey: boolean;
      secureEntryPoint: boolean;
      protocol: number;
      algorithm: number;
      /** RFC 4034 Appendix B, to match DS and RRSIG records. */
      keyTag: number;
      /** Base64. */
      publicKey: string;
    }
  | {
      kind: 'rrsig'; // RRSIG
      typeCovered: number;
      typeCoveredName: string;
      algorithm: number;
      labels: number;
      originalTtl: number;
      /** Seconds since the epoch (the 32-bit serial arithmetic of RFC 4034 §3.1.5 is left to the reader). */
      expiration: number;
      inception: number;
      keyTag: number;
      signerName: string;
      /** Base64. */
      signature: string;
    }
  | { kind: 'opt'; edns: DnsEdns } // OPT (the same object as the message's `edns` when it is the first OPT)
  | { kind: 'raw'; data: string }; // NULL, unknown types, and RDATA that does not fit its type: hex

export interface DnsResourceRecord {
  name: string;
  /** Set when the owner name could not be read whole: `name` is the part read. */
  nameTruncated?: boolean;
  type: number;
  typeName: string;
  /** CLASS (1 = IN). For OPT: the UDP payload size. For mDNS: without the cache-flush bit. */
  class: number;
  /** TTL in seconds. For OPT: the extended rcode, version and flags packed (see `DnsEdns`). */
  ttl: number;
  rdata: DnsRdata;
  /** Set when a name inside the RDATA could not be read whole. */
  rdataTruncated?: boolean;
  /** mDNS only: the cache-flush bit (RFC 6762 §10.2). */
  cacheFlush?: boolean;
}

/** One DNS (mDNS, LLMNR) message: the payload of a `dns` (`mdns`, `llmnr`) event. */
export interface DnsMessage {
  /** `query` (QR = 0) or `response` (QR = 1). */
  type: 'query' | 'response';
  /** How the message came: one UDP datagram, or one length-prefixed message of a TCP stream. */
  transport: 'udp' | 'tcp';
  /** The direction it travelled in the flow (client = the flow's first sender). */
  direction: 'to_server' | 'to_client';
  /**
   * Exchange number in the flow, from 0 (Suricata's `tx_id`): a query's, shared by the response paired with
   * it (and by retransmissions of the query); a response paired with nothing gets a number of its own.
   */
  txId: number;
  /** The header's ID. */
  id: number;
  /** The header's second 16-bit word as sent (QR, opcode, flags, rcode). */
  flagBits: number;
  flags: DnsFlags;
  opcode: number;
  /** `QUERY`, `IQUERY`, `STATUS`, `NOTIFY`, `UPDATE`, `DSO`, or the number. */
  opcodeName: string;
  /** The rcode, extended by the OPT RR's upper bits when there is one (RFC 6891 §6.1.3). */
  rcode: number;
  /** `NOERROR`, `FORMERR`, `SERVFAIL`, `NXDOMAIN`, `REFUSED`, ..., `BADCOOKIE`, or `RCODE<N>`. */
  rcodeName: string;
  /** The header's counts, as sent (the sections hold fewer when the message is short or a cap was hit). */
  counts: { questions: number; answers: number; authorities: number; additionals: number };
  questions: DnsQuestion[];
  answers: DnsResourceRecord[];
  authorities: DnsResourceRecord[];
  additionals: DnsResourceRecord[];
  /** The first OPT RR's EDNS data; null without EDNS. */
  edns: DnsEdns | null;
  /** Message size in bytes (without the TCP length prefix). */
  size: number;
  /** Parsing stopped before the end of the sections the header announced (see `anomalies`). */
  malformed: boolean;
  /** Responses of `dns` and `llmnr`: a query with this id (and question) was seen earlier in the flow. */
  querySeen?: boolean;
  /** The anomalies raised on this message (`DNS_ANOMALIES` names), in the order found. */
  anomalies: string[];
}
