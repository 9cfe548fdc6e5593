/**
 * The response CRS CI's backend gives a stage's request, for the response rules (RESPONSE-95x/980): the
 * backend is albedo v0.3.0 (tests/docker-compose.yml), read to learn its behaviour, no code copied.
 *
 * - `POST /reflect` (or `/reflect/`, any query) with a JSON body: the JSON's `status` (0: 200; outside
 *   100-599: 400 with `Invalid status code: N`), its `headers`, and its `body` (else `encodedBody`, base64).
 *   Go's encoding/json matches the keys case-insensitively and ignores unknown ones, so a JSON that is not a
 *   reflection spec (`{"fileuploaderror":...}`) gives an empty 200. A body that is not JSON gives 400
 *   `Invalid JSON in request body`.
 * - Anything else: an empty 200.
 *
 * Go's net/http adds a Content-Type by sniffing the first 512 bytes when the handler sets none
 * (`http.DetectContentType`: the HTML and XML signatures, then text or binary); this matters because CRS CI
 * inspects response bodies of text/plain, text/html, text/xml and application/json only. nginx, in front,
 * changes other fields (Server, Date, Connection), which no CRS rule reads; `responseBytes` gives a plain
 * HTTP/1.1 response with Content-Type and Content-Length only.
 */
import type { FtwHeader, FtwStage } from './load.js';
import { stageBody } from './request.js';

export interface AlbedoResponse {
  status: number;
  headers: FtwHeader[];
  body: Uint8Array;
}

const HTML_SIGNATURES = [
  '<!DOCTYPE HTML',
  '<HTML',
  '<HEAD',
  '<SCRIPT',
  '<IFRAME',
  '<H1',
  '<DIV',
  '<FONT',
  '<TABLE',
  '<A',
  '<STYLE',
  '<TITLE',
  '<B',
  '<BODY',
  '<BR',
  '<P',
  '<!--',
];

/** Go's `http.DetectContentType`, for the text types CRS inspects (images, archives and media are left out). */
export function goDetectContentType(body: Uint8Array): string {
  const data = Buffer.from(body.subarray(0, 512)).toString('latin1');
  if (data.startsWith('\xfe\xff')) return 'text/plain; charset=utf-16be';
  if (data.startsWith('\xff\xfe')) return 'text/plain; charset=utf-16le';
  if (data.startsWith('\xef\xbb\xbf')) return 'text/plain; charset=utf-8';
  let ws = 0;
  while (ws < data.length && '\t\n\f\r '.includes(data[ws]!)) ws++;
  const rest = data.slice(ws);
  for (const sig of HTML_SIGNATURES) {
    // The signature, case-insensitive, then a tag-terminating byte (space or `>`).
    if (rest.length > sig.length && rest.slice(0, sig.length).toUpperCase() === sig && ' >'.includes(rest[sig.length]!)) {
      return 'text/html; charset=utf-8';
    }
  }
  if (rest.startsWith('<?xml')) return 'text/xml; charset=utf-8';
  if (data.startsWith('%PDF-')) return 'application/pdf';
  // Text unless a byte Go counts as binary data.
  for (let i = 0; i < data.length; i++) if (isBinaryByte(data.charCodeAt(i))) return 'application/octet-stream';
  return 'text/plain; charset=utf-8';
}

/** Go's sniffing counts these as binary: C0 controls but TAB, LF, FF, CR and ESC. */
function isBinaryByte(c: number): boolean {
  return c <= 0x08 || c === 0x0b || (c >= 0x0e && c <= 0x1a) || (c >= 0x1c && c <= 0x1f);
}

function respond(status: number, headers: FtwHeader[], body: Uint8Array): AlbedoResponse {
  const out = headers.map((h) => ({ ...h }));
  if (body.length > 0 && !out.some((h) => h.name.toLowerCase() === 'content-type')) {
    out.push({ name: 'Content-Type', value: goDetectContentType(body) });
  }
  return { status, headers: out, body };
}

/** A JSON object's field as Go's encoding/json finds it: the exact key, else one equal ignoring case. */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const k = Object.keys(obj).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : obj[k];
}

/** The response albedo sends for a stage's request (null for a raw `encoded_request`, which it does not model). */
export function albedoResponse(stage: FtwStage): AlbedoResponse | null {
  const i = stage.input;
  if (i.encodedRequest !== null) return null;
  const path = i.uri.split('?')[0];
  if (i.method !== 'POST' || (path !== '/reflect' && path !== '/reflect/')) return respond(200, [], new Uint8Array(0));
  const body = Buffer.from(stageBody(i) ?? new Uint8Array(0)).toString('utf8');
  let spec: unknown;
  try {
    spec = JSON.parse(body);
  } catch {
    return respond(400, [], Buffer.from('Invalid JSON in request body'));
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    return respond(400, [], Buffer.from('Invalid JSON in request body'));
  }
  const s = spec as Record<string, unknown>;
  const headersSpec = field(s, 'headers');
  const headers: FtwHeader[] =
    headersSpec !== null && typeof headersSpec === 'object'
      ? Object.entries(headersSpec as Record<string, unknown>).map(([name, value]) => ({ name, value: String(value) }))
      : [];
  const status = Number(field(s, 'status') ?? 0);
  if ((status > 0 && status < 100) || status >= 600) return respond(400, headers, Buffer.from(`Invalid status code: ${status}`));
  const text = field(s, 'body');
  const encoded = field(s, 'encodedBody');
  const out =
    typeof text === 'string' && text !== ''
      ? Buffer.from(text, 'utf8')
      : typeof encoded === 'string' && encoded !== ''
        ? Buffer.from(encoded, 'base64')
        : new Uint8Array(0);
  return respond(status === 0 ? 200 : status, headers, out);
}

/** A plain HTTP/1.1 response with the fields of `albedoResponse` and a Content-Length. */
export function responseBytes(r: AlbedoResponse): Uint8Array {
  let head = `HTTP/1.1 ${r.status} ${r.status === 200 ? 'OK' : r.status === 400 ? 'Bad Request' : 'Status'}\r\n`;
  for (const h of r.headers) head += `${h.name}: ${h.value}\r\n`;
  head += `Content-Length: ${r.body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), r.body]);
}
