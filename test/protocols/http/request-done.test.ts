/**
 * `AppEventSink.requestDone`: when the sink wants requests (`requestsWanted`), each request complete before
 * its response is reported at once, as the transaction's record so far (request fields, response empty,
 * the final record's txId); the final record still comes, with the same request and its body. Never called
 * when not wanted, nor for a request that completes after its response. The same in every segmentation.
 */
import { describe, expect, it } from 'vitest';
import type { HttpTransaction } from '../../../src/protocols/http/events.js';
import { bytewise, C2S, randomSplits, RecordingSink, run, S2C, type Step, text, whole } from './helpers.js';

class RequestSink extends RecordingSink {
  requestsWanted = true;
  requests: HttpTransaction[] = [];
  /** How many final records had been emitted when each request was reported. */
  emittedBefore: number[] = [];
  requestDone(record: HttpTransaction): void {
    this.requests.push(record);
    this.emittedBefore.push(this.records.length);
  }
}

const BODY = 'a=1&b=2';
const POST = `POST /form HTTP/1.1\r\nHost: example.org\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;
const GET = 'GET /next HTTP/1.1\r\nHost: example.org\r\n\r\n';
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

describe('requestDone', () => {
  it('reports each complete request before its response, and the final records keep their bodies', () => {
    for (const split of [whole, bytewise, randomSplits(3, 9)]) {
      const sink = new RequestSink();
      const out = run(
        [
          { dir: C2S, data: POST + GET },
          { dir: S2C, data: OK + OK },
        ] as Step[],
        split,
        {},
        true,
        sink,
      );
      expect(
        sink.requests.map((r) => [r.txId, r.method, r.uri, text(r.requestBody), r.status, r.responseHeaders.length]),
      ).toEqual([
        [0, 'POST', '/form', BODY, null, 0],
        [1, 'GET', '/next', '', null, 0],
      ]);
      expect(sink.emittedBefore).toEqual([0, 0]);
      expect(out.records.map((r) => [r.txId, r.uri, text(r.requestBody), r.requestBodyLength, r.status])).toEqual([
        [0, '/form', BODY, BODY.length, 200],
        [1, '/next', '', 0, 200],
      ]);
    }
  });

  it('is not called when not wanted, nor for a request completed after its response', () => {
    const quiet = new RequestSink();
    quiet.requestsWanted = false;
    const a = run(
      [
        { dir: C2S, data: POST },
        { dir: S2C, data: OK },
      ],
      whole,
      {},
      true,
      quiet,
    );
    expect(quiet.requests).toEqual([]);
    expect(text(a.records[0]!.requestBody)).toBe(BODY);

    // The server answers (413) before the request's body is over: the record is emitted as the request ends.
    const early = new RequestSink();
    const head = POST.slice(0, POST.length - 3);
    const b = run(
      [
        { dir: C2S, data: head },
        { dir: S2C, data: 'HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n' },
        { dir: C2S, data: POST.slice(head.length) },
      ],
      whole,
      {},
      true,
      early,
    );
    expect(early.requests).toEqual([]);
    expect(b.records.map((r) => [r.status, text(r.requestBody)])).toEqual([[413, BODY]]);
  });
});
