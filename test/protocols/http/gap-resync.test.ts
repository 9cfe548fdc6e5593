/**
 * Issue #8 item 15: after a gap that cuts a message, each side drops bytes up to the next plausible start
 * line, at any offset and across chunk boundaries, and goes on; the message the gap hit ends incomplete
 * (`http.gap_cut_message`), a found line raises `http.gap_resynchronised`, and `http.gap_lost_sync` is
 * left for no start line within MAX_GAP_SCAN bytes. A response side whose first line is not a status line
 * (picked up inside a body) looks for the next one the same way. Gaps in every place (start line, headers, a body and
 * past its end, chunk framing, between messages, pipelined), each case whole, byte by byte and at seeded
 * random splits with the same records; then seeded fuzzing of lossy one-request-at-a-time conversations,
 * where every exchange the gaps left intact must be paired right.
 */
import { describe, expect, it } from 'vitest';
import type { HttpMessage } from '../../../src/protocols/http/message.js';
import { HTTP_DEFAULTS } from '../../../src/protocols/http/options.js';
import { After, BodyRule, HttpParser, MAX_GAP_SCAN, type HttpParserOwner } from '../../../src/protocols/http/parser.js';
import type { HttpTransaction } from '../../../src/protocols/http/events.js';
import { C2S, S2C, bytewise, randomSplits, rng, run, whole, type Outcome, type Step } from './helpers.js';

const OK = (body: string, status = 200): string => `HTTP/1.1 ${status} X\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const GET = (uri: string): string => `GET ${uri} HTTP/1.1\r\nHost: h\r\n\r\n`;

const pairs = (o: Outcome): (string | number | null)[][] => o.records.map((r) => [r.uri, r.status]);

/** Runs whole, byte by byte and at three seeded random splits: the records and anomalies must not depend on the split. */
function runAll(steps: Step[]): Outcome {
  const base = run(steps, whole);
  for (const split of [bytewise, randomSplits(1, 7), randomSplits(2, 40), randomSplits(3, 300)]) {
    const o = run(steps, split);
    expect(pairs(o)).toEqual(pairs(base));
    expect(o.records.map((r) => [r.anomalies, r.requestComplete, r.responseComplete])).toEqual(
      base.records.map((r) => [r.anomalies, r.requestComplete, r.responseComplete]),
    );
    expect([...o.anomalies].sort()).toEqual([...base.anomalies].sort());
  }
  expect(base.afterStop).toBe(0);
  return base;
}

describe('resynchronisation after a gap: request side', () => {
  it('a gap inside a request line: the cut request is dropped, the next request line is found mid-line', () => {
    const o = runAll([
      { dir: C2S, data: GET('/1') },
      { dir: S2C, data: OK('a') },
      { dir: C2S, data: 'GET /2 HT' },
      { dir: C2S, gap: 30 },
      { dir: C2S, data: 'ost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\n' },
      { dir: S2C, data: OK('b', 404) },
    ]);
    // The cut request line never began a message; the response answers /3, the request found.
    expect(pairs(o)).toEqual([
      ['/1', 200],
      ['/3', 404],
    ]);
    expect(o.anomalies).toEqual(expect.arrayContaining(['http.gap_cut_message@0', 'http.gap_resynchronised@0']));
    expect(o.anomalies).not.toContain('http.gap_lost_sync@0');
  });

  it('a gap past the end of a request body: the next request line right after the body, without a line break before it', () => {
    const o = runAll([
      { dir: C2S, data: 'POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab' },
      { dir: C2S, gap: 40 },
      { dir: C2S, data: 'rest=1GET /next HTTP/1.1\r\nHost: h\r\n\r\n' },
      { dir: S2C, data: OK('x') + OK('y', 201) },
    ]);
    expect(pairs(o)).toEqual([
      ['/form', 200],
      ['/next', 201],
    ]);
    expect(o.records[0]!.requestComplete).toBe(false);
    expect(o.records[0]!.anomalies).toContain('http.gap_cut_message');
  });

  it('lower-case words, unknown methods, a target with a control byte or no version are not taken', () => {
    const o = runAll([
      { dir: C2S, data: 'GET /1 HTTP/1.1\r\nHo' },
      { dir: C2S, gap: -1 },
      {
        dir: C2S,
        data: 'x get /a HTTP/1.1\r\nFOO /b HTTP/1.1\r\nGET /c\x01d HTTP/1.1\r\nGET /e\r\nPOST /f HTTP/2.0\r\nDELETE /g HTTP/1.0\r\n\r\n',
      },
      { dir: S2C, data: OK('1') + OK('2', 202) },
    ]);
    expect(pairs(o)).toEqual([
      ['/1', 200],
      ['/g', 202],
    ]);
  });
});

describe('resynchronisation after a gap: response side', () => {
  it('a response side picked up inside a body (not a status line): the next status line is found', () => {
    const o = runAll([
      { dir: C2S, data: GET('/1') },
      { dir: S2C, data: 'of an earlier body\r\n</html>\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
      { dir: C2S, data: GET('/2') },
      { dir: S2C, data: OK('two', 404) },
    ]);
    expect(pairs(o)).toEqual([
      ['/1', 200],
      ['/2', 404],
    ]);
    expect(o.anomalies).toEqual(expect.arrayContaining(['http.bad_status_line@1', 'http.gap_resynchronised@1']));
  });

  it('picked up inside a body that ends without a line break: the status line is found inside the first line', () => {
    for (const eol of ['\r\n', '\n']) {
      const o = runAll([
        { dir: C2S, data: GET('/1') },
        { dir: S2C, data: `{"end":"of a body"}HTTP/1.1 201 Created${eol}Content-Length: 2${eol}${eol}ok` },
        { dir: C2S, data: GET('/2') },
        { dir: S2C, data: OK('two', 404) },
      ]);
      expect(pairs(o)).toEqual([
        ['/1', 201],
        ['/2', 404],
      ]);
    }
  });

  it('a gap in a response body running past its end into the next response: the one after is found and paired right', () => {
    const o = runAll([
      { dir: C2S, data: GET('/1') },
      { dir: S2C, data: 'HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123' },
      { dir: S2C, gap: 60 }, // the rest of /1's body and all of /2's response
      { dir: C2S, data: GET('/2') },
      { dir: C2S, data: GET('/3') },
      { dir: S2C, data: 'tail of a body HTTP/1.1 304 Not Modified\r\n\r\n' },
      { dir: C2S, data: GET('/4') },
      { dir: S2C, data: OK('four', 200) },
    ]);
    expect(pairs(o)).toEqual([
      ['/1', 200],
      ['/2', null],
      ['/3', 304],
      ['/4', 200],
    ]);
    expect(o.records[0]!.responseComplete).toBe(false);
    expect(o.records[0]!.responseBodyTruncated).toBe(true);
    expect(o.records[1]!.anomalies).toContain('http.request_without_response');
    expect(o.anomalies).toEqual(expect.arrayContaining(['http.gap_cut_message@1', 'http.gap_resynchronised@1']));
  });

  it('a gap in the chunk framing of a chunked response: the next status line is found', () => {
    const o = runAll([
      { dir: C2S, data: GET('/chunked') },
      { dir: S2C, data: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1' },
      { dir: S2C, gap: -1 },
      { dir: S2C, data: '\r\n0\r\n\r\n' },
      { dir: C2S, data: GET('/after') },
      { dir: S2C, data: OK('ok', 203) },
    ]);
    expect(pairs(o)).toEqual([
      ['/chunked', 200],
      ['/after', 203],
    ]);
    expect(o.records[0]!.responseComplete).toBe(false);
    expect(o.records[0]!.responseBodyTruncated).toBe(true);
  });

  it('a gap between messages', () => {
    const o = runAll([
      { dir: C2S, data: GET('/1') },
      { dir: S2C, data: OK('one') },
      { dir: S2C, gap: 5 },
      { dir: C2S, data: GET('/2') },
      { dir: S2C, data: `\r\n${OK('two', 500)}` },
    ]);
    expect(pairs(o)).toEqual([
      ['/1', 200],
      ['/2', 500],
    ]);
  });

  it('a status line split over many chunks with a false start before it (HTTP/1.1 then a letter)', () => {
    const o = runAll([
      { dir: C2S, data: GET('/1') },
      { dir: S2C, data: 'HTTP/1.1 200 OK\r\nConte' },
      { dir: S2C, gap: -1 },
      { dir: C2S, data: GET('/2') },
      {
        dir: S2C,
        data: 'xxHTTP/1.1 2x HTTP/1.1 600 no HTTP/2 200 no HTTP/1.0 301 Moved\r\nLocation: /\r\nContent-Length: 0\r\n\r\n',
      },
    ]);
    expect(pairs(o)).toEqual([
      ['/1', 200],
      ['/2', 301],
    ]);
  });

  it('pipelined requests: responses pair in order, the one the gap cut keeps what was read', () => {
    const o = runAll([
      { dir: C2S, data: GET('/1') + GET('/2') + GET('/3') },
      { dir: S2C, data: `${OK('one')}HTTP/1.1 404 Not Found\r\nContent-Le` },
      { dir: S2C, gap: 12 },
      { dir: S2C, data: `zz${OK('three', 201)}` },
    ]);
    expect(pairs(o)).toEqual([
      ['/1', 200],
      ['/2', 404],
      ['/3', 201],
    ]);
    expect(o.records[1]!.responseComplete).toBe(false);
  });

  it('pipelined requests and a response lost whole: first in, first out (documented: the pairs after it shift, the codes keep their order)', () => {
    const o = runAll([
      { dir: C2S, data: GET('/1') + GET('/2') + GET('/3') },
      { dir: S2C, data: 'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nab' },
      { dir: S2C, gap: 100 },
      { dir: S2C, data: `cd${OK('three', 201)}` },
    ]);
    expect(pairs(o)).toEqual([
      ['/1', 200],
      ['/2', 201],
      ['/3', null],
    ]);
  });

  it('no status line within MAX_GAP_SCAN bytes: http.gap_lost_sync, and the response side stops (requests go on)', () => {
    const junk = new Uint8Array(64 * 1024).fill(0x61);
    const steps: Step[] = [
      { dir: C2S, data: GET('/1') },
      { dir: S2C, data: 'HTTP/1.1 200 OK\r\nCon' },
      { dir: S2C, gap: -1 },
    ];
    for (let n = 0; n <= MAX_GAP_SCAN; n += junk.length) steps.push({ dir: S2C, data: junk });
    steps.push({ dir: C2S, data: GET('/2') }, { dir: S2C, data: OK('late') });
    const o = run(steps);
    expect(o.anomalies).toContain('http.gap_lost_sync@1');
    expect(o.anomalies).not.toContain('http.gap_resynchronised@1');
    expect(pairs(o)).toEqual([
      ['/1', 200],
      ['/2', null],
    ]);
  });

  it('a start line found just before the cap is taken', () => {
    const junk = new Uint8Array(64 * 1024).fill(0x61);
    const steps: Step[] = [
      { dir: C2S, data: GET('/1') },
      { dir: S2C, data: 'HTTP/1.1 200 OK\r\nCon' },
      { dir: S2C, gap: -1 },
    ];
    for (let n = junk.length; n < MAX_GAP_SCAN; n += junk.length) steps.push({ dir: S2C, data: junk });
    steps.push({ dir: C2S, data: GET('/2') }, { dir: S2C, data: OK('late', 206) });
    expect(pairs(run(steps))).toEqual([
      ['/1', 200],
      ['/2', 206],
    ]);
  });

  it('a candidate request line longer than the line cap is not taken, and what follows it still is', () => {
    const long = `GET /${'a'.repeat(9000)} HTTP/1.1\r\n`;
    const o = runAll([
      { dir: C2S, data: 'GET /1 HTTP/1.1\r\nHo' },
      { dir: C2S, gap: -1 },
      { dir: C2S, data: `${long}GET /2 HTTP/1.1\r\nHost: h\r\n\r\n` },
      { dir: S2C, data: OK('1') + OK('2', 202) },
    ]);
    expect(pairs(o)).toEqual([
      ['/1', 200],
      ['/2', 202],
    ]);
  });
});

// ------------------------------------------------------------------ work bound

/** One side's parser alone; its owner records the start lines found. */
function parserAlone(isRequest: boolean): { p: HttpParser; found: string[] } {
  const found: string[] = [];
  const owner: HttpParserOwner = {
    recordsWanted: () => true,
    messageBegin: (_p, m: HttpMessage) => void found.push(isRequest ? `${m.method} ${m.uri}` : String(m.status)),
    headersDone: () => BodyRule.DEFAULT,
    messageDone: () => After.CONTINUE,
    anomaly: () => {},
    expectsRawResponse: () => false,
    lostSync: (p) => p.kill(),
  };
  return { p: new HttpParser(isRequest, owner, { ...HTTP_DEFAULTS }), found };
}

describe('the scan after a gap does bounded work per byte, whatever the chunking', () => {
  const cases: [string, boolean, string, string][] = [
    [
      'request: long targets without a version, over and over',
      true,
      `GET /${'a'.repeat(7000)}x`.repeat(4),
      'GET /ok HTTP/1.1\r\n',
    ],
    [
      'request: near-miss request lines',
      true,
      'GET / HTTP/1.1 UNLOCK PROPPATCH /x HTTP/1.x GET /y HTTP/1.1\rZ '.repeat(300),
      'PUT /ok HTTP/1.0\n',
    ],
    ['request: method letters everywhere', true, 'GETPOSTHEADPUTDELETEOPTIONS '.repeat(500), 'OPTIONS * HTTP/1.1\r\n'],
    [
      'response: near-miss status lines',
      false,
      'HTTP/1.1 HTTP/1.1 20HTTP/1.x 200 HTTP/1.1 2000 HHHH'.repeat(400),
      'HTTP/1.1 204 No Content\r\n',
    ],
  ];
  for (const [name, isRequest, junk, line] of cases) {
    it(name, () => {
      const input = new TextEncoder().encode(junk + line);
      for (const step of [input.length, 1, 3, 1460]) {
        const { p, found } = parserAlone(isRequest);
        const start = new TextEncoder().encode(isRequest ? 'GET /cut HT' : 'HTTP/1.1 200 OK\r\nCont');
        p.execute(start, 0, start.length);
        p.gap(-1);
        const before = p.gapScanWork;
        for (let at = 0; at < input.length; at += step) p.execute(input, at, Math.min(input.length, at + step));
        expect(found.at(-1), `step ${step}`).toBe(isRequest ? line.split(' ').slice(0, 2).join(' ') : '204');
        // A few reads per byte: candidates compare their method and version again per chunk, never the target.
        expect(p.gapScanWork - before, `step ${step}`).toBeLessThanOrEqual(40 * input.length);
      }
    });
  }
});

// ------------------------------------------------------------------ seeded fuzzing of lossy conversations

interface Exchange {
  uri: string;
  status: number;
  req: string;
  resp: string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz HTP/0123456789\r\n';

function body(r: () => number, max: number): string {
  let s = '';
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)]!;
  // Bodies may hold "HTTP/" and digits, never a whole status or request line.
  return s.replace(/HTTP\/1\.\d/g, 'HTTP/x').replace(/(GET|POST|PUT|HEAD) /g, '$1_');
}

function exchange(r: () => number, i: number): Exchange {
  const uri = `/r${i}`;
  const status = [200, 201, 204, 301, 404, 500][Math.floor(r() * 6)]!;
  const post = r() < 0.3;
  const reqBody = post ? body(r, 80) : '';
  const req = post ? `POST ${uri} HTTP/1.1\r\nHost: h\r\nContent-Length: ${reqBody.length}\r\n\r\n${reqBody}` : GET(uri);
  let resp: string;
  if (status === 204) resp = 'HTTP/1.1 204 No Content\r\nServer: s\r\n\r\n';
  else if (r() < 0.4) {
    let b = '';
    const chunks = 1 + Math.floor(r() * 3);
    for (let c = 0; c < chunks; c++) {
      const part = body(r, 60) || 'x';
      b += `${part.length.toString(16)}\r\n${part}\r\n`;
    }
    resp = `HTTP/1.1 ${status} S\r\nTransfer-Encoding: chunked\r\n\r\n${b}0\r\n\r\n`;
  } else {
    const b = body(r, 300);
    resp = `HTTP/1.1 ${status} S\r\nContent-Length: ${b.length}\r\n\r\n${b}`;
  }
  return { uri, status, req, resp };
}

/**
 * One request at a time; in the whole stream of each direction of `lossIn`, a few random byte ranges are lost (a gap step
 * of their length, or -1). Returns the steps and, per exchange, whether its request and response bytes
 * came through untouched (and the previous exchange's response too: a gap at the very end of a response
 * body can eat the bytes that would end it).
 */
function lossy(seed: number, lossIn: readonly (0 | 1)[]): { steps: Step[]; exchanges: Exchange[]; intact: boolean[] } {
  const r = rng(seed);
  const exchanges = Array.from({ length: 4 + Math.floor(r() * 10) }, (_, i) => exchange(r, i));
  const holes: [number, number][][] = [[], []];
  const totals = [0, 0];
  for (const e of exchanges) {
    totals[0]! += e.req.length;
    totals[1]! += e.resp.length;
  }
  for (const dir of lossIn) {
    const n = Math.floor(r() * 3);
    for (let k = 0; k < n; k++) {
      const a = Math.floor(r() * totals[dir]!);
      const len = 1 + Math.floor(r() * (r() < 0.5 ? 20 : 400));
      holes[dir]!.push([a, a + len]);
    }
  }
  const touched = (dir: number, a: number, b: number): boolean => holes[dir]!.some(([x, y]) => x < b && y > a);
  const steps: Step[] = [];
  const at = [0, 0];
  const emit = (dir: 0 | 1, s: string): void => {
    const start = at[dir]!;
    let p = 0;
    while (p < s.length) {
      const abs = start + p;
      const hole = holes[dir]!.find(([x, y]) => x <= abs && abs < y);
      if (hole !== undefined) {
        const skip = Math.min(hole[1], start + s.length) - abs;
        steps.push({ dir, gap: r() < 0.3 ? -1 : skip });
        p += skip;
        continue;
      }
      const next = Math.min(start + s.length, ...holes[dir]!.filter(([x]) => x > abs).map(([x]) => x));
      steps.push({ dir, data: s.slice(p, next - start) });
      p = next - start;
    }
    at[dir] = start + s.length;
  };
  const intact: boolean[] = [];
  let respAt = 0;
  let reqAt = 0;
  for (const e of exchanges) {
    intact.push(
      !touched(0, reqAt, reqAt + e.req.length) &&
        !touched(1, Math.max(0, respAt - 1), respAt + e.resp.length) &&
        !touched(0, Math.max(0, reqAt - 1), reqAt),
    );
    emit(C2S, e.req);
    emit(S2C, e.resp);
    reqAt += e.req.length;
    respAt += e.resp.length;
  }
  return { steps, exchanges, intact };
}

describe('seeded fuzzing: lossy one-request-at-a-time conversations', () => {
  // Losses in one direction: a request lost whole leaves its response without a request, a response lost
  // whole leaves its request without one; either way every other pair stays right.
  it.for([
    ['responses', [S2C]],
    ['requests', [C2S]],
  ] as const)(
    'bytes lost in the %s: every exchange left intact is paired with its own response, no request gets another one',
    ([, lossIn]) => {
      let intactCount = 0;
      let gapped = 0;
      for (let seed = 1; seed <= 1500; seed++) {
        const { steps, exchanges, intact } = lossy(seed, lossIn);
        if (steps.some((s) => 'gap' in s)) gapped++;
        const o = run(steps, seed % 3 === 0 ? randomSplits(seed, 50) : whole);
        expect(o.afterStop, `seed ${seed}`).toBe(0);
        expect(o.records.length, `seed ${seed}`).toBeLessThanOrEqual(2 * exchanges.length);
        const byUri = new Map<string, HttpTransaction>();
        for (const rec of o.records) if (rec.uri !== null) byUri.set(rec.uri, rec);
        exchanges.forEach((e, i) => {
          const rec = byUri.get(e.uri);
          if (intact[i]) {
            intactCount++;
            expect(rec?.status, `seed ${seed} ${e.uri}`).toBe(e.status);
          }
          if (rec !== undefined && rec.status !== null) expect(rec.status, `seed ${seed} ${e.uri} (pairing)`).toBe(e.status);
        });
      }
      expect(gapped).toBeGreaterThan(900);
      expect(intactCount).toBeGreaterThan(5000);
    },
  );

  // Losses in both directions at once can pair a request with a later exchange's response (a request and
  // the response to the one before it both lost whole): only the bounds are checked.
  it('bytes lost both ways: nothing throws, output bounded, nothing after stop', () => {
    for (let seed = 1; seed <= 1500; seed++) {
      const { steps, exchanges } = lossy(seed, [C2S, S2C]);
      const o = run(steps, seed % 2 === 0 ? randomSplits(seed, 30) : whole);
      expect(o.afterStop, `seed ${seed}`).toBe(0);
      expect(o.records.length, `seed ${seed}`).toBeLessThanOrEqual(2 * exchanges.length);
    }
  });
});
