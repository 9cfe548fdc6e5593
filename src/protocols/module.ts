/**
 * The contract between the engine and application-protocol modules (one folder per protocol under
 * `src/protocols/`, one line per protocol in `registry.ts`; `_template/` is a skeleton to start from).
 *
 * A module offers:
 * - a **probe**, asked about the first bytes of each direction of a flow until it answers: is this stream
 *   mine? The registry asks probes in an order that port hints decide, but a port never decides alone;
 * - a **parser** for a flow it won: TCP parsers get the reassembled byte stream of both directions (any
 *   split, gaps marked), UDP parsers get each datagram;
 * - its **records** (the typed events it produces, e.g. one HTTP transaction; the event type is the
 *   module's name), their **EVE** form, its **anomalies** (one table, raised by index), its **options**
 *   (defaults and one line of documentation each) and its **inspection buffers** (the bytes rules match).
 *
 * Parsers never see packets, sequence numbers, timestamps or addresses: the engine wraps each record into
 * a `NetsieveEvent` with the flow's endpoints, ids and the capture time of the packet that completed it.
 * Parsers must never throw on bad input: they raise an anomaly and recover (or give up on the flow with
 * `sink.stop()`), and every buffer they keep has a cap.
 */
import type { Direction, StreamEndReason } from '../flow/stream.js';

/** A probe's answer about the bytes it was shown. */
export const Probe = {
  /** Not enough bytes to say: ask again with more (or give up when the detection budget is spent). */
  NEED_MORE: 0,
  /** This is the protocol. */
  MINE: 1,
  /** This is not the protocol: do not ask again for this flow. */
  NOT_MINE: 2,
} as const;
export type ProbeResult = (typeof Probe)[keyof typeof Probe];

export type Transport = 'tcp' | 'udp';

/** What a probe knows besides the bytes. */
export interface ProbeContext {
  transport: Transport;
  /** Direction of the bytes shown: client → server, or server → client. */
  direction: Direction;
  /** The flow's server port (the destination of the client's packets) and client port. */
  serverPort: number;
  clientPort: number;
}

/** Where a flow's server name was read: a TLS ClientHello's SNI, or an HTTP request's Host field. */
export type ServerNameSource = 'sni' | 'host';

/**
 * Where a parser sends what it finds. Implemented by the engine; one per flow and protocol. `Rec` is the
 * module's record type: a module can only emit its own records.
 */
export interface AppEventSink<Rec extends object = object> {
  /**
   * A finished record (an HTTP transaction, a DNS message, a TLS handshake, a Redis command with its reply)
   * that becomes the event `{ type: <module name>, [<module name>]: record, ...flow fields }`, as EVE writes
   * `"event_type": "http", "http": {...}`. `record` must be plain data the receiver may keep: no reused
   * objects, no views of buffers the parser overwrites (copy what you keep).
   */
  emit(record: Rec): void;
  /**
   * Whether anyone reads this module's records right now: an event listener or the event types the engine
   * was asked for (`CreateEngineOptions.eventTypes`), or detection rules on the module's buffers. When
   * false, a parser may skip building what only a record holds (strings, value trees, the record itself);
   * it still parses every byte, keeps its state and raises its anomalies, and `emit` still accepts a
   * record. The answer may change between calls (a listener added, rules reloaded): read it when a record
   * would be built, not once.
   */
  readonly recordsWanted: boolean;
  /**
   * A protocol anomaly, by its code: the index of its name in the module's anomaly table
   * (`HttpAnomaly.DUPLICATE_CONTENT_LENGTH`). No string travels on the parser's path.
   */
  anomaly(code: number, direction?: Direction): void;
  /**
   * The name the client asked the server for, as soon as the parser knows it (the policy stage's evidence
   * for egress by name). Called at most once per flow, whether or not records are wanted, and only for the
   * client's bytes:
   * - TLS (`'sni'`), when the first ClientHello is parsed: its SNI host_name (the outer, public name under
   *   encrypted_client_hello), or null when it has no server_name extension. A ClientHello after a
   *   HelloRetryRequest or in a renegotiation does not report again;
   * - HTTP (`'host'`), when the header section of the first request is read to its end (a request cut
   *   before it does not count; the next one then does): its first Host field's value without the port,
   *   an IPv6 literal without its brackets (`[::1]:8080` gives `::1`), or null when it has no Host. This
   *   holds for `CONNECT` and absolute-form requests too: the Host field, not the request-target's
   *   authority (RFC 9112 §3.2 makes them equal; `http.host_mismatch` says when they are not).
   * Names are normalised by `serverNameOf` (ASCII lower-cased, one trailing dot removed; empty is null).
   * Reporting never throws, whatever the bytes were.
   */
  serverName(name: string | null, source: ServerNameSource): void;
  /**
   * Whether `requestDone` wants to be called now (optional: a sink without it never does). The engine
   * wants HTTP requests when the WAF runs, to evaluate a request as soon as it is complete (and drop its
   * last packet in the WAF's `block` mode). Read it when a request ends, not once.
   */
  readonly requestsWanted?: boolean;
  /**
   * A request-response module's request is complete (HTTP: its message ended) while its response is not:
   * `record` is the transaction's record as far as it goes (HTTP: the request's fields, the response's
   * empty), with the id (`txId`) its final record will have. Called at most once per transaction, only
   * when `requestsWanted` is true; the final record still comes by `emit` (or not, as ever).
   */
  requestDone?(record: Rec): void;
  /**
   * The flow leaves this protocol (HTTP after `CONNECT` or a successful `Upgrade`, TLS after the handshake
   * when nothing more is parsed, a parser that lost sync for good): no more calls for this flow follow.
   */
  stop(reason: string): void;
}

/** The parser of one TCP flow: both directions' reassembled bytes, in order, gaps marked. */
export interface TcpAppParser {
  /**
   * In-order bytes of `direction`: `data[start, end)`. The buffer is reused after the call: copy what you
   * keep. The first call of each direction starts at the first byte the engine has of that stream (for a
   * flow picked up mid-stream, possibly the middle of a message).
   */
  onData(direction: Direction, data: Uint8Array, start: number, end: number): void;
  /** `length` bytes of `direction` are missing (-1: unknown): resynchronise or give up. */
  onGap(direction: Direction, length: number): void;
  /** No more bytes of `direction`. Emit what the end completes (a body read to connection close). */
  onEnd(direction: Direction, reason: StreamEndReason): void;
}

/** The parser of one UDP flow: each datagram's payload. */
export interface UdpAppParser {
  onDatagram(direction: Direction, data: Uint8Array, start: number, end: number): void;
  /** The flow ended: emit what is pending (queries that got no response). */
  onEnd(): void;
}

/** Which side's bytes an inspection buffer holds. */
export type BufferDirection = 'to_server' | 'to_client';

/**
 * What one instance of a buffer covers: a request/response pair (`transaction`), one message of either
 * side (`message`: a DNS message, a Redis push), or the connection as a whole (`stream`: a TLS handshake).
 */
export type BufferScope = 'transaction' | 'message' | 'stream';

/**
 * One inspection buffer: a named view of a record's bytes, the contract between protocol modules and the
 * signature engine (`src/detect/`). Names follow Suricata's sticky buffers (`http.uri`, `dns.query`,
 * `tls.sni`) so that rules written for Suricata find the same bytes. Buffers are built on demand, from a
 * finished record, never on the per-packet path.
 */
export interface InspectionBuffer<Rec extends object = object> {
  /** `<protocol>.<buffer>`, Suricata's name where it has one. */
  readonly name: string;
  readonly direction: BufferDirection;
  readonly scope: BufferScope;
  /** One line: what the bytes are. */
  readonly description: string;
  /**
   * The buffer's instances in `record`: none when the record has no such part (no response, no SNI),
   * one for most buffers, several for multi-buffers (each DNS question, each certificate subject).
   * Text is its UTF-8 bytes (HTTP's latin1 strings are latin1 bytes, as the wire had them).
   */
  get(record: Rec): Uint8Array[];
}

/** The value types an option may have: flat, so that the registry can check them by type. */
export type OptionValue = number | boolean | string;

/**
 * One application protocol. `Name` is its `app_proto` and event type, `Options` its options (flat),
 * `Rec` the record it emits. Methods (not function-typed properties) so that any module is assignable to
 * `ProtocolModule` (the registry holds modules of different types).
 */
export interface ProtocolModule<Name extends string = string, Options extends object = object, Rec extends object = object> {
  /** `app_proto` value and event type: `http`, `dns`, `tls`, `redis`, ... (Suricata's names where it has one). */
  readonly name: Name;
  /** One line for `netsieve protocols`: what the protocol is. */
  readonly description: string;
  readonly transports: readonly Transport[];
  /** Well-known server ports, per transport: a hint that orders the probes, never proof. */
  readonly ports: Readonly<Partial<Record<Transport, readonly number[]>>>;
  /**
   * Examines the first bytes of one direction (all of that direction's bytes so far, from its first byte;
   * for UDP, one datagram). Must be cheap, never throw, and answer NOT_MINE as early as the bytes allow.
   */
  probe(data: Uint8Array, start: number, end: number, ctx: ProbeContext): ProbeResult;
  /**
   * The parser reports the flow's server name (`AppEventSink.serverName`): TLS its SNI, HTTP its Host. The
   * policy stage waits for that report before its final decision on a flow of this protocol.
   */
  readonly reportsServerName?: boolean;
  /** A parser for a TCP flow this module won (the bytes already probed are delivered to it again). */
  createTcp?(sink: AppEventSink<Rec>, options: Options): TcpAppParser;
  /** A parser for a UDP flow this module won. */
  createUdp?(sink: AppEventSink<Rec>, options: Options): UdpAppParser;
  /** The module's options with their defaults (caps, switches): flat numbers, booleans and strings. */
  readonly defaults: Readonly<Options>;
  /** One description per option (the config reference and JSON schema are generated from these). */
  readonly optionDocs: { readonly [K in keyof NoInfer<Options>]: string };
  /** For string options: the values allowed (anything else is refused with the option's path). */
  readonly optionChoices?: { readonly [K in keyof NoInfer<Options>]?: readonly string[] };
  /**
   * Brings merged options into the ranges the parser needs (clamps). Called by the registry once, after
   * the caller's options were checked against `defaults`; never by the parser.
   */
  normalizeOptions?(options: NoInfer<Options>): NoInfer<Options>;
  /** The record's EVE JSON object (what EVE writes under `"<name>": {...}`). */
  toEve(record: Rec): Record<string, unknown>;
  /** The module's anomaly names (`http.bad_chunk_size`, ...): the code of a name is its index; 0 is `<name>.none`. */
  readonly anomalies: readonly string[];
  /** The module's inspection buffers. */
  readonly buffers: readonly InspectionBuffer<Rec>[];
}

/**
 * Any module, whatever its types: what the engine holds (it passes each module its own options and
 * records, which it cannot name). `any` rather than `object` so that modules with option interfaces and
 * records of their own are members without casts.
 */
// biome-ignore lint/suspicious/noExplicitAny: variance; see the comment above (object would need casts in every module)
export type AnyProtocolModule = ProtocolModule<string, any, any>;

/** A module's option type. */
export type OptionsOf<M> = M extends ProtocolModule<string, infer O, object> ? O : never;
/** A module's record type. */
export type RecordOf<M> = M extends { toEve(record: infer R): unknown } ? R : never;

/**
 * Declares a module, keeping its name as a literal type (the event union and the option types are built
 * from the registry's module types).
 */
export function defineProtocol<const Name extends string, Options extends object, Rec extends object>(
  module: ProtocolModule<Name, Options, Rec>,
): ProtocolModule<Name, Options, Rec> {
  return module;
}

/**
 * Short upper-case name → code, derived from an anomaly table (`['http.none', 'http.bad_request_line']`
 * gives `{ NONE: 0, BAD_REQUEST_LINE: 1 }`): parsers raise `HttpAnomaly.BAD_REQUEST_LINE`, and the table
 * stays the only list.
 */
export type AnomalyCodes<Table extends readonly string[], Prefix extends string> = {
  readonly [K in Table[number] as K extends `${Prefix}.${infer S}` ? Uppercase<S> : never]: number;
};

export function anomalyCodes<const Table extends readonly string[], const Prefix extends string>(
  prefix: Prefix,
  table: Table,
): AnomalyCodes<Table, Prefix> {
  const codes: Record<string, number> = {};
  table.forEach((name, i) => {
    // A retired code keeps its slot (`retired.<name>`) and has no short name.
    if (name.startsWith(`${prefix}.`)) codes[name.slice(prefix.length + 1).toUpperCase()] = i;
  });
  return Object.freeze(codes) as AnomalyCodes<Table, Prefix>;
}

const utf8 = new TextEncoder();
/** Buffer helper: a string's UTF-8 bytes as one instance, none for null. */
export function textBuffer(s: string | null | undefined): Uint8Array[] {
  return s === null || s === undefined ? [] : [utf8.encode(s)];
}
/** Buffer helper: one instance per string. */
export function textBuffers(list: readonly string[]): Uint8Array[] {
  return list.map((s) => utf8.encode(s));
}

/**
 * A server name as `AppEventSink.serverName` reports it: ASCII letters lower-cased (DNS names compare
 * without case in ASCII only, RFC 4343), one trailing dot removed (`example.com.` is `example.com`), and
 * null for null or what is empty after that. Anything else is kept as it is: the name is evidence, and a
 * strange one is for the receiver to judge.
 */
export function serverNameOf(name: string | null): string | null {
  if (name === null) return null;
  let n = name.charCodeAt(name.length - 1) === 0x2e ? name.slice(0, -1) : name;
  if (n.length === 0) return null;
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) {
      n = n.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
      break;
    }
  }
  return n;
}
