/**
 * The registry as the single source: option resolution (defaults + docs, unknown and mistyped keys refused
 * with their full path), every module's contract (docs for every option, anomaly tables and their derived
 * codes, EVE mappers), the inspection buffers of the four protocols on real records, and the guards'
 * internal-error reporting.
 */
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEngine } from '../../src/engine.js';
import { Decoder } from '../../src/decode/decoder.js';
import type { AppEvent, NetsieveEvent } from '../../src/events.js';
import { toEve } from '../../src/output/eve.js';
import { httpModule } from '../../src/protocols/http/index.js';
import { anomalyCodes, type AnyProtocolModule } from '../../src/protocols/module.js';
import { EVE_MAPPERS, PROTOCOLS, resolveAppOptions } from '../../src/protocols/registry.js';
import { tlsModule } from '../../src/protocols/tls/index.js';
import { libhtpHeaderTable } from '../../src/protocols/http/buffers.js';
import { suricataNormalizedUri } from '../../src/protocols/http/suricata-uri.js';
import { REPO_ROOT } from '../support/corpus.js';

const MIXED = path.join(REPO_ROOT, 'fixtures', 'loopback-mixed.pcap');
const modules = PROTOCOLS as readonly AnyProtocolModule[];

async function replay(options: Parameters<typeof createEngine>[0] = {}) {
  const engine = createEngine(options);
  const events: NetsieveEvent[] = [];
  for await (const ev of engine.replay(MIXED)) events.push(ev);
  return { engine, events };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('option resolution', () => {
  it('merges a subset over the defaults, and normalises through the module', () => {
    const o = resolveAppOptions({
      protocols: { http: { inspectBodyLimit: 1000 }, tls: { afterHandshake: 'track', maxDerDepth: 1 } },
    });
    expect(o.protocols.http).toEqual({ ...httpModule.defaults, inspectBodyLimit: 1000 });
    expect(o.protocols.tls?.afterHandshake).toBe('track');
    expect(o.protocols.tls?.maxDerDepth).toBe(4); // clamped into the parser's range by normalizeOptions
  });
  it('leaves a protocol out with false', () => {
    const o = resolveAppOptions({ protocols: { redis: false } });
    expect('redis' in o.protocols).toBe(false);
    expect('http' in o.protocols).toBe(true);
  });
  it.each([
    [{ protocols: { http: { inspectBodyLimt: 1 } } }, /app\.protocols\.http\.inspectBodyLimt must be one of maxHeaderLine/],
    [{ protocols: { http: { decompress: 'yes' } } }, /app\.protocols\.http\.decompress must be a boolean/],
    [{ protocols: { http: { maxHeaders: Number.NaN } } }, /app\.protocols\.http\.maxHeaders must be a finite number/],
    [{ protocols: { tls: { afterHandshake: 'always' } } }, /app\.protocols\.tls\.afterHandshake must be one of stop, track/],
    [{ protocols: { gopher: {} } }, /app\.protocols\.gopher must be one of http, tls, dns, mdns, llmnr, redis, stratum/],
    [{ protocols: { dns: 3 } }, /app\.protocols\.dns must be an object or false/],
    [{ protocols: { dns: { toString: 1 } } }, /app\.protocols\.dns\.toString must be one of/],
    [{ detection: { maxBytes: 0 } }, /app\.detection\.maxBytes must be an integer above 0/],
    [{ protocol: {} }, /app\.protocol must be one of enabled, detection, protocols/],
  ])('refuses %j with the key path', (input, message) => {
    expect(() => resolveAppOptions(input as never)).toThrow(message);
    try {
      resolveAppOptions(input as never);
    } catch (e) {
      expect((e as { code: string }).code).toBe('NS_ERR_OPTION');
    }
  });
});

describe('every registered module', () => {
  it.each(modules.map((m) => [m.name, m] as const))(
    '%s: documented options, one anomaly table, EVE mapper, buffers',
    (name, m) => {
      // One description per option, and none for options that do not exist.
      expect(Object.keys(m.optionDocs).sort()).toEqual(Object.keys(m.defaults).sort());
      for (const d of Object.values(m.optionDocs as Record<string, string>)) expect(d.length).toBeGreaterThan(10);
      for (const v of Object.values(m.defaults as Record<string, unknown>))
        expect(['number', 'boolean', 'string']).toContain(typeof v);
      // The anomaly table: code 0 is `<prefix>.none`, names unique and under one prefix.
      const prefix = m.anomalies[0]!.slice(0, -'.none'.length);
      expect(m.anomalies[0]).toBe(`${prefix}.none`);
      expect(new Set(m.anomalies).size).toBe(m.anomalies.length);
      for (const a of m.anomalies) expect(a.startsWith(`${prefix}.`) || a.startsWith('retired.')).toBe(true);
      // Derived codes name the table's entries: nothing is kept by hand beside it.
      const codes = anomalyCodes(prefix, m.anomalies) as Record<string, number>;
      for (const [short, code] of Object.entries(codes)) expect(m.anomalies[code]).toBe(`${prefix}.${short.toLowerCase()}`);
      expect(EVE_MAPPERS[name]).toBeTypeOf('function');
      expect(m.createTcp !== undefined || m.createUdp !== undefined).toBe(true);
      expect(m.buffers.length).toBeGreaterThan(0);
      const names = m.buffers.map((b) => b.name);
      expect(new Set(names).size).toBe(names.length);
      for (const b of m.buffers) {
        expect(b.name).toMatch(/^[a-z0-9]+\.[a-z0-9_.]+$/);
        expect(['to_server', 'to_client']).toContain(b.direction);
        expect(['transaction', 'message', 'stream']).toContain(b.scope);
      }
    },
  );
  it('names are unique: each is an event type of its own', () => {
    expect(new Set(modules.map((m) => m.name)).size).toBe(modules.length);
  });
});

describe('inspection buffers on real records', () => {
  const text = (list: Uint8Array[]) => list.map((b) => Buffer.from(b).toString('latin1'));
  const bufferOf = (ev: AppEvent, name: string): string[] => {
    const m = modules.find((x) => x.name === ev.type)!;
    const b = m.buffers.find((x) => x.name === name);
    if (b === undefined) throw new Error(`${ev.type} has no buffer ${name}`);
    return text(b.get((ev as unknown as Record<string, object>)[ev.type]!));
  };
  it('http, dns, tls and redis give the bytes rules match', async () => {
    const { events } = await replay();
    const app = events.filter((e): e is AppEvent => modules.some((m) => m.name === e.type));
    const http = app.find((e) => e.type === 'http')!;
    // http.uri is Suricata's (libhtp's) normalization, not normalizedUri; the same bytes for a plain path.
    if (http.type === 'http')
      expect(bufferOf(http, 'http.uri')).toEqual(
        [suricataNormalizedUri(http.http.uri ?? '', http.http.method ?? '')].map((b) => Buffer.from(b).toString('latin1')),
      );
    expect(bufferOf(http, 'http.request_line')[0]).toMatch(/^GET \S+ HTTP\/1\.1$/);
    if (http.type === 'http')
      expect(bufferOf(http, 'http.request_header')).toEqual(
        libhtpHeaderTable(http.http.requestHeaders).map((h) => `${h.name}: ${h.value}`),
      );
    expect(bufferOf(http, 'http.request_header').length).toBeGreaterThan(1);
    const query = app.find((e) => e.type === 'dns' && e.dns.type === 'query');
    expect(query).toBeDefined();
    if (query?.type === 'dns') {
      expect(bufferOf(query, 'dns.query')).toEqual(query.dns.questions.map((q) => q.name));
      expect(bufferOf(query, 'dns.answers.rrname')).toEqual([]);
    }
    const tls = app.find((e) => e.type === 'tls');
    expect(tls).toBeDefined();
    if (tls?.type === 'tls') {
      expect(bufferOf(tls, 'tls.sni')).toEqual(tls.tls.sni === null ? [] : [tls.tls.sni]);
      expect(bufferOf(tls, 'tls.cert_subject')).toEqual(tls.tls.certificates.slice(0, 1).map((c) => c.subject));
    }
    const set = app.find((e) => e.type === 'redis' && e.redis.kind === 'command' && e.redis.key !== null);
    expect(set).toBeDefined();
    if (set?.type === 'redis' && set.redis.kind === 'command') {
      expect(bufferOf(set, 'redis.command')).toEqual([set.redis.command]);
      expect(bufferOf(set, 'redis.key')).toEqual([set.redis.key]);
    }
  });
});

describe('internal errors', () => {
  const throwingParser = () =>
    vi.spyOn(httpModule, 'createTcp').mockImplementation(() => ({
      onData() {
        throw new Error('parser bug for the test');
      },
      onGap() {},
      onEnd() {},
    }));

  it('a parser that throws is counted, kept with its stack, and stops only its flow', async () => {
    throwingParser();
    const { engine, events } = await replay();
    const s = engine.stats();
    expect(s.internalErrors.count).toBeGreaterThan(0);
    expect(s.internalErrors.last?.where).toBe('http.parser');
    expect(s.internalErrors.last?.message).toBe('parser bug for the test');
    expect(s.internalErrors.last?.stack).toMatch(/registry\.test\.ts/);
    expect(s.anomalies['app.parser_error']).toBe(s.internalErrors.count);
    expect(events.some((e) => e.type === 'http')).toBe(false);
    expect(events.some((e) => e.type === 'dns')).toBe(true); // the other flows went on
  });
  it('with debug.throwInternalErrors the error surfaces', async () => {
    throwingParser();
    await expect(replay({ debug: { throwInternalErrors: true } })).rejects.toThrow('parser bug for the test');
  });
  it('a probe that throws is reported as <name>.probe', async () => {
    vi.spyOn(tlsModule, 'probe').mockImplementation(() => {
      throw new Error('probe bug for the test');
    });
    const { engine } = await replay();
    expect(engine.stats().internalErrors.last).toMatchObject({ where: 'tls.probe', message: 'probe bug for the test' });
  });
  it('the decoder guard reports what it caught', async () => {
    const link = vi.spyOn(Decoder.prototype as unknown as { link(): void }, 'link').mockImplementation(() => {
      throw new Error('decoder bug for the test');
    });
    const { engine } = await replay();
    expect(link).toHaveBeenCalled();
    const s = engine.stats();
    expect(s.internalErrors.count).toBe(s.packets);
    expect(s.internalErrors.last).toMatchObject({ where: 'decode', message: 'decoder bug for the test' });
    await expect(replay({ debug: { throwInternalErrors: true } })).rejects.toThrow('decoder bug for the test');
  });
  it('no internal error on a clean replay', async () => {
    const { engine, events } = await replay();
    expect(engine.stats().internalErrors).toEqual({ count: 0, last: null });
    // and every app event has its EVE form from the module
    for (const e of events) if (e.type in EVE_MAPPERS) expect((toEve(e) as Record<string, unknown>)[e.type]).toBeTypeOf('object');
  });
});
