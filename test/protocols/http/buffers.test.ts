/** Inspection buffers, by Suricata's sticky-buffer names. */
import { describe, expect, it } from 'vitest';
import { HTTP_BUFFER_NAMES, httpBuffer } from '../../../src/protocols/http/buffers.js';
import { exchange, run, text } from './helpers.js';

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
    ]).toEqual(['www.example.com', 'Www.Example.com:81', 'c=1', 'ua', '4', 'body']);
    expect(b('http.header')).toBe('Host: Www.Example.com:81\r\nUser-Agent: ua\r\nContent-Length: 4\r\n\r\n');
    expect(b('http.header.raw')).toBe('Host: Www.Example.com:81\r\nCookie: c=1\r\nUser-Agent: ua\r\nContent-Length: 4\r\n');
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
    expect(b('http.response_header')).toBe('Server: nginx\r\nLocation: /x\r\nContent-Length: 2\r\n\r\n');
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
