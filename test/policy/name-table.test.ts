/**
 * The name table alone: what a DNS response teaches (A/AAAA under every name of its CNAME chain, the smallest
 * TTL on the way), what it ignores (queries, other classes and types, loops, chains past the limit), TTL with
 * grace, refreshes, and the bound.
 */
import { describe, expect, it } from 'vitest';
import type { DnsMessage, DnsResourceRecord } from '../../src/protocols/dns/events.js';
import { addressKey, NameTable } from '../../src/policy/name-table.js';

function rr(name: string, type: number, rdata: DnsResourceRecord['rdata'], ttl = 300, cls = 1): DnsResourceRecord {
  return { name, type, typeName: String(type), class: cls, ttl, rdata };
}
const a = (name: string, address: string, ttl = 300, cls = 1) => rr(name, 1, { kind: 'address', address }, ttl, cls);
const aaaa = (name: string, address: string, ttl = 300) => rr(name, 28, { kind: 'address', address }, ttl);
const cname = (name: string, target: string, ttl = 300) => rr(name, 5, { kind: 'name', name: target }, ttl);

function response(question: string, answers: DnsResourceRecord[], type: 'response' | 'query' = 'response'): DnsMessage {
  return { type, questions: [{ name: question, type: 1, typeName: 'A', class: 1 }], answers } as unknown as DnsMessage;
}

const V4 = (text: string) => addressKey(4, [text.split('.').reduce((n, p) => n * 256 + Number(p), 0), 0, 0, 0]);

function names(t: NameTable, key: string, now: number): string[] {
  const out: string[] = [];
  t.namesOf(key, now, (n, asked) => out.push(asked ? `${n}*` : n));
  return out.sort();
}

describe('NameTable', () => {
  it('an address is known under its owner and every alias leading to it; the asked name is marked', () => {
    const t = new NameTable({ graceSeconds: 0 });
    t.learn(
      response('WWW.Example.org.', [
        cname('www.example.org', 'edge.cdn.example'),
        cname('edge.cdn.example', 'e7.cdn.example', 60),
        a('e7.cdn.example', '192.0.2.7'),
      ]),
      0,
    );
    expect(names(t, V4('192.0.2.7'), 1)).toEqual(['e7.cdn.example', 'edge.cdn.example', 'www.example.org*']);
    // The 60 s CNAME (edge -> e7) bounds every name upstream of it: past 60 s only the owner is left.
    expect(names(t, V4('192.0.2.7'), 100)).toEqual(['e7.cdn.example']);
  });

  it('IPv6 answers, and the key is the same whatever the text form', () => {
    const t = new NameTable();
    t.learn(response('v6.example', [aaaa('v6.example', '2001:DB8:0:0::1')]), 0);
    expect(names(t, addressKey(6, [0x20010db8, 0, 0, 1]), 1)).toEqual(['v6.example*']);
  });

  it('queries, other classes, other types and unanswered responses teach nothing', () => {
    const t = new NameTable();
    t.learn(response('q.example', [a('q.example', '192.0.2.1')], 'query'), 0);
    t.learn(response('ch.example', [a('ch.example', '192.0.2.2', 300, 3)]), 0);
    t.learn(response('mx.example', [rr('mx.example', 15, { kind: 'mx', preference: 1, exchange: 'm.example' })]), 0);
    t.learn(response('empty.example', []), 0);
    t.learn(response('bad.example', [rr('bad.example', 1, { kind: 'address', address: 'not an address' })]), 0);
    expect(t.size).toBe(0);
  });

  it('CNAME loops and chains past 16 links end without hanging', () => {
    const t = new NameTable();
    t.learn(
      response('l1.example', [
        cname('l1.example', 'l2.example'),
        cname('l2.example', 'l1.example'),
        a('l2.example', '192.0.2.3'),
      ]),
      0,
    );
    expect(names(t, V4('192.0.2.3'), 1)).toEqual(['l1.example*', 'l2.example']);
    const chain = Array.from({ length: 40 }, (_, i) => cname(`c${i}.example`, `c${i + 1}.example`));
    t.learn(response('c0.example', [...chain, a('c40.example', '192.0.2.4')]), 0);
    // The owner and the 16 names nearest it.
    expect(names(t, V4('192.0.2.4'), 1)).toHaveLength(17);
  });

  it('TTL plus grace; a refresh keeps the later end', () => {
    const t = new NameTable({ graceSeconds: 10 });
    t.learn(response('x.example', [a('x.example', '192.0.2.5', 30)]), 0);
    expect(names(t, V4('192.0.2.5'), 40)).toEqual(['x.example*']);
    expect(names(t, V4('192.0.2.5'), 41)).toEqual([]);
    expect(t.stats().expired).toBe(1);
    t.learn(response('y.example', [a('y.example', '192.0.2.6', 100)]), 0);
    t.learn(response('y.example', [a('y.example', '192.0.2.6', 5)]), 50); // shorter answer later: ends at 65 < 110
    expect(names(t, V4('192.0.2.6'), 100)).toEqual(['y.example*']);
  });

  it('bounded: the least recently refreshed pair goes, and the table says it was full', () => {
    const t = new NameTable({ maxEntries: 3 });
    for (let i = 0; i < 3; i++) t.learn(response(`n${i}.example`, [a(`n${i}.example`, `192.0.2.${10 + i}`)]), i);
    t.learn(response('n0.example', [a('n0.example', '192.0.2.10')]), 5); // refresh n0: n1 is now the oldest
    t.learn(response('n3.example', [a('n3.example', '192.0.2.13')]), 6);
    expect(t.size).toBe(3);
    expect(t.full).toBe(true);
    expect(names(t, V4('192.0.2.11'), 7)).toEqual([]);
    expect(names(t, V4('192.0.2.10'), 7)).toEqual(['n0.example*']);
    expect(t.stats()).toMatchObject({ entries: 3, evicted: 1 });
  });
});
