/**
 * Every HTTP inspection buffer against Suricata 7 (runs only where `suricata` is installed; the unit tests
 * of the same bytes, which need no Suricata, are in buffers.test.ts and suricata-uri.test.ts).
 *
 * For each transaction netsieve parses, each buffer instance becomes a rule matching exactly those bytes on
 * that flow and direction (suricata-compare.ts); Suricata runs on the same capture and every rule must
 * alert. Crafted conversations cover the formatting rules (repeated fields, folds, Cookie, chunked and
 * gzip bodies, absolute-form targets, a space in the target); the corpus captures cover real traffic. The
 * differences that remain on the corpus are listed below with their reason, and asserted exactly.
 */
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CORPUS_ABSENT, CORPUS_DIR, corpusPresent } from '../../support/corpus.js';
import { checksFor, compareBuffers } from './suricata-compare.js';
import { SURICATA_ABSENT, conversationsPcap, suricataInstalled } from './suricata-run.js';

const L = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const gz = gzipSync(Buffer.from('hello gzip body <script>'));
const chunkedGzip = Buffer.concat([L(`${gz.length.toString(16)}\r\n`), gz, L('\r\n0\r\n\r\n')]);
const reqBody = gzipSync(Buffer.from('user=admin&pass=%3Cx%3E'));

const CONVERSATIONS = [
  {
    request: L(
      'GET /Path%3Ca/../b?q=1+2&r=%3C HTTP/1.1\r\nHost: WWW.Example.COM.:8080\r\nUser-Agent: UA/1\r\nAccept: */*\r\nX-Dup: one\r\nCookie: a=1\r\nx-dup: two\r\nAccept-Encoding: gzip\r\nAccept-Language: en\r\nConnection: keep-alive\r\nReferer: http://r/\r\n\r\n',
    ),
    response: [
      L(
        'HTTP/1.1 200 OK\r\nServer: nginx/1\r\nSet-Cookie: s=1\r\nSet-Cookie: t=2\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      ),
      chunkedGzip,
    ],
  },
  {
    request: L(
      'POST http://Other.Host:81/form HTTP/1.0\r\nHost: h2\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\nContent-Length: 11\r\n\r\na=b&c=%3Cd>',
    ),
    response: L('HTTP/1.0 302 Found\r\nLocation: /x\r\nContent-Length: 3\r\n\r\nabc'),
  },
  {
    request: L('GET /a b HTTP/1.1\r\nHost: h3\r\nX-Fold: first\r\n  second\r\n\r\n'),
    response: L('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'),
  },
  {
    request: [L(`PUT /up HTTP/1.1\r\nHost: h4\r\nContent-Encoding: gzip\r\nContent-Length: ${reqBody.length}\r\n\r\n`), reqBody],
    response: L('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'),
  },
];

/**
 * Differences left on the corpus: file → buffer → count, each with its reason. None is a difference in how
 * a buffer is formatted; each is a transaction the two parsers see differently.
 */
const KNOWN: Record<string, Record<string, number>> = {
  // Two large POSTs: Suricata's raw request header buffer holds more than the header section netsieve keeps
  // (not investigated further: the 512-byte ends compared differ, the named fields all agree).
  'zeek_http-post-large.pcap': { 'http.header.raw': 2 },
  // One lost segment inside a 31 KiB response body: netsieve's body has a hole where Suricata's stops.
  'zeek_http-bro.org.pcap': { 'http.response_body': 1, 'file.data': 1 },
  // Transfer-Encoding plus Content-Length (request smuggling): the two parsers split the transactions
  // differently, so the second request's raw headers differ.
  'zeek_http-te-cl-desync.pcap': { 'http.header.raw': 2 },
  // One POST whose headers and body come in one segment of a Linux cooked capture: Suricata matches its
  // URI, host, method and every named header, but none of the buffers it fills once the request is complete
  // (Content-Length, the raw headers, the body). Not investigated further.
  'ndpi_log4j-webapp-exploit.pcap': { 'http.content_len': 1, 'http.header.raw': 1, 'http.request_body': 1 },
};

const HTTP_CAPTURES = [
  'zeek_http-pipelined-requests.pcap',
  'zeek_http-100-continue.pcap',
  'zeek_http-methods.pcap',
  'zeek_http-post-large.pcap',
  'zeek_http-multipart-form-data.pcap',
  'zeek_http-cooper-grill-dvwa.pcapng',
  'zeek_http-bro.org.pcap',
  'zeek_http-basic-auth-with-colon.pcap',
  'zeek_http-smuggle-request.pcap',
  'zeek_http-te-cl-desync.pcap',
  'zeek_http-vlan-0.pcap',
  'zeek_http-qinq-0.pcap',
  'zeek_http-on-port-5432.pcap',
  'ndpi_WebattackSQLinj.pcap',
  'ndpi_xss.pcap',
  'ndpi_WebattackRCE.pcap',
  'ndpi_log4j-webapp-exploit.pcap',
  'ndpi_http_ua_splitted_in_two_pkts.pcapng',
  'ndpi_sql_injection.pcap',
];

describe('HTTP buffers against Suricata 7', () => {
  it('crafted conversations: every buffer instance is the bytes Suricata inspects', async (ctx) => {
    if (!suricataInstalled()) {
      ctx.skip(SURICATA_ABSENT);
      return;
    }
    const r = await compareBuffers(conversationsPcap(CONVERSATIONS), 'http', checksFor('http'));
    expect(r.rules).toBeGreaterThan(100);
    expect(r.mismatches).toEqual([]);
  }, 120_000);

  it.for(HTTP_CAPTURES)(
    '%s: every buffer instance agrees, but the known differences',
    { timeout: 300_000 },
    async (file, ctx) => {
      if (!suricataInstalled()) {
        ctx.skip(SURICATA_ABSENT);
        return;
      }
      if (!corpusPresent) {
        ctx.skip(CORPUS_ABSENT);
        return;
      }
      const r = await compareBuffers(path.join(CORPUS_DIR, file), 'http', checksFor('http'));
      const by: Record<string, number> = {};
      for (const m of r.mismatches) by[m.buffer] = (by[m.buffer] ?? 0) + 1;
      expect(by).toEqual(KNOWN[file] ?? {});
    },
  );
});
