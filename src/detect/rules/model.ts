/**
 * The typed model of one Suricata 7 rule, as the parser (parser.ts) produces it and the matcher reads it.
 *
 * Everything a matcher needs is resolved here, once, at load time: variables are expanded, address and port
 * lists are compiled into sorted ranges (address.ts), content bytes are decoded from `|hex|` and escapes, legacy
 * content modifiers and pcre buffer flags are mapped onto sticky buffer names (buffers.ts), and the fast pattern
 * is chosen (fast-pattern.ts). The matcher never sees rule text.
 */
import type { AddressMatcher, PortMatcher } from './address.js';

/** What a rule does when it matches. `reject*` resets the connection as Suricata does; netsieve treats it as drop. */
export type RuleAction = 'alert' | 'drop' | 'reject' | 'rejectsrc' | 'rejectdst' | 'rejectboth' | 'pass';

/** `->` one way; `<>` either way (the rule is tried with source and destination swapped too). */
export type RuleDirection = '->' | '<>';

/** Where a rule came from: file (or `<rules N>` for text given without a path) and 1-based first line. */
export interface RuleLocation {
  file: string;
  line: number;
}

/**
 * A numeric comparison as dsize, urilen, bsize, ttl, itype, icode, dns.opcode and ip_proto write them.
 * `range` is exclusive at both ends (`1<>5` is 2, 3, 4), as in Suricata.
 */
export interface NumberTest {
  op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'range';
  value: number;
  /** The upper bound for `range`. */
  value2?: number;
}

/** An offset or count that is either a number or the name of a `byte_extract` variable set earlier. */
export type NumberOrVar = number | string;

/** `fast_pattern` as written on a content. */
export interface FastPatternOption {
  /** `fast_pattern:only`: the content is only the prefilter; nothing checks it again. */
  only: boolean;
  /** `fast_pattern:offset,length`: the prefilter uses this slice of the content. */
  chop?: { offset: number; length: number };
}

export interface ContentMatch {
  kind: 'content';
  /** The inspection buffer (a sticky buffer name such as `http.uri`, or `pkt_data` for payload and stream). */
  buffer: string;
  /** The bytes to find, after `|hex|` and escapes. */
  pattern: Uint8Array;
  negated: boolean;
  nocase: boolean;
  offset?: NumberOrVar;
  depth?: NumberOrVar;
  distance?: NumberOrVar;
  within?: NumberOrVar;
  startsWith: boolean;
  endsWith: boolean;
  rawbytes: boolean;
  fastPattern?: FastPatternOption;
}

export interface PcreMatch {
  kind: 'pcre';
  buffer: string;
  /** The expression between the slashes, as written (PCRE syntax). */
  source: string;
  /** PCRE option letters kept for the expression: i s m x A E G. */
  flags: string;
  negated: boolean;
  /** `R`: starts where the previous match in the same buffer ended. */
  relative: boolean;
  rawbytes: boolean;
}

export type Endian = 'big' | 'little' | 'dce';
export type NumberBase = 'hex' | 'dec' | 'oct';

export interface ByteTestMatch {
  kind: 'byte_test';
  buffer: string;
  bytes: number;
  negated: boolean;
  op: '<' | '>' | '=' | '<=' | '>=' | '&' | '^';
  value: NumberOrVar;
  offset: NumberOrVar;
  relative: boolean;
  endian: Endian;
  /** Set when the bytes are digits in text (`string,dec`), else the number is binary. */
  string?: NumberBase;
  bitmask?: number;
}

export interface ByteJumpMatch {
  kind: 'byte_jump';
  buffer: string;
  bytes: number;
  offset: NumberOrVar;
  relative: boolean;
  multiplier: number;
  endian: Endian;
  string?: NumberBase;
  align: boolean;
  from: 'current' | 'beginning' | 'end';
  postOffset: number;
}

export interface ByteExtractMatch {
  kind: 'byte_extract';
  buffer: string;
  bytes: number;
  offset: number;
  /** The variable later keywords refer to by name. */
  name: string;
  relative: boolean;
  multiplier: number;
  endian: Endian;
  string?: NumberBase;
  align: number;
}

export interface IsDataAtMatch {
  kind: 'isdataat';
  buffer: string;
  negated: boolean;
  offset: NumberOrVar;
  relative: boolean;
  rawbytes: boolean;
}

export interface BsizeMatch {
  kind: 'bsize';
  buffer: string;
  test: NumberTest;
}

/** Everything that inspects a buffer's bytes, in rule order (a matcher walks them per buffer). */
export type BufferMatch =
  | ContentMatch
  | PcreMatch
  | ByteTestMatch
  | ByteJumpMatch
  | ByteExtractMatch
  | IsDataAtMatch
  | BsizeMatch;

export interface FlowOptions {
  established?: boolean;
  stateless?: boolean;
  /** `to_server`/`from_client` or `to_client`/`from_server`. */
  direction?: 'to_server' | 'to_client';
  stream?: 'only' | 'no';
  frag?: 'only' | 'no';
}

export interface FlowbitsOp {
  command: 'set' | 'setx' | 'unset' | 'toggle' | 'isset' | 'isnotset';
  names: string[];
  /** How `names` combine for the tests: `or` for `a|b`, `and` for `a&b` (and for one name). */
  combine: 'and' | 'or';
  /** `setx`: the bit expires after this many seconds. */
  expire?: number;
}

export type ThresholdTrack = 'by_src' | 'by_dst' | 'by_rule' | 'by_both' | 'by_flow';

export interface ThresholdOption {
  type: 'limit' | 'threshold' | 'both';
  track: ThresholdTrack;
  count: number;
  seconds: number;
}

export interface DetectionFilterOption {
  track: ThresholdTrack;
  count: number;
  seconds: number;
}

/** `flags`: the TCP flags that must be set, how to compare, and the flags ignored. Bits as in the TCP header. */
export interface TcpFlagsTest {
  /** exact (no modifier), `+` these and any others, `*` any of these, `!` none of these. */
  mode: 'exact' | 'all' | 'any' | 'not';
  flags: number;
  /** Flags left out of the comparison (`,CE`). */
  ignore: number;
}

/** The fast pattern: the content a multi-pattern prefilter looks for before anything else of the rule is checked. */
export interface FastPattern {
  /** Index in `Rule.matches` of the content it comes from. */
  match: number;
  buffer: string;
  /** The bytes the prefilter looks for (the chopped slice when `chop` is given). */
  bytes: Uint8Array;
  nocase: boolean;
  negated: boolean;
  /** `fast_pattern:only`: a prefilter hit is the content's match; the verifier skips it. */
  only: boolean;
  /** Chosen by `fast_pattern` in the rule rather than by Suricata's automatic selection. */
  explicit: boolean;
}

export interface Rule {
  action: RuleAction;
  /** The header's protocol as written (lower case): `tcp`, `http`, `dns`, ... */
  protocol: string;
  /** The application protocol the rule is bound to (from the header or its buffers), or null. */
  appProtocol: string | null;
  src: AddressMatcher;
  srcPorts: PortMatcher;
  direction: RuleDirection;
  dst: AddressMatcher;
  dstPorts: PortMatcher;

  gid: number;
  sid: number;
  rev: number;
  msg: string;
  classtype: string | null;
  /** 1 (high) .. 255; from `priority`, else the classtype's, else 3 as in Suricata. */
  priority: number;
  references: { system: string; id: string }[];
  metadata: [string, string][];
  target: 'src_ip' | 'dest_ip' | null;

  matches: BufferMatch[];
  fastPattern: FastPattern | null;

  flow: FlowOptions | null;
  flowbits: FlowbitsOp[];
  /** `noalert` or `flowbits:noalert`: the rule sets state but never raises an alert. */
  noalert: boolean;
  threshold: ThresholdOption | null;
  detectionFilter: DetectionFilterOption | null;
  dsize: NumberTest | null;
  urilen: { test: NumberTest; raw: boolean } | null;
  ttl: NumberTest | null;
  itype: NumberTest | null;
  icode: NumberTest | null;
  ipProto: NumberTest | null;
  flags: TcpFlagsTest | null;
  /** `app-layer-protocol`: the flow's protocol must (or, negated, must not) be this one. */
  appLayerProtocol: { name: string; negated: boolean } | null;
  /** `tls.version`: the wire version (0x0301 for TLS 1.0 ... 0x0304). */
  tlsVersion: number | null;
  dnsOpcode: NumberTest | null;
  /** netsieve's `dlp` keyword: the DLP sensors the rule asks for. */
  dlp: string[];

  location: RuleLocation;
  /** The rule's text as read (continuation lines joined). */
  text: string;
}
