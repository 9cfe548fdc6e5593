/**
 * The HTTP/1.x parser alone (no engine): one connection carrying generated keep-alive traffic, each
 * direction fed in 1460-byte pieces (one MSS), transaction after transaction, records built and handed to
 * a sink that drops them.
 *
 *   npm run bench -- http
 *
 * Traffic (one operation, ~13 MB): 600 transactions — browser-like GETs (≈450-byte header sections with
 * cookies) answered by small HTML pages, 304s, images of 20–120 KiB, chunked JSON of ~16 KiB, and
 * form POSTs. Baseline: finding every LF in the same bytes with `Uint8Array.indexOf` (the least any
 * line-oriented parser must do), so the ratio shows what parsing costs on top of that scan.
 * A second traffic mix has its HTML and JSON gzip-coded, to show the cost of decoding for inspection.
 */
import zlib from 'node:zlib';
import { HTTP_DEFAULTS } from '../src/protocols/http/options.js';
import { HttpConnection } from '../src/protocols/http/state.js';
import type { AppEventSink } from '../src/protocols/module.js';
import { mulberry32 } from '../test/helpers/packets.js';
import { countLines, feedExchanges, machine, runSuite } from './lib.js';

const MSS = 1460;
const TXS = 600;

interface Tx {
  req: Uint8Array;
  resp: Uint8Array;
}

function traffic(gzip: boolean): Tx[] {
  const rnd = mulberry32(7);
  const word = (): string =>
    ['alpha', 'beta', 'gamma', 'delta', 'netsieve', 'inspect', 'packet', 'stream'][Math.floor(rnd() * 8)]!;
  const text = (n: number): Buffer => {
    let s = '';
    while (s.length < n) s += `<p class="${word()}">${word()} ${word()} ${word()} ${Math.floor(rnd() * 1e6)}</p>\n`;
    return Buffer.from(s.slice(0, n));
  };
  const binary = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
    return b;
  };
  const headers = (path: string, extra = ''): string =>
    `GET ${path} HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n` +
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n' +
    `Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\nReferer: http://www.example.com/\r\nCookie: session=${Math.floor(rnd() * 1e12)}; theme=dark; consent=yes\r\n${extra}\r\n`;
  const respHead = (status: string, fields: string): string =>
    `HTTP/1.1 ${status}\r\nDate: Thu, 26 Nov 2026 13:00:00 GMT\r\nServer: nginx/1.26.0\r\n${fields}\r\n`;
  const txs: Tx[] = [];
  for (let i = 0; i < TXS; i++) {
    const kind = i % 10;
    let req: string | Buffer;
    let resp: Buffer;
    if (kind < 4) {
      req = headers(`/articles/${i}/${word()}.html?page=${i % 7}`);
      let body = text(2000 + Math.floor(rnd() * 8000));
      let enc = '';
      if (gzip) {
        body = zlib.gzipSync(body);
        enc = 'Content-Encoding: gzip\r\n';
      }
      resp = Buffer.concat([
        Buffer.from(respHead('200 OK', `Content-Type: text/html; charset=utf-8\r\n${enc}Content-Length: ${body.length}\r\n`)),
        body,
      ]);
    } else if (kind < 6) {
      req = headers(`/static/${word()}.css`, 'If-None-Match: "abc"\r\n');
      resp = Buffer.from(respHead('304 Not Modified', 'ETag: "abc"\r\n'));
    } else if (kind < 8) {
      req = headers(`/img/${i}.jpg`);
      const body = binary(20000 + Math.floor(rnd() * 100000));
      resp = Buffer.concat([
        Buffer.from(respHead('200 OK', `Content-Type: image/jpeg\r\nContent-Length: ${body.length}\r\n`)),
        body,
      ]);
    } else if (kind === 8) {
      req = headers(`/api/items?offset=${i}`);
      let body = Buffer.from(
        JSON.stringify(Array.from({ length: 200 }, (_, k) => ({ id: k, name: word(), tags: [word(), word()] }))),
      );
      let enc = '';
      if (gzip) {
        body = zlib.gzipSync(body);
        enc = 'Content-Encoding: gzip\r\n';
      }
      const parts: Buffer[] = [
        Buffer.from(respHead('200 OK', `Content-Type: application/json\r\n${enc}Transfer-Encoding: chunked\r\n`)),
      ];
      for (let p = 0; p < body.length; p += 4096) {
        const c = body.subarray(p, p + 4096);
        parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
      }
      parts.push(Buffer.from('0\r\n\r\n'));
      resp = Buffer.concat(parts);
    } else {
      const form = `user=${word()}&comment=${encodeURIComponent(text(300).toString())}`;
      req =
        headers('/comments', `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n`).replace(
          'GET',
          'POST',
        ) + form;
      resp = Buffer.from(respHead('303 See Other', 'Location: /articles\r\nContent-Length: 0\r\n'));
    }
    txs.push({ req: Buffer.from(req), resp });
  }
  return txs;
}

const sink: AppEventSink = {
  recordsWanted: true,
  serverName: () => undefined,
  emit: () => {
    records++;
  },
  anomaly: () => {
    anomalies++;
  },
  stop: () => {},
};
let records = 0;
let anomalies = 0;

function parseAll(txs: Tx[]): void {
  feedExchanges(new HttpConnection(sink, HTTP_DEFAULTS), txs, MSS);
}

const plain = traffic(false);
const coded = traffic(true);
const size = (txs: Tx[]): number => txs.reduce((n, t) => n + t.req.length + t.resp.length, 0);

// Sanity: every transaction becomes one record, without anomalies.
records = 0;
parseAll(plain);
parseAll(coded);
if (records !== 2 * TXS || anomalies !== 0)
  throw new Error(`expected ${2 * TXS} records and no anomaly, got ${records} and ${anomalies}`);

console.log(
  `# HTTP/1.x parser: ${TXS} transactions per operation, ${(size(plain) / 1e6).toFixed(1)} MB plain, ${(size(coded) / 1e6).toFixed(1)} MB with gzip; ${MSS}-byte pieces`,
);
console.log(`# ${machine()}`);
let lines = 0;
runSuite('http parser', [
  {
    name: 'baseline: find every LF (indexOf)',
    baseline: true,
    bytes: size(plain),
    fn: () => void (lines += countLines(plain, MSS)),
  },
  { name: 'HttpConnection: plain traffic', bytes: size(plain), fn: () => parseAll(plain) },
  { name: 'HttpConnection: HTML and JSON gzip-coded (decoded for inspection)', bytes: size(coded), fn: () => parseAll(coded) },
]);
if (lines === 0) throw new Error('no lines');
