/**
 * The `stratum` record (the anomaly table is `anomalies.ts`). Stratum is JSON-RPC over TCP, one JSON object
 * per line, in two dialects that share the framing:
 * - `stratum-v1` (Bitcoin-style pools): array params, `mining.subscribe`, `mining.authorize`,
 *   `mining.submit` from the miner; `mining.notify`, `mining.set_difficulty`, `mining.set_extranonce`,
 *   `client.reconnect`, ... from the pool; errors as `[code, "message", traceback]`;
 * - `xmrig` (Monero pools and XMRig-compatible miners): `"jsonrpc":"2.0"`, object params, `login`,
 *   `submit`, `keepalived` from the miner, `job` from the pool; errors as `{code, message}`.
 *
 * One record per request with its response (paired by id, in either direction: pools also ask miners, as
 * `client.get_version`), one per notification (a method whose id is null or absent), and one per response
 * that no pending request awaited. Records are plain data owned by the receiver: strings are cut to
 * `maxStringBytes`, parameters to `maxParams`, and the miner's password is never kept.
 */

/** The dialect: v1's array params and mining.* names, or XMRig's login/job/submit with object params. */
export type StratumVariant = 'stratum-v1' | 'xmrig';

/** Why a request has no response. */
export type StratumNoResponse =
  | 'ended' // the other side's stream ended (or the flow did) before the response
  | 'overflow'; // evicted from the pending queue (maxPending)

export interface StratumError {
  /** The error code (v1: the array's first element; XMRig: `code`), null when none was given. */
  code: number | null;
  /** The message, cut to maxStringBytes (an error in another shape: its JSON text). */
  message: string;
}

export interface StratumRecord {
  /**
   * `request`: a method call with an id, with its response when one came; `notification`: a method with a
   * null or absent id, or one of the pool's pushes whatever its id (mining.notify, mining.set_difficulty,
   * mining.set_extranonce, mining.set_version_mask, client.reconnect, client.show_message, job), never
   * answered; `response`: a response no request awaited.
   */
  kind: 'request' | 'notification' | 'response';
  /** The dialect, from the method and the shape of its params (the connection's, once known). */
  variant: StratumVariant;
  /** The method as sent (`mining.submit`, `login`), cut to maxStringBytes; null for a `response` record. */
  method: string | null;
  /** The JSON-RPC id as sent: a number or string (another JSON value: its JSON text), null when none. */
  id: number | string | null;
  /** Who sent the request or notification (for a `response` record: who sent the response). */
  direction: 'to_server' | 'to_client';
  /**
   * The parameters, summarised: the first maxParams of v1's array (a string as it is, cut; other values as
   * their JSON text, cut), or of XMRig's object as `key=value`. The password of `mining.authorize` and of
   * `login` (`pass`) is written `(redacted)`.
   */
  params: string[];
  /** Parameters on the wire (array elements or object members); 0 when params is absent. */
  paramCount: number;
  /** The account that mines: `mining.authorize`'s worker name, `login`'s login (typically a wallet address). */
  worker: string | null;
  /** The miner software: `mining.subscribe`'s first parameter, `login`'s agent. */
  agent: string | null;
  /**
   * The job: `mining.notify`'s and `mining.submit`'s job id, XMRig's `job` and `submit` `job_id`, or the
   * job a `login` response carries.
   */
  jobId: string | null;
  /** `mining.set_difficulty`'s difficulty. */
  difficulty: number | null;
  /** A response was paired with this request (always true for a `response` record). */
  responded: boolean;
  /**
   * The response's result: a boolean or number as it is, a string cut to maxStringBytes, an array or object
   * as its compact JSON text, cut; null when the result was null or there was no response.
   */
  result: boolean | number | string | null;
  /** The response's error, null when it had none (or there was no response). */
  error: StratumError | null;
  /** Why a request has no response; null when it has one, and for notifications and responses. */
  noResponse: StratumNoResponse | null;
  /** Some string was cut or some parameters were left out. */
  truncated: boolean;
  /** Anomalies raised on this record's lines, by name, in the order found. */
  anomalies: string[];
}
