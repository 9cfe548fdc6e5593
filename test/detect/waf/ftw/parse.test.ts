/**
 * Every request go-ftw sends for CRS's regression stages, fed to netsieve's own HTTP parser
 * (src/protocols/http, through a connection as test/protocols/http/helpers.ts builds one): each must give
 * exactly one request whose method, URI, version, header fields and body are the stage's, except the
 * stages that send a malformed request on purpose, listed below with what the parser reports for them.
 * Skipped without ../shared/crs.
 */
import { describe, expect, it } from 'vitest';
import type { HttpTransaction } from '../../../../src/protocols/http/events.js';
import { C2S, run } from '../../../protocols/http/helpers.js';
import { FTW_ABSENT, type FtwHeader, type FtwStage, ftwPresent, ftwSuite } from './load.js';
import { requestParts } from './request.js';

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const asWire = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

/** A chunked body de-chunked (what the parser reports as the body), for the expectation. */
function dechunk(wire: string): string {
  let out = '';
  let pos = 0;
  for (;;) {
    const eol = wire.indexOf('\r\n', pos);
    if (eol === -1) return out;
    const size = Number.parseInt(wire.slice(pos, eol), 16);
    if (!(size > 0)) return out;
    out += wire.slice(eol + 2, eol + 2 + size);
    pos = eol + 2 + size + 2;
  }
}

interface Expected {
  method: string;
  uri: string;
  version: string;
  headers: [string, string][];
  body: string;
}

/** What the request says, read from the stage (or from the raw bytes of an encoded_request). */
function expectedOf(stage: FtwStage): Expected {
  const p = requestParts(stage.input);
  let headers: FtwHeader[];
  let line: string;
  let body: string;
  if (p.raw) {
    const wire = latin1(p.bytes);
    const end = wire.indexOf('\r\n\r\n');
    const lines = wire.slice(0, end).split('\r\n');
    line = lines[0]!;
    headers = lines.slice(1).map((l) => {
      const c = l.indexOf(':');
      return { name: l.slice(0, c), value: l.slice(c + 1) };
    });
    body = wire.slice(end + 4);
    // 944200-1 sends CRLF CRLF after its Content-Length of body (empty lines a server skips).
    const cl = headers.find((h) => /^content-length$/i.test(h.name));
    if (cl !== undefined) body = body.slice(0, Number(cl.value));
  } else {
    line = asWire(p.requestLine!);
    headers = p.headers.map((h) => ({ name: asWire(h.name), value: asWire(h.value) }));
    body = latin1(p.body);
  }
  if (headers.some((h) => /^transfer-encoding$/i.test(h.name) && /chunked/i.test(h.value))) body = dechunk(body);
  // The stage's own fields when it has them (a URI may hold spaces); a raw request's line split at spaces.
  const i = stage.input;
  const [method = '', uri = '', version = ''] = p.raw ? line.split(' ') : [i.method, i.uri, i.version].map(asWire);
  return { method, uri, version, headers: headers.map((h) => [h.name, h.value.replace(/^[ \t]+|[ \t]+$/g, '')]), body };
}

function reported(r: HttpTransaction): Expected {
  return {
    method: r.method ?? '',
    uri: r.uri ?? '',
    version: r.version ?? '',
    headers: r.requestHeaders.map((h) => [h.name, h.value]),
    body: latin1(r.requestBody),
  };
}

interface Outcome {
  requests: number;
  /** Request-side anomalies (`http.request_without_response` left out: no server answers here). */
  anomalies: string[];
  /** The one request matches the stage. */
  matches: boolean;
}

function parse(stage: FtwStage): Outcome {
  const out = run([{ dir: C2S, data: requestParts(stage.input).bytes }], undefined, { inspectBodyLimit: 1 << 20 });
  const requests = out.records.filter((r) => r.method !== null);
  const anomalies = out.anomalies.filter((a) => a !== 'http.request_without_response').map((a) => a.replace(/@0$/, ''));
  const matches = requests.length === 1 && JSON.stringify(reported(requests[0]!)) === JSON.stringify(expectedOf(stage));
  return { requests: requests.length, anomalies, matches };
}

type Known = [requests: number, anomalies: string[], matches: boolean, why: string];

/**
 * Stages whose request the parser flags or does not read as the stage's one request: each on purpose.
 * `matches` false means the parser's request differs from the stage's input (or there is not one).
 */
const MALFORMED: Record<string, Known> = {
  '920100-2/0': [0, ['http.bad_request_line'], false, 'method "     GET": spaces before the method'],
  '920100-12/0': [0, ['http.bad_request_line'], false, 'method "\\tGET": a tab before the method'],
  '920100-13/0': [0, ['http.bad_request_line'], false, 'version HTTP\\1.0 (backslash), URI \\index.html'],
  '920100-15/0': [1, ['http.request_line_whitespace'], true, 'spaces inside the URI (an XSS payload)'],
  '920160-1/0': [1, ['http.invalid_content_length'], true, 'Content-Length not a number'],
  '920160-2/0': [1, ['http.invalid_content_length'], true, 'Content-Length not a number'],
  '920160-3/0': [1, ['http.invalid_content_length'], true, 'Content-Length not a number'],
  '920160-5/0': [1, ['http.invalid_content_length'], false, 'Content-Length "3;": body "abc" not read as the body'],
  '920170-4/0': [
    1,
    ['http.bad_request_line'],
    false,
    'GET with Content-Length: 0 and a body: the body read as a next request line',
  ],
  '920180-1/0': [
    1,
    ['http.message_truncated'],
    false,
    'POST without Content-Length (autocomplete off): no body, its bytes a cut request',
  ],
  '920180-4/0': [1, ['http.invalid_version'], true, 'HTTP/2.0 on an HTTP/1 connection'],
  '920181-1/0': [1, ['http.content_length_with_transfer_encoding'], true, 'Content-Length and chunked: chunked wins'],
  '920230-2/0': [1, ['http.uri_invalid_escape'], true, 'broken % escapes in the query'],
  '920260-1/0': [1, ['http.uri_invalid_escape'], true, '%u escape'],
  '920260-2/0': [1, ['http.uri_invalid_escape'], true, '%u escape'],
  '920260-3/0': [1, ['http.uri_invalid_escape'], true, '%u escape'],
  '920270-1/0': [1, ['http.uri_encoded_null'], true, '%00 in the URI'],
  '920270-2/0': [1, ['http.uri_encoded_null'], true, '%00 in the URI'],
  '920270-3/0': [1, ['http.uri_encoded_null'], true, '%00 in the URI'],
  '920270-8/0': [1, ['http.uri_encoded_null'], true, '%00 in the URI'],
  '920271-3/0': [1, ['http.uri_encoded_null'], true, '%00 in the URI'],
  '920280-3/0': [1, ['http.invalid_version'], true, 'HTTP/0.9 with a version token'],
  '920400-1/0': [
    1,
    ['http.bad_request_line'],
    false,
    'Content-Length 64200 given, CRLF conversion makes the body 64341: the rest is read as a next request',
  ],
  '920430-3/0': [1, ['http.invalid_version'], true, 'HTTP/0.9'],
  '920430-4/0': [1, ['http.invalid_version'], true, 'HTTP/2'],
  '920430-5/0': [1, ['http.http09_request'], false, 'no version ("GET / "): read as HTTP/0.9 with its header fields'],
  '920430-6/0': [0, ['http.bad_request_line'], false, 'version "1.1"'],
  '920430-7/0': [0, ['http.bad_request_line'], false, 'version "TEST"'],
  '920430-8/0': [1, ['http.invalid_version'], true, 'HTTP/4.0'],
  '920430-9/0': [1, ['http.invalid_version'], true, 'HTTP/0.8'],
  '920430-10/0': [0, ['http.bad_request_line'], false, 'version "JUNK/1.0"'],
  '920640-5/0': [1, ['http.message_truncated'], false, 'POST with a body and no Content-Length (autocomplete off): no body'],
  '921110-6/0': [2, [], false, 'request smuggling: a second request inside a text/plain body past its Content-Length'],
  '921140-1/0': [1, ['http.bare_cr'], true, 'a CR inside a header value (header injection)'],
  '921150-1/0': [1, ['http.uri_invalid_escape'], true, '%0r in the query'],
  '921160-1/0': [1, ['http.uri_invalid_escape'], true, '%0R in the query'],
  '930100-3/0': [1, ['http.uri_encoded_null'], true, '%00 in the URI'],
  '930120-1/0': [1, ['http.uri_encoded_null'], true, '%00 in the URI'],
  '930120-2/0': [1, ['http.uri_encoded_null'], true, '%00 in the URI'],
  '930120-3/0': [1, ['http.uri_encoded_null'], true, '%00 in the URI'],
  '932311-2/0': [1, ['http.uri_invalid_escape'], true, '%ex in the query'],
  '933170-5/0': [1, ['http.uri_encoded_null'], true, '%00 in the URI'],
  '934120-33/0': [1, ['http.uri_invalid_escape'], true, '%zone in an IPv6 literal'],
  '934120-34/0': [1, ['http.uri_invalid_escape'], true, '%zone in an IPv6 literal'],
};

describe.skipIf(!ftwPresent)(
  `go-ftw requests through netsieve's HTTP parser (needs ../shared/crs; ${ftwPresent ? 'present' : FTW_ABSENT})`,
  () => {
    it('parses every other stage into exactly one request with the stage’s method, URI, version, headers and body', () => {
      const wrong: string[] = [];
      for (const s of ftwSuite().stages) {
        if (MALFORMED[s.key] !== undefined) continue;
        const o = parse(s);
        if (!o.matches || o.anomalies.length > 0) wrong.push(`${s.key}: ${JSON.stringify(o)}`);
      }
      expect(wrong).toEqual([]);
    });

    it('reports, for each stage that sends a malformed request on purpose, what the list says', () => {
      const stages = new Map(ftwSuite().stages.map((s) => [s.key, s]));
      const got: Record<string, Known> = {};
      for (const [key, k] of Object.entries(MALFORMED)) {
        const s = stages.get(key);
        if (s === undefined) continue;
        const o = parse(s);
        got[key] = [o.requests, o.anomalies, o.matches, k[3]];
      }
      expect(got).toEqual(MALFORMED);
    });

    it('reads the smuggled request of 921110-6 as the second request, as a server would', () => {
      const s = ftwSuite().stages.find((x) => x.key === '921110-6/0')!;
      const out = run([{ dir: C2S, data: requestParts(s.input).bytes }]);
      expect(out.records.map((r) => [r.method, r.uri, r.requestBodyLength])).toEqual([
        ['POST', '/', 36],
        ['GET', '/b.html', 0],
      ]);
    });
  },
);
