/** Whole conversations used by the split-invariance and fuzz tests. */
import zlib from 'node:zlib';
import { C2S, S2C, type Step } from './helpers.js';

const page = Buffer.from(
  `<html><head><title>netsieve</title></head><body>${'lorem ipsum dolor sit amet '.repeat(200)}</body></html>`,
);
const gz = zlib.gzipSync(page);
const df = zlib.deflateSync(page);
const raw = zlib.deflateRawSync(page);

const cat = (...parts: (string | Uint8Array)[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));

function chunked(body: Uint8Array, sizes: number[], trailer = ''): Uint8Array {
  const parts: (string | Uint8Array)[] = [];
  let pos = 0;
  let i = 0;
  while (pos < body.length) {
    const n = Math.min(sizes[i++ % sizes.length]!, body.length - pos);
    parts.push(`${n.toString(16)}${i % 3 === 0 ? ';ext=1' : ''}\r\n`, body.subarray(pos, pos + n), '\r\n');
    pos += n;
  }
  parts.push(`0\r\n${trailer}\r\n`);
  return cat(...parts);
}

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

export const CONVERSATIONS: Record<string, Step[]> = {
  pipelined: [
    {
      dir: C2S,
      data:
        `GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: ${UA}\r\nAccept: */*\r\nCookie: session=abc; theme=dark\r\n\r\n` +
        'GET /style.css HTTP/1.1\r\nHost: www.example.com\r\nReferer: http://www.example.com/index.html\r\n\r\n' +
        'HEAD /logo.png HTTP/1.1\r\nHost: www.example.com\r\n\r\n',
    },
    {
      dir: S2C,
      data: cat(
        `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${page.length}\r\n\r\n`,
        page,
        'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n',
        'HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nContent-Type: image/png\r\n\r\n',
      ),
    },
  ],
  chunkedTrailers: [
    {
      dir: C2S,
      data: cat(
        'POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\r\n',
        chunked(page.subarray(0, 3000), [1, 700, 13], 'X-Checksum: 1234\r\nX-Other: a\r\n'),
      ),
    },
    {
      dir: S2C,
      data: cat(
        'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nLocation: /upload/1\r\n\r\n',
        chunked(Buffer.from('stored'), [2]),
        'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      ),
    },
  ],
  gzipBodies: [
    {
      dir: C2S,
      data: 'GET /a HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip, deflate\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\nGET /d HTTP/1.1\r\nHost: h\r\n\r\n',
    },
    {
      dir: S2C,
      data: cat(
        `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`,
        gz,
        'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n',
        chunked(gz, [97, 1000]),
        `HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: ${df.length}\r\n\r\n`,
        df,
        `HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: ${raw.length}\r\n\r\n`,
        raw,
      ),
    },
  ],
  continue100: [
    { dir: C2S, data: 'PUT /file HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2000\r\n\r\n' },
    { dir: S2C, data: 'HTTP/1.1 100 Continue\r\n\r\n' },
    { dir: C2S, data: page.subarray(0, 2000) },
    { dir: S2C, data: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
  ],
  http09: [
    { dir: C2S, data: 'GET /old\r\n' },
    { dir: S2C, data: 'HTTPS is not HTTP/ but raw text' },
    { dir: S2C, end: 'fin' },
  ],
  connect: [
    { dir: C2S, data: 'CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\nProxy-Authorization: Basic eA==\r\n\r\n' },
    { dir: S2C, data: 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\ndeny' },
    { dir: C2S, data: 'CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n\x16\x03\x01\x00\x05hello' },
    { dir: S2C, data: 'HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x03' },
  ],
  garbageResync: [
    {
      dir: C2S,
      data: '\x00\x01\x02 junk junk\r\n\r\nNOT A REQUEST\r\nGET /ok HTTP/1.1\r\nHost: h\r\nX-Fold: a\r\n b\r\nBad Name: 1\r\n\r\nGET /lf HTTP/1.1\nHost: h\n\n',
    },
    { dir: S2C, data: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200\nContent-Length: 1\n\nz' },
  ],
  untilClose: [
    { dir: C2S, data: 'GET / HTTP/1.0\r\n\r\n' },
    { dir: S2C, data: cat('HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n', page) },
    { dir: S2C, end: 'fin' },
    { dir: C2S, end: 'fin' },
  ],
  gapInBody: [
    { dir: C2S, data: 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n' },
    { dir: S2C, data: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789' },
    { dir: S2C, gap: 50 },
    { dir: S2C, data: cat('a'.repeat(40), 'HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno') },
  ],
  smuggling: [
    {
      dir: C2S,
      data: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n',
    },
    { dir: S2C, data: 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' },
  ],
  upgrade: [
    {
      dir: C2S,
      data: 'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: x\r\n\r\n\x81\x80',
    },
    { dir: S2C, data: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi' },
  ],
};
