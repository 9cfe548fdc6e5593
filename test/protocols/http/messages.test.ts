/**
 * Hand-written corpus, in the spirit of llhttp's tests: odd-but-legal messages parse as a server reads them,
 * illegal ones raise their anomaly and the parser goes on where a server would.
 */
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HTTP_DEFAULTS } from '../../../src/protocols/http/options.js';
import { MAX_INTERIM } from '../../../src/protocols/http/state.js';
import { C2S, S2C, exchange, run, text } from './helpers.js';

const GET = (path = '/', extra = '') => `GET ${path} HTTP/1.1\r\nHost: example.com\r\n${extra}\r\n`;
const OK = (body = '', extra = '') => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

function one(req: string | Uint8Array, resp?: string | Uint8Array, opts = {}) {
  const o = run(exchange(req, resp), undefined, opts);
  expect(o.afterStop).toBe(0);
  return { ...o, r: o.records[0]! };
}

describe('request line', () => {
  it('reads method, raw uri, version and Host', () => {
    const { r, anomalies } = one(GET('/a/b?c=d'), OK('hi'));
    expect([r.method, r.uri, r.version, r.host, r.status, r.reason]).toEqual([
      'GET',
      '/a/b?c=d',
      'HTTP/1.1',
      'example.com',
      200,
      'OK',
    ]);
    expect(anomalies).toEqual([]);
    expect(text(r.responseBody)).toBe('hi');
  });
  it('accepts any token as a method', () => {
    for (const m of ['PROPFIND', 'M-SEARCH', 'CCM_POST', 'x!#$%&*+.^`|~y', 'get']) {
      const { r } = one(`${m} / HTTP/1.1\r\nHost: h\r\n\r\n`, OK());
      expect(r.method).toBe(m);
    }
  });
  it('takes the absolute-form authority as the host and flags a different Host field', () => {
    const { r, anomalies } = one('GET http://user@Proxy.example:8080/x/../y HTTP/1.1\r\nHost: other\r\n\r\n', OK());
    expect([r.host, r.uri, r.normalizedUri]).toEqual(['Proxy.example:8080', 'http://user@Proxy.example:8080/x/../y', '/y']);
    expect(anomalies).toContain('http.host_mismatch@0');
  });
  it('reads CONNECT authority-form and OPTIONS *', () => {
    expect(one('OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n', OK()).r.normalizedUri).toBe('*');
    const c = one(
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
      'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n',
    );
    expect([c.r.host, c.r.normalizedUri, c.r.status]).toEqual(['example.com:443', 'example.com:443', 403]);
  });
  it('normalizes the uri: unreserved escapes, dot segments, repeated slashes; keeps the raw one', () => {
    const { r, anomalies } = one(GET('//a/./b/%2e%2E/c%7e%2f%41//d/?q=%41%2f%zz'), OK());
    expect(r.uri).toBe('//a/./b/%2e%2E/c%7e%2f%41//d/?q=%41%2f%zz');
    expect(r.normalizedUri).toBe('/a/c~%2FA/d/?q=A%2F%zz');
    expect(anomalies).toContain('http.uri_invalid_escape@0');
    expect(one(GET('/../../etc/passwd'), OK()).anomalies).toContain('http.uri_path_above_root@0');
    expect(one(GET('/a%00b'), OK()).anomalies).toContain('http.uri_encoded_null@0');
  });
  it('accepts SP inside the target and runs of whitespace, flagged', () => {
    const { r, anomalies } = one('GET  /a b  HTTP/1.1\r\nHost: h\r\n\r\n', OK());
    expect(r.uri).toBe('/a b');
    expect(anomalies).toContain('http.request_line_whitespace@0');
  });
  it('flags an unknown version and reads the message as HTTP/1.1', () => {
    const { r, anomalies } = one('GET / HTTP/1.7\r\nHost: h\r\n\r\n', OK());
    expect(r.version).toBe('HTTP/1.7');
    expect(anomalies).toContain('http.invalid_version@0');
  });
  it('flags a missing Host in HTTP/1.1, not in HTTP/1.0', () => {
    expect(one('GET / HTTP/1.1\r\n\r\n', OK()).anomalies).toContain('http.missing_host@0');
    expect(one('GET / HTTP/1.0\r\n\r\n', OK()).anomalies).toEqual([]);
    expect(one('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', OK()).anomalies).toContain('http.multiple_host_headers@0');
  });
  it('skips empty lines before a request line', () => {
    const o = run(exchange(`\r\n\r\n${GET()}`, OK()));
    expect(o.records.length).toBe(1);
    expect(o.anomalies).toEqual([]);
  });
  it('HTTP/0.9: a simple request answered by raw bytes until close', () => {
    const o = run([
      { dir: C2S, data: 'GET /index.html\r\n' },
      { dir: S2C, data: '<html>hello</html>' },
      { dir: S2C, end: 'fin' },
    ]);
    const r = o.records[0]!;
    expect([r.version, r.status, text(r.responseBody)]).toEqual(['HTTP/0.9', null, '<html>hello</html>']);
    expect(o.anomalies).toContain('http.http09_request@0');
  });
  it('a version-less line followed by header fields is read with its headers (as servers answer it)', () => {
    const o = run(
      exchange('GET /HTTP/1.1\r\nHost: www.google.com\r\n\r\n', 'HTTP/1.0 403 Forbidden\r\nContent-Length: 3\r\n\r\nno!'),
    );
    expect(o.records.map((r) => [r.uri, r.host, r.status, text(r.responseBody)])).toEqual([
      ['/HTTP/1.1', 'www.google.com', 403, 'no!'],
    ]);
  });
  it('resynchronises at the next request line after garbage', () => {
    const o = run(exchange(`\x16\x03\x01garbage\r\nmore garbage\r\n${GET('/after')}`, OK('x')));
    expect(o.records.map((r) => r.uri)).toEqual(['/after']);
    expect(o.anomalies.filter((a) => a.startsWith('http.bad_request_line'))).toEqual(['http.bad_request_line@0']);
  });
  it('cuts a request line over maxHeaderLine', () => {
    const o = run(exchange(`GET /${'a'.repeat(200)} HTTP/1.1\r\nHost: h\r\n\r\n`, OK()), undefined, { maxHeaderLine: 64 });
    expect(o.anomalies).toContain('http.start_line_too_long@0');
    expect(o.records[0]!.uri!.length).toBeLessThanOrEqual(64);
  });
});

describe('status line', () => {
  it('reads a missing or empty reason phrase', () => {
    expect(one(GET(), 'HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').r.reason).toBe('');
    expect(one(GET(), 'HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n').r.reason).toBe('');
    expect(one(GET(), 'HTTP/1.1 404 Not  Found Here\r\nContent-Length: 0\r\n\r\n').r.reason).toBe('Not  Found Here');
  });
  it('a line that is not a status line: the response side is lost, requests are still read', () => {
    const o = run([
      { dir: C2S, data: GET('/1') },
      { dir: S2C, data: 'SSH-2.0-OpenSSH\r\n' },
      { dir: C2S, data: GET('/2') },
    ]);
    expect(o.anomalies).toContain('http.bad_status_line@1');
    expect(o.records.map((r) => [r.uri, r.status, r.anomalies.includes('http.request_without_response')])).toEqual([
      ['/1', null, true],
      ['/2', null, true],
    ]);
    expect(o.stopped).toBeNull();
  });
  it('a response with no request', () => {
    const o = run([{ dir: S2C, data: OK('abc') }]);
    expect(o.records.map((r) => [r.method, r.status, r.anomalies])).toEqual([[null, 200, ['http.response_without_request']]]);
  });
});

describe('header fields', () => {
  it('keeps duplicates in order, trims values, keeps the raw block', () => {
    const { r } = one(
      'GET / HTTP/1.1\r\nHost: h\r\nX-A:  1 \r\nx-a:2\r\nCookie: a=b\r\nUser-Agent: curl/8\r\nReferer: http://r/\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n',
      OK(),
    );
    expect(r.requestHeaders).toEqual([
      { name: 'Host', value: 'h' },
      { name: 'X-A', value: '1' },
      { name: 'x-a', value: '2' },
      { name: 'Cookie', value: 'a=b' },
      { name: 'User-Agent', value: 'curl/8' },
      { name: 'Referer', value: 'http://r/' },
      { name: 'X-Forwarded-For', value: '1.2.3.4' },
    ]);
    expect([r.cookie, r.userAgent, r.referer, r.xForwardedFor]).toEqual(['a=b', 'curl/8', 'http://r/', '1.2.3.4']);
    expect(text(r.requestHeaderBlock)).toBe(
      'Host: h\r\nX-A:  1 \r\nx-a:2\r\nCookie: a=b\r\nUser-Agent: curl/8\r\nReferer: http://r/\r\nX-Forwarded-For: 1.2.3.4\r\n',
    );
  });
  it('joins obsolete line folding with one SP', () => {
    const { r, anomalies } = one('GET / HTTP/1.1\r\nHost: h\r\nX-Long: a\r\n  b\r\n\tc\r\n\r\n', OK());
    expect(r.requestHeaders[1]).toEqual({ name: 'X-Long', value: 'a b c' });
    expect(anomalies).toContain('http.obsolete_line_folding@0');
  });
  it('accepts LF-only line endings, flagged; flags a bare CR', () => {
    const { r, anomalies } = one('GET / HTTP/1.1\nHost: h\n\n', 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok');
    expect([r.host, text(r.responseBody)]).toEqual(['h', 'ok']);
    expect(anomalies).toEqual(['http.lf_line_ending@0', 'http.lf_line_ending@1']);
    expect(one('GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n', OK()).anomalies).toContain('http.bare_cr@0');
  });
  it('flags bad names, missing colons, whitespace before the colon, control characters', () => {
    const a = one(
      'GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\nNoColon\r\nSpace : y\r\n: empty\r\nX: a\x01b\r\n\r\n',
      OK(),
    ).anomalies;
    expect(a).toEqual(
      expect.arrayContaining([
        'http.invalid_header_name@0',
        'http.header_without_colon@0',
        'http.whitespace_before_colon@0',
        'http.empty_header_name@0',
        'http.invalid_header_value@0',
      ]),
    );
    expect(one('GET / HTTP/1.1\r\n Folded: first\r\nHost: h\r\n\r\n', OK()).anomalies).toContain(
      'http.whitespace_before_first_header@0',
    );
  });
  it('caps the number of fields, the section and the line length', () => {
    const many = Array.from({ length: 20 }, (_, i) => `X-${i}: ${i}\r\n`).join('');
    const c = one(`GET / HTTP/1.1\r\nHost: h\r\n${many}Content-Length: 3\r\n\r\nabc`, OK(), { maxHeaders: 5 });
    expect(c.r.requestHeaders.length).toBe(5);
    expect(c.r.requestBodyLength).toBe(3); // framing still read from fields not kept
    expect(c.anomalies).toContain('http.too_many_headers@0');
    const s = one(`GET / HTTP/1.1\r\nHost: h\r\n${many}\r\n`, OK(), { maxHeaderSection: 64 });
    expect(s.r.requestHeaderBlock.length).toBeLessThanOrEqual(64);
    expect(s.anomalies).toContain('http.header_section_too_long@0');
    const l = one(`GET / HTTP/1.1\r\nHost: h\r\nX: ${'v'.repeat(300)}\r\n\r\n`, OK(), { maxHeaderLine: 100 });
    expect(l.anomalies).toContain('http.header_line_too_long@0');
    expect(l.records.length).toBe(1);
  });
});

describe('header memory bounds', () => {
  it('endless obsolete folds stop growing the value at the section cap', () => {
    const folds = ' more folded text\r\n'.repeat(20000);
    const { r, anomalies } = one(`GET / HTTP/1.1\r\nHost: h\r\nX-Fold: start\r\n${folds}\r\n`, OK(), { maxHeaderSection: 4096 });
    expect(r.requestHeaders[1]!.value.length).toBeLessThanOrEqual(4096);
    expect(anomalies).toContain('http.header_section_too_long@0');
  });
  it('repeated Transfer-Encoding fields stay bounded and chunked-last still frames the body', () => {
    const many = 'Transfer-Encoding: identity\r\n'.repeat(3000);
    const { r } = one(`POST / HTTP/1.1\r\nHost: h\r\n${many}Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n`, OK(), {
      maxHeaders: 10,
    });
    expect(r.requestTransferEncoding!.length).toBeLessThanOrEqual(HTTP_DEFAULTS.maxHeaderLine);
    expect(text(r.requestBody)).toBe('ok');
  });
  it('a flood of interim responses is cut at MAX_INTERIM', () => {
    const o = run(exchange(GET(), 'HTTP/1.1 100 Continue\r\n\r\n'.repeat(100) + OK('x')));
    expect(o.records.map((r) => [r.status, r.interimStatuses.length, text(r.responseBody)])).toEqual([[200, MAX_INTERIM, 'x']]);
    expect(o.anomalies).toContain('http.too_many_interim_responses@1');
  });
  it('trailers are bounded by the section and count caps', () => {
    const trailers = Array.from({ length: 500 }, (_, i) => `T-${i}: ${'v'.repeat(50)}\r\n`).join('');
    const { r, anomalies } = one(GET(), `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n${trailers}\r\n`, {
      maxHeaderSection: 1000,
    });
    expect(r.responseTrailers.length).toBeLessThan(20);
    expect(anomalies).toContain('http.header_section_too_long@1');
    expect(text(r.responseBody)).toBe('a');
  });
});

describe('body framing', () => {
  it('Content-Length bodies on both sides', () => {
    const { r } = one('POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello', OK('world'));
    expect([
      text(r.requestBody),
      r.requestBodyLength,
      r.requestContentLength,
      r.requestContentType,
      text(r.responseBody),
    ]).toEqual(['hello', 5, 5, 'text/plain', 'world']);
  });
  it('chunked with extensions and trailers', () => {
    const { r, anomalies } = one(
      GET(),
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=val;q="x y"\r\nhello\r\n6 ; ext\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n',
    );
    expect([text(r.responseBody), r.responseBodyLength, r.responseTrailers]).toEqual([
      'hello world',
      11,
      [{ name: 'X-Trailer', value: 't' }],
    ]);
    expect(r.responseBodyWireLength).toBe(
      Buffer.byteLength('5;name=val;q="x y"\r\nhello\r\n6 ; ext\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n'),
    );
    expect(anomalies).toEqual([]);
  });
  it('flags invalid chunk sizes, extensions and overflows', () => {
    expect(one(GET(), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n').anomalies).toContain(
      'http.invalid_chunk_size@1',
    );
    expect(one(GET(), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n').anomalies).toContain(
      'http.chunk_size_overflow@1',
    );
    expect(one(GET(), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;=\r\na\r\n0\r\n\r\n').anomalies).toContain(
      'http.invalid_chunk_extension@1',
    );
    expect(one(GET(), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n').anomalies).toContain(
      'http.chunk_missing_crlf@1',
    );
  });
  it('Content-Length conflicts: duplicates, lists, invalid, overflow, with Transfer-Encoding', () => {
    expect(one('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc', OK()).anomalies).toEqual([]);
    expect(one('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc', OK()).r.requestBodyLength).toBe(3);
    expect(one('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', OK()).anomalies).toContain(
      'http.duplicate_content_length@0',
    );
    expect(one('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n', OK()).anomalies).toContain(
      'http.invalid_content_length@0',
    );
    expect(one('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n', OK()).anomalies).toContain(
      'http.invalid_content_length@0',
    );
    expect(one('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n', OK()).anomalies).toContain(
      'http.content_length_overflow@0',
    );
    const te = one(
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      OK(),
    );
    expect(te.anomalies).toContain('http.content_length_with_transfer_encoding@0');
    expect(text(te.r.requestBody)).toBe('abc');
  });
  it('a request with untrustworthy framing: the next request line is searched for', () => {
    const o = run(
      exchange(
        'POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\nbody bytes\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n',
        OK() + OK(),
      ),
    );
    expect(o.records.map((r) => r.uri)).toEqual(['/a', '/b']);
  });
  it('transfer codings: unknown, chunked not last, in HTTP/1.0', () => {
    expect(one('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n', OK()).anomalies).toContain(
      'http.unknown_transfer_encoding@0',
    );
    const nl = one(GET(), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\nrest until close');
    expect(nl.anomalies).toContain('http.chunked_not_final@1');
    expect(text(nl.r.responseBody)).toBe('rest until close');
    expect(one('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', OK()).anomalies).toContain(
      'http.transfer_encoding_http10@0',
    );
  });
  it('a response without length runs to the end of the connection', () => {
    const o = run([
      { dir: C2S, data: GET() },
      { dir: S2C, data: 'HTTP/1.0 200 OK\r\n\r\npart 1, ' },
      { dir: S2C, data: 'part 2' },
      { dir: S2C, end: 'fin' },
    ]);
    expect([text(o.records[0]!.responseBody), o.records[0]!.responseComplete]).toEqual(['part 1, part 2', true]);
    const cut = run([
      { dir: C2S, data: GET() },
      { dir: S2C, data: 'HTTP/1.0 200 OK\r\n\r\npart' },
      { dir: S2C, end: 'depth' },
    ]);
    expect(cut.anomalies).toContain('http.message_truncated@1');
  });
  it('no body for HEAD, 1xx, 204, 304 whatever the headers say', () => {
    const o = run(
      exchange(
        'HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\n',
        'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n' +
          OK('last'),
      ),
    );
    expect(o.records.map((r) => [r.method, r.uri, r.status, text(r.responseBody)])).toEqual([
      ['HEAD', '/', 200, ''],
      ['GET', '/a', 204, ''],
      ['GET', '/b', 304, ''],
      ['GET', '/c', 200, 'last'],
    ]);
  });
  it('keeps the first inspectBodyLimit bytes, counts the rest', () => {
    const body = 'x'.repeat(1000);
    const { r, anomalies } = one(GET(), OK(body), { inspectBodyLimit: 100 });
    expect([r.responseBody.length, r.responseBodyLength, r.responseBodyTruncated]).toEqual([100, 1000, true]);
    expect(anomalies).toContain('http.body_beyond_inspect_limit@1');
  });
});

describe('conversation', () => {
  it('pairs pipelined requests with their responses in order', () => {
    const o = run(exchange(GET('/1') + GET('/2') + GET('/3'), OK('one') + OK('two') + OK('three')));
    expect(o.records.map((r) => [r.txId, r.uri, text(r.responseBody)])).toEqual([
      [0, '/1', 'one'],
      [1, '/2', 'two'],
      [2, '/3', 'three'],
    ]);
  });
  it('caps the requests waiting for responses', () => {
    const o = run(exchange(GET('/1') + GET('/2') + GET('/3') + GET('/4')), undefined, { maxPendingRequests: 2 });
    expect(o.anomalies).toContain('http.too_many_pipelined_requests@0');
    expect(o.records.length).toBe(4);
    expect(o.records.every((r) => r.anomalies.includes('http.request_without_response'))).toBe(true);
  });
  it('100 Continue: interim responses before the final one', () => {
    const o = run([
      { dir: C2S, data: 'POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n' },
      { dir: S2C, data: 'HTTP/1.1 100 Continue\r\n\r\n' },
      { dir: C2S, data: 'data' },
      { dir: S2C, data: `HTTP/1.1 102 Processing\r\n\r\n${OK('done')}` },
    ]);
    expect(o.records.map((r) => [r.status, r.interimStatuses, text(r.requestBody), text(r.responseBody)])).toEqual([
      [200, [100, 102], 'data', 'done'],
    ]);
  });
  it('a request with no response at the end of the flow is emitted, flagged', () => {
    const o = run(exchange(GET('/1') + GET('/2'), OK()));
    expect(o.records.map((r) => [r.uri, r.status, r.anomalies])).toEqual([
      ['/1', 200, []],
      ['/2', null, ['http.request_without_response']],
    ]);
  });
  it('CONNECT with 2xx: the flow leaves HTTP', () => {
    const o = run([
      { dir: C2S, data: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01\x02\x00' },
      { dir: S2C, data: 'HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03' },
      { dir: C2S, data: 'more tls' },
    ]);
    expect(o.stopped).toBe('connect');
    expect(o.afterStop).toBe(0);
    expect(o.records.map((r) => [r.method, r.status, r.tunnel])).toEqual([['CONNECT', 200, 'connect']]);
    expect(o.anomalies).toEqual([]);
  });
  it('a refused CONNECT: the bytes held meanwhile are read as HTTP', () => {
    const o = run([
      { dir: C2S, data: `CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n${GET('/next')}` },
      { dir: S2C, data: `HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n${OK('n')}` },
    ]);
    expect(o.stopped).toBeNull();
    expect(o.records.map((r) => [r.method, r.uri, r.status])).toEqual([
      ['CONNECT', 'a:443', 407],
      ['GET', '/next', 200],
    ]);
  });
  it('a CONNECT that gets no answer: the bytes held are read as HTTP at the end', () => {
    const o = run([
      { dir: C2S, data: `CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n${GET('/held')}` },
      { dir: S2C, end: 'fin' },
      { dir: C2S, end: 'fin' },
    ]);
    expect(o.records.map((r) => [r.method, r.uri, r.status])).toEqual([
      ['CONNECT', 'a:443', null],
      ['GET', '/held', null],
    ]);
  });
  it('caps the bytes held while a CONNECT waits', () => {
    const o = run([{ dir: C2S, data: `CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n${'x'.repeat(5000)}` }], undefined, {
      maxTunnelBuffer: 1000,
    });
    expect(o.anomalies).toContain('http.tunnel_buffer_full@0');
  });
  it('Upgrade with 101: the flow leaves HTTP', () => {
    const o = run([
      { dir: C2S, data: 'GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n' },
      { dir: S2C, data: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello' },
      { dir: C2S, data: '\x81\x85abcd' },
    ]);
    expect([o.stopped, o.records.length, o.records[0]!.tunnel, o.records[0]!.status]).toEqual(['upgrade', 1, 'upgrade', 101]);
  });
  it('an Upgrade the server ignores stays HTTP', () => {
    const o = run(
      exchange(
        `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n${GET('/2')}`,
        OK('a') + OK('b'),
      ),
    );
    expect(o.records.map((r) => [r.uri, text(r.responseBody)])).toEqual([
      ['/', 'a'],
      ['/2', 'b'],
    ]);
  });
});

describe('content decoding', () => {
  const page = 'The quick brown fox jumps over the lazy dog. '.repeat(50);
  it('gzip, x-gzip, deflate (zlib) and raw deflate bodies are decoded', () => {
    for (const [coding, z] of [
      ['gzip', zlib.gzipSync(page)],
      ['x-gzip', zlib.gzipSync(page)],
      ['deflate', zlib.deflateSync(page)],
      ['deflate', zlib.deflateRawSync(page)],
    ] as const) {
      const resp = Buffer.concat([
        Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nContent-Length: ${z.length}\r\n\r\n`),
        z,
      ]);
      const { r, anomalies } = one(GET(), resp);
      expect([text(r.responseBody), r.responseBodyLength, r.responseBodyDecodedLength, anomalies]).toEqual([
        page,
        z.length,
        page.length,
        [],
      ]);
    }
  });
  it('gzip inside chunked, and a gzip request body', () => {
    const z = zlib.gzipSync(page);
    const chunked = Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n${(100).toString(16)}\r\n`),
      z.subarray(0, 100),
      Buffer.from(`\r\n${(z.length - 100).toString(16)}\r\n`),
      z.subarray(100),
      Buffer.from('\r\n0\r\n\r\n'),
    ]);
    const req = Buffer.concat([
      Buffer.from(`POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\nContent-Length: ${z.length}\r\n\r\n`),
      z,
    ]);
    const { r } = one(req, chunked);
    expect([text(r.requestBody), text(r.responseBody)]).toEqual([page, page]);
  });
  it('damaged data: what decoded is kept; a body labelled gzip that is not is inspected as sent', () => {
    const z = zlib.gzipSync(page);
    z[z.length >> 1] ^= 0xff;
    z[(z.length >> 1) + 1] ^= 0x55;
    const resp = Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${z.length}\r\n\r\n`),
      z,
    ]);
    const d = one(GET(), resp);
    expect(d.anomalies).toContain('http.decompression_failed@1');
    const plain = one(GET(), `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 11\r\n\r\nplain text!`);
    expect(plain.anomalies).toContain('http.decompression_failed@1');
    expect(text(plain.r.responseBody)).toBe('plain text!');
  });
  it('stops at the decompression caps (absolute and ratio)', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(4 * 1024 * 1024));
    const resp = Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`),
      bomb,
    ]);
    const abs = one(GET(), resp, { maxDecompressedSize: 1024 * 1024, maxDecompressionRatio: 1e9 });
    expect(abs.anomalies).toContain('http.decompression_bomb@1');
    expect(abs.r.responseBodyDecodedLength).toBeLessThanOrEqual(1024 * 1024 + 65536);
    const ratio = one(GET(), resp);
    expect(ratio.anomalies).toContain('http.decompression_bomb@1');
    expect(ratio.r.responseBodyLength).toBe(bomb.length);
  });
  it('flags codings it does not decode, and decodes nothing when decompress is off', () => {
    expect(one(GET(), 'HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 3\r\n\r\nabc').anomalies).toContain(
      'http.unsupported_content_encoding@1',
    );
    const z = zlib.gzipSync(page);
    const resp = Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${z.length}\r\n\r\n`),
      z,
    ]);
    const off = one(GET(), resp, { decompress: false });
    expect(Buffer.from(off.r.responseBody).equals(z)).toBe(true);
  });
});

describe('gaps and ends', () => {
  it('a gap inside a body of known length is skipped', () => {
    const o = run([
      { dir: C2S, data: GET() + GET('/2') },
      { dir: S2C, data: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc' },
      { dir: S2C, gap: 4 },
      { dir: S2C, data: `hij${OK('second')}` },
    ]);
    expect(o.records.map((r) => [r.uri, r.responseBodyLength, r.responseBodyTruncated, text(r.responseBody)])).toEqual([
      ['/', 10, true, 'abc'],
      ['/2', 6, false, 'second'],
    ]);
    expect(o.anomalies).toContain('http.gap_in_body@1');
  });
  it('a gap in request headers: the next request line is looked for; in response headers: the next status line (none comes)', () => {
    const o = run([
      { dir: C2S, data: 'GET /1 HTTP/1.1\r\nHo' },
      { dir: C2S, gap: 10 },
      { dir: C2S, data: 'junk\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n' },
      { dir: S2C, data: 'HTTP/1.1 200 OK\r\nCont' },
      { dir: S2C, gap: -1 },
      { dir: C2S, data: 'GET /3 HTTP/1.1\r\nHost: h\r\n\r\n' },
    ]);
    expect(o.anomalies).toEqual(
      expect.arrayContaining(['http.gap_cut_message@0', 'http.gap_resynchronised@0', 'http.gap_cut_message@1']),
    );
    expect(o.anomalies).not.toContain('http.gap_resynchronised@1');
    expect(o.records.map((r) => [r.uri, r.status])).toEqual([
      ['/1', 200],
      ['/2', null],
      ['/3', null],
    ]);
    expect(o.stopped).toBeNull();
    expect(o.afterStop).toBe(0);
  });
  it('a message cut by the end of the stream is emitted, flagged', () => {
    const o = run([{ dir: C2S, data: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\npartial' }]);
    expect(o.records.map((r) => [text(r.requestBody), r.requestComplete, r.anomalies])).toEqual([
      ['partial', false, ['http.message_truncated', 'http.request_without_response']],
    ]);
  });
});
