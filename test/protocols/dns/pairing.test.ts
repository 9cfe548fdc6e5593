/**
 * Queries and responses of one flow: pairing by id and question, the bounded table of outstanding queries,
 * and the anomalies of pairing (direction, orphans, spoofing patterns), for DNS, LLMNR and mDNS.
 */
import { describe, expect, it } from 'vitest';
import { anomalyNames, parseTcp, parseUdp, query, response, rr, tcpFrame } from './helpers.js';

const Q = 0; // to server
const R = 1; // to client
const A = (i = 1) => [rr('a.example', 1, [10, 0, 0, i])];

describe('pairing (DNS over UDP)', () => {
  it("a response takes its query's txId and says the query was seen", () => {
    const rec = parseUdp([
      { dir: Q, bytes: query('a.example', 1, 7) },
      { dir: Q, bytes: query('b.example', 1, 8) },
      { dir: R, bytes: response('b.example', 1, A(), 8) },
      { dir: R, bytes: response('a.example', 1, A(), 7) },
    ]);
    expect(rec.records.map((m) => [m.type, m.id, m.txId, m.querySeen])).toEqual([
      ['query', 7, 0, undefined],
      ['query', 8, 1, undefined],
      ['response', 8, 1, true],
      ['response', 7, 0, true],
    ]);
    expect(anomalyNames(rec)).toEqual([]);
  });

  it('matches the question case-insensitively; a response without a question pairs by id', () => {
    const rec = parseUdp([
      { dir: Q, bytes: query('A.Example', 1, 7) },
      { dir: R, bytes: response('a.EXAMPLE', 1, A(), 7) },
      { dir: Q, bytes: query('c.example', 1, 9) },
      { dir: R, bytes: Uint8Array.from([0, 9, 0x81, 0x81, 0, 0, 0, 0, 0, 0, 0, 0]) },
    ]);
    expect(rec.records.map((m) => m.querySeen)).toEqual([undefined, true, undefined, true]);
    expect(rec.records[3]!.rcodeName).toBe('FORMERR');
    expect(anomalyNames(rec)).toEqual([]);
  });

  it('a retransmitted query joins its exchange; both copies are answered', () => {
    const rec = parseUdp([
      { dir: Q, bytes: query('a.example', 1, 7) },
      { dir: Q, bytes: query('a.example', 1, 7) },
      { dir: R, bytes: response('a.example', 1, A(), 7) },
      { dir: R, bytes: response('a.example', 1, A(), 7) },
    ]);
    expect(rec.records.map((m) => m.txId)).toEqual([0, 0, 0, 0]);
    expect(anomalyNames(rec)).toEqual([]);
  });

  it('dns.duplicate_response: a second answer to an answered query', () => {
    const rec = parseUdp([
      { dir: Q, bytes: query('a.example', 1, 7) },
      { dir: R, bytes: response('a.example', 1, A(1), 7) },
      { dir: R, bytes: response('a.example', 1, A(2), 7) },
    ]);
    expect(anomalyNames(rec)).toEqual(['dns.duplicate_response']);
    expect(rec.records[2]).toMatchObject({ txId: 0, querySeen: true, anomalies: ['dns.duplicate_response'] });
  });

  it('a duplicate response is tied to the latest exchange with its id and question', () => {
    const rec = parseUdp([
      { dir: Q, bytes: query('a.example', 1, 7) },
      { dir: R, bytes: response('a.example', 1, A(1), 7) },
      { dir: Q, bytes: query('a.example', 1, 7) },
      { dir: R, bytes: response('a.example', 1, A(1), 7) },
      { dir: R, bytes: response('a.example', 1, A(2), 7) },
    ]);
    expect(rec.records.map((m) => m.txId)).toEqual([0, 0, 1, 1, 1]);
    expect(anomalyNames(rec)).toEqual(['dns.duplicate_response']);
  });

  it('dns.response_without_query', () => {
    const rec = parseUdp([{ dir: R, bytes: response('a.example', 1, A(), 7) }]);
    expect(anomalyNames(rec)).toEqual(['dns.response_without_query']);
    expect(rec.records[0]).toMatchObject({ txId: 0, querySeen: false, anomalies: ['dns.response_without_query'] });
    expect(rec.anomalies[0]!.direction).toBe(R);
  });

  it('dns.id_mismatch: a pending question answered under another id; the query stays pending', () => {
    const rec = parseUdp([
      { dir: Q, bytes: query('a.example', 1, 7) },
      { dir: R, bytes: response('a.example', 1, A(), 99) },
      { dir: R, bytes: response('a.example', 1, A(), 7) },
    ]);
    expect(anomalyNames(rec)).toEqual(['dns.id_mismatch']);
    expect(rec.records.map((m) => [m.txId, m.querySeen])).toEqual([
      [0, undefined],
      [1, false],
      [0, true],
    ]);
  });

  it('dns.question_mismatch: the id of a pending query with another question', () => {
    const rec = parseUdp([
      { dir: Q, bytes: query('a.example', 1, 7) },
      { dir: R, bytes: response('evil.example', 1, A(), 7) },
    ]);
    expect(anomalyNames(rec)).toEqual(['dns.question_mismatch']);
    expect(rec.records[1]).toMatchObject({ txId: 0, querySeen: true });
  });

  it("dns.unanswered_query at flow end, once per query, with the query's direction", () => {
    const rec = parseUdp([
      { dir: Q, bytes: query('a.example', 1, 7) },
      { dir: Q, bytes: query('b.example', 1, 8) },
      { dir: R, bytes: response('a.example', 1, A(), 7) },
    ]);
    expect(rec.anomalies).toEqual([{ name: 'dns.unanswered_query', direction: Q }]);
  });

  it('dns.too_many_outstanding_queries: the oldest is forgotten', () => {
    const rec = parseUdp(
      [
        { dir: Q, bytes: query('a.example', 1, 1) },
        { dir: Q, bytes: query('b.example', 1, 2) },
        { dir: Q, bytes: query('c.example', 1, 3) },
        { dir: R, bytes: response('a.example', 1, A(), 1) },
      ],
      { maxOutstandingQueries: 2 },
    );
    expect(anomalyNames(rec)).toEqual([
      'dns.too_many_outstanding_queries',
      'dns.response_without_query',
      'dns.unanswered_query',
      'dns.unanswered_query',
    ]);
    expect(rec.records[2]!.anomalies).toEqual(['dns.too_many_outstanding_queries']);
  });

  it("dns.not_request / dns.not_response: messages against the flow's direction", () => {
    const rec = parseUdp([
      { dir: R, bytes: query('a.example', 1, 7) },
      { dir: Q, bytes: response('a.example', 1, A(), 7) },
    ]);
    expect(anomalyNames(rec)).toEqual(['dns.not_response', 'dns.not_request']);
  });
});

describe('LLMNR and mDNS pairing', () => {
  it('LLMNR pairs, but reports neither orphans nor direction', () => {
    const rec = parseUdp(
      [
        { dir: Q, bytes: query('host', 1, 7, 0) },
        { dir: R, bytes: response('host', 1, [rr('host', 1, [10, 0, 0, 1])], 7, 0x8000) },
        { dir: Q, bytes: query('other', 1, 8, 0) },
        { dir: Q, bytes: response('x', 1, [], 9, 0x8000) },
      ],
      {},
      'llmnr',
    );
    expect(rec.records.map((m) => [m.txId, m.querySeen])).toEqual([
      [0, undefined],
      [0, true],
      [1, undefined],
      [2, false],
    ]);
    expect(anomalyNames(rec)).toEqual([]);
  });

  it('mDNS numbers each message and pairs nothing', () => {
    const rec = parseUdp(
      [
        { dir: Q, bytes: query('_ipp._tcp.local', 12, 0, 0) },
        { dir: Q, bytes: response('_ipp._tcp.local', 12, [], 0, 0x8400) },
      ],
      {},
      'mdns',
    );
    expect(rec.records.map((m) => [m.txId, m.querySeen])).toEqual([
      [0, undefined],
      [1, undefined],
    ]);
    expect(anomalyNames(rec)).toEqual([]);
  });
});

describe('pairing over TCP', () => {
  it('AXFR: one query answered by several messages', () => {
    const q = query('example.com', 252, 5);
    const parts = [1, 2, 3].map((i) => response('example.com', 252, A(i), 5));
    const rec = parseTcp([
      { kind: 'data', dir: Q, bytes: tcpFrame(q) },
      { kind: 'data', dir: R, bytes: Uint8Array.from([...parts.flatMap((p) => [...tcpFrame(p)])]) },
      { kind: 'end', dir: Q },
      { kind: 'end', dir: R },
    ]);
    expect(rec.records.map((m) => [m.txId, m.querySeen ?? null])).toEqual([
      [0, null],
      [0, true],
      [0, true],
      [0, true],
    ]);
    // The transfer stays open until the flow ends; a zone transfer's query is not "unanswered".
    expect(anomalyNames(rec)).toEqual([]);
  });
});
