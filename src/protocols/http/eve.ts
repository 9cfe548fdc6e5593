/**
 * The `http` object of an EVE line (`"event_type": "http", "http": {...}`), with Suricata's field names:
 * what its HTTP logger writes for a transaction, plus the header lists it writes with
 * `dump-all-headers: both`. Fields with no value are left out, as Suricata does.
 *
 * Suricata's conventions kept here: `hostname` is the host without port, lower-cased (the port goes to
 * `http_port`); `url` is the raw request-target; `http_content_type` is the response's media type without
 * parameters; `length` is the response body length after transfer decoding; `protocol` is the request's
 * version text. Bodies are not written (Suricata logs them only in alerts, base64).
 */
import type { HttpHeader, HttpTransaction, HttpWafResult } from './events.js';

/** Host and port of a Host value or authority: `Example.com:8080` → ['example.com', 8080]; `[::1]:80` → ['::1', 80]. */
export function splitHost(host: string): [string, number | null] {
  let h = host.trim();
  let port: number | null = null;
  const at = h.lastIndexOf('@');
  if (at >= 0) h = h.slice(at + 1);
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    if (close > 0) {
      const rest = h.slice(close + 1);
      if (/^:[0-9]{1,5}$/.test(rest)) port = Number(rest.slice(1));
      h = h.slice(1, close);
    }
  } else {
    const colon = h.lastIndexOf(':');
    if (colon >= 0 && h.indexOf(':') === colon) {
      const p = h.slice(colon + 1);
      if (/^[0-9]{1,5}$/.test(p)) port = Number(p);
      h = h.slice(0, colon);
    }
  }
  if (port !== null && port > 65535) port = null;
  return [h.toLowerCase(), port];
}

function headers(list: readonly HttpHeader[]): { name: string; value: string }[] | undefined {
  return list.length === 0 ? undefined : list.map((h) => ({ name: h.name, value: h.value }));
}

/** `bytes 0-99/1234` (RFC 9110 §14.4) into Suricata's object; `*` parts are left out. */
function contentRange(raw: string): Record<string, unknown> {
  const out: Record<string, unknown> = { raw };
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\s*\/\s*(\d+|\*)\s*$/i.exec(raw);
  if (m !== null) {
    if (m[1] !== undefined) out.start = Number(m[1]);
    if (m[2] !== undefined) out.end = Number(m[2]);
    if (m[3] !== '*') out.size = Number(m[3]);
  }
  return out;
}

export function httpToEve(tx: HttpTransaction): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (tx.host !== null && tx.host.length > 0) {
    const [host, port] = splitHost(tx.host);
    if (host.length > 0) o.hostname = host;
    if (port !== null) o.http_port = port;
  }
  if (tx.uri !== null) o.url = tx.uri;
  if (tx.userAgent !== null) o.http_user_agent = tx.userAgent;
  if (tx.xForwardedFor !== null) o.xff = tx.xForwardedFor;
  if (tx.responseContentType !== null) {
    const semi = tx.responseContentType.indexOf(';');
    o.http_content_type = (semi < 0 ? tx.responseContentType : tx.responseContentType.slice(0, semi)).trim();
  }
  if (tx.referer !== null) o.http_refer = tx.referer;
  if (tx.method !== null) o.http_method = tx.method;
  if (tx.version !== null && tx.version.length > 0) o.protocol = tx.version;
  else if (tx.responseVersion !== null && tx.responseVersion.length > 0) o.protocol = tx.responseVersion;
  if (tx.status !== null) o.status = tx.status;
  if (tx.location !== null) o.redirect = tx.location;
  if (tx.contentRange !== null) o.content_range = contentRange(tx.contentRange);
  o.length = tx.responseBodyLength;
  const rq = headers(tx.requestHeaders);
  if (rq !== undefined) o.request_headers = rq;
  const rs = headers(tx.responseHeaders);
  if (rs !== undefined) o.response_headers = rs;
  return o;
}

/**
 * The WAF's results on a transaction as EVE writes them: netsieve's extension (schema/eve-waf.schema.json),
 * snake_case, at the top of the `http` line beside Suricata's `http` object (whose schema admits no other
 * field), as the policy's `policy` object is on flow lines. Alert lines do not carry it.
 */
export function httpWafToEve(w: HttpWafResult): Record<string, unknown> {
  return {
    inbound_score: w.inboundScore,
    outbound_score: w.outboundScore,
    inbound_threshold: w.inboundThreshold,
    outbound_threshold: w.outboundThreshold,
    paranoia: w.paranoia,
    matched: w.matched.slice(),
    intervention:
      w.intervention === null ? null : { rule: w.intervention.rule, phase: w.intervention.phase, action: w.intervention.action },
    blocked: w.blocked,
  };
}
