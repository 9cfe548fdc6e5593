/** Inspection buffers, by Suricata's sticky-buffer names. */
import { describe, expect, it } from 'vitest';
import { HTTP_BUFFER_NAMES, HTTP_BUFFERS, HTTP_TO_CLIENT_TWIN, httpBuffer } from '../../../src/protocols/http/buffers.js';
import { gzipSync } from 'node:zlib';
import type { HttpTransaction } from '../../../src/protocols/http/events.js';
import { bytewise, exchange, run, text } from './helpers.js';

describe('httpBuffer', () => {
  const o = run(
    exchange(
      'POST /a/../b%41 HTTP/1.1\r\nHost: Www.Example.com:81\r\nCookie: c=1\r\nUser-Agent: ua\r\nContent-Length: 4\r\n\r\nbody',
      'HTTP/1.1 302 Found\r\nServer: nginx\r\nLocation: /x\r\nSet-Cookie: s=2\r\nContent-Length: 2\r\n\r\nhi',
    ),
  );
  const tx = o.records[0]!;
  const b = (n: (typeof HTTP_BUFFER_NAMES)[number]) => {
    const v = httpBuffer(tx, n);
    return v === null ? null : text(v);
  };
  it('request buffers', () => {
    expect([b('http.method'), b('http.uri'), b('http.uri.raw'), b('http.protocol'), b('http.request_line')]).toEqual([
      'POST',
      '/bA',
      '/a/../b%41',
      'HTTP/1.1',
      'POST /a/../b%41 HTTP/1.1',
    ]);
    expect([
      b('http.host'),
      b('http.host.raw'),
      b('http.cookie'),
      b('http.user_agent'),
      b('http.content_len'),
      b('http.request_body'),
    ]).toEqual(['Www.Example.com', 'Www.Example.com:81', 'c=1', 'ua', '4', 'body']);
    expect(b('http.header')).toBe('Host: Www.Example.com:81\r\nUser-Agent: ua\r\nContent-Length: 4\r\n');
    expect(b('http.header.raw')).toBe('Host: Www.Example.com:81\r\nCookie: c=1\r\nUser-Agent: ua\r\nContent-Length: 4\r\n\r\n');
    expect(b('http.start')).toBe(
      'POST /a/../b%41 HTTP/1.1\r\nHost: Www.Example.com:81\r\nCookie: c=1\r\nUser-Agent: ua\r\nContent-Length: 4\r\n\r\n',
    );
    expect(b('http.header_names')).toBe('\r\nHost\r\nCookie\r\nUser-Agent\r\nContent-Length\r\n\r\n');
  });
  it('response buffers', () => {
    expect([
      b('http.stat_code'),
      b('http.stat_msg'),
      b('http.response_line'),
      b('http.location'),
      b('http.server'),
      b('file.data'),
      b('http.response_body'),
    ]).toEqual(['302', 'Found', 'HTTP/1.1 302 Found', '/x', 'nginx', 'hi', 'hi']);
    expect(b('http.header.to_client')).toBe('Server: nginx\r\nLocation: /x\r\nContent-Length: 2\r\n');
    expect(b('http.header.raw.to_client')).toBe('Server: nginx\r\nLocation: /x\r\nSet-Cookie: s=2\r\nContent-Length: 2\r\n\r\n');
    expect(b('http.header_names.to_client')).toBe('\r\nServer\r\nLocation\r\nSet-Cookie\r\nContent-Length\r\n\r\n');
    expect([b('http.cookie.to_client'), b('http.content_len.to_client'), b('http.protocol.to_client')]).toEqual([
      's=2',
      '2',
      'HTTP/1.1',
    ]);
    expect(b('http.start.to_client')).toBe(
      'HTTP/1.1 302 Found\r\nServer: nginx\r\nLocation: /x\r\nSet-Cookie: s=2\r\nContent-Length: 2\r\n\r\n',
    );
  });
  it('null for parts a transaction does not have', () => {
    const lone = run(exchange('GET / HTTP/1.1\r\nHost: h\r\n\r\n')).records[0]!;
    for (const n of ['http.stat_code', 'http.response_body', 'http.server', 'http.location'] as const)
      expect(httpBuffer(lone, n)).toBeNull();
    const orphan = run([{ dir: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }]).records[0]!;
    for (const n of ['http.method', 'http.uri', 'http.header', 'http.request_body'] as const)
      expect(httpBuffer(orphan, n)).toBeNull();
    for (const n of HTTP_BUFFER_NAMES) expect(() => httpBuffer(orphan, n)).not.toThrow();
  });
});

describe("libhtp's view of the headers (what Suricata's buffers are built from)", () => {
  const tx = run(
    exchange(
      'GET /p%3Cq/./r?s=%3C+t HTTP/1.1\r\nHost: Web.Example.COM.:8080\r\nX-Dup: one\r\nCookie: a=1\r\nx-dup: two\r\nContent-Length: 0\r\nContent-Length: 0\r\nX-Fold: first\r\n  second\r\nAccept: */*\r\nAccept-Encoding: gzip\r\nAccept-Language: en\r\nConnection: keep-alive\r\n\r\n',
      'HTTP/1.1 200 OK\r\nSet-Cookie: s=1\r\nSet-Cookie: t=2\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n',
    ),
  ).records[0]!;
  const b = (n: (typeof HTTP_BUFFER_NAMES)[number]) => {
    const v = httpBuffer(tx, n);
    return v === null ? null : text(v);
  };
  const multi = (name: string): string[] =>
    HTTP_BUFFERS.find((x) => x.name === name)!
      .get(tx)
      .map((v) => text(v));
  it('repeated fields are one entry, values joined with ", " (Content-Length: the first), folds kept as sent', () => {
    expect(b('http.header')).toBe(
      'Host: Web.Example.COM.:8080\r\nX-Dup: one, two\r\nContent-Length: 0\r\nX-Fold: first  second\r\nAccept: */*\r\nAccept-Encoding: gzip\r\nAccept-Language: en\r\nConnection: keep-alive\r\n',
    );
    expect(b('http.header_names')).toBe(
      '\r\nHost\r\nX-Dup\r\nCookie\r\nContent-Length\r\nX-Fold\r\nAccept\r\nAccept-Encoding\r\nAccept-Language\r\nConnection\r\n\r\n',
    );
    expect(multi('http.request_header')).toContain('X-Dup: one, two');
    expect(multi('http.response_header')).toEqual(['Set-Cookie: s=1, t=2', 'Content-Type: text/plain', 'Content-Length: 0']);
    expect(b('http.cookie.to_client')).toBe('s=1, t=2');
  });
  it('host: port removed, case and trailing dot kept (the Host field); uri: libhtp-normalized', () => {
    expect([b('http.host'), b('http.host.raw')]).toEqual(['Web.Example.COM.', 'Web.Example.COM.:8080']);
    expect(b('http.uri')).toBe('/p<q/r?s=<+t');
    expect(b('http.uri.raw')).toBe('/p%3Cq/./r?s=%3C+t');
  });
  it('request-only header buffers', () => {
    expect([b('http.accept'), b('http.accept_enc'), b('http.accept_lang'), b('http.connection')]).toEqual([
      '*/*',
      'gzip',
      'en',
      'keep-alive',
    ]);
    expect([b('http.content_type'), b('http.content_type.to_client')]).toEqual([null, 'text/plain']);
  });
  it('no body: no body buffer (Suricata has none to inspect)', () => {
    expect([b('http.request_body'), b('file.data')]).toEqual([null, null]);
  });
  it('an absolute-form target gives the host name, normalized', () => {
    const abs = run(exchange('GET http://Other.HOST.:81/x HTTP/1.1\r\nHost: h\r\n\r\n')).records[0]!;
    expect(text(httpBuffer(abs, 'http.host')!)).toBe('other.host');
    expect(text(httpBuffer(abs, 'http.host.raw')!)).toBe('other.host');
    expect(text(httpBuffer(abs, 'http.uri')!)).toBe('/x');
  });
  it('a space in the target: libhtp ends the target there, the rest is the protocol', () => {
    const sp = run(exchange('GET /a b HTTP/1.1\r\nHost: h\r\n\r\n')).records[0]!;
    expect([text(httpBuffer(sp, 'http.uri')!), text(httpBuffer(sp, 'http.uri.raw')!)]).toEqual(['/a', '/a']);
    expect(text(httpBuffer(sp, 'http.protocol')!)).toBe('b HTTP/1.1');
    expect(text(httpBuffer(sp, 'http.request_line')!)).toBe('GET /a b HTTP/1.1');
  });
  it('after 100 Continue the raw response headers start with the interim end and the final status line', () => {
    const c = run(
      exchange(
        'POST /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx',
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      ),
    ).records[0]!;
    expect(text(httpBuffer(c, 'http.header.raw.to_client')!)).toBe('\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  });
  it('bare-LF header sections end with a bare LF', () => {
    const lf = run(exchange('GET / HTTP/1.0\nHost: h\n\n')).records[0]!;
    expect(text(httpBuffer(lf, 'http.header.raw')!)).toBe('Host: h\n\n');
  });
  it('every name has a to_client twin only where Suricata inspects both directions', () => {
    for (const [base, twin] of Object.entries(HTTP_TO_CLIENT_TWIN)) {
      expect(HTTP_BUFFER_NAMES).toContain(base);
      expect(twin).toBe(`${base}.to_client`);
      expect(HTTP_BUFFERS.find((x) => x.name === twin)!.direction).toBe('to_client');
    }
  });
});

describe('every buffer is the same however the bytes are split', () => {
  const req =
    'POST /a%2F..%5cb/%u0041?q=%3C+1 HTTP/1.1\r\nHost: H.example:80\r\nX-Dup: 1\r\nCookie: c=1\r\nx-dup: 2\r\nX-Fold: a\r\n\tb\r\nContent-Length: 5\r\n\r\nhello';
  const gz = gzipSync(Buffer.from('<script>alert(1)</script>'));
  const resp = Buffer.concat([
    Buffer.from(
      `HTTP/1.1 200 OK\r\nSet-Cookie: s=1\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nServer: x\r\n\r\n${gz.length.toString(16)}\r\n`,
      'latin1',
    ),
    gz,
    Buffer.from('\r\n0\r\n\r\n', 'latin1'),
  ]);
  const all = (tx: HttpTransaction): Record<string, string[]> =>
    Object.fromEntries(HTTP_BUFFERS.map((b) => [b.name, b.get(tx).map(text)]));
  const reference = all(run(exchange(req, resp)).records[0]!);
  it('the reference has every part', () => {
    expect(reference['http.uri']).toEqual(['/b/A?q=<+1']);
    expect(reference['file.data']).toEqual(['<script>alert(1)</script>']);
    expect(reference['http.header']).toEqual(['Host: H.example:80\r\nX-Dup: 1, 2\r\nX-Fold: a\tb\r\nContent-Length: 5\r\n']);
  });
  it('byte by byte, and at every single cut of the request and of the response', () => {
    expect(all(run(exchange(req, resp), bytewise).records[0]!)).toEqual(reference);
    const reqBytes = Buffer.from(req, 'latin1');
    for (let cut = 1; cut < reqBytes.length; cut++) {
      const steps = [
        { dir: 0 as const, data: reqBytes.subarray(0, cut) },
        { dir: 0 as const, data: reqBytes.subarray(cut) },
        { dir: 1 as const, data: resp },
      ];
      expect(all(run(steps).records[0]!)).toEqual(reference);
    }
    for (let cut = 1; cut < resp.length; cut++) {
      const steps = [
        { dir: 0 as const, data: reqBytes },
        { dir: 1 as const, data: resp.subarray(0, cut) },
        { dir: 1 as const, data: resp.subarray(cut) },
      ];
      expect(all(run(steps).records[0]!)).toEqual(reference);
    }
  });
});
