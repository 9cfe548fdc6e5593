/** The probe and the module object. */
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HTTP_ANOMALIES, HTTP_DEFAULTS, httpModule } from '../../../src/protocols/http/index.js';
import { Inflater, InflateStatus } from '../../../src/codec/inflate.js';
import { HttpAnomaly as A } from '../../../src/protocols/http/anomalies.js';
import { Probe, type ProbeContext } from '../../../src/protocols/module.js';
import { RecordingSink, bytes, rng } from './helpers.js';

const toServer: ProbeContext = { transport: 'tcp', direction: 0, serverPort: 80, clientPort: 50000 };
const toClient: ProbeContext = { ...toServer, direction: 1 };
const probe = (s: string, ctx = toServer) => {
  const b = bytes(`..${s}`); // not at offset 0
  return httpModule.probe(b, 2, b.length, ctx);
};

describe('probe', () => {
  it('recognises request lines with any token method', () => {
    for (const s of [
      'GET / HTTP/1.1\r\n',
      'PROPFIND /dav HTTP/1.1',
      'M-SEARCH * HTTP/1.1',
      'BREW /pot HTTP/1.0',
      '\r\nPOST /x HTTP/1.1',
      'CONNECT a:443 HTTP/1.1',
      'get / HTTP/1.1',
    ]) {
      expect(probe(s), s).toBe(Probe.MINE);
    }
  });
  it('is as lenient as servers: SP in the target, a cut version, a forgotten version with headers after', () => {
    for (const s of [
      'GET /a;cat /etc/passwd HTTP/1.1\r\n',
      'POST / HTTP/1.\r\nHost: h',
      'GET /HTTP/1.1\r\nHost: h\r\n',
      'OPTIONS HTTP/1.1\r\nHost: h',
      'GET /\r\n\r\n',
    ]) {
      expect(probe(s), s).toBe(Probe.MINE);
    }
  });
  it('asks for more while a prefix is plausible', () => {
    for (const s of ['', 'G', 'GET', 'GET ', 'GET /index', 'GET / ', 'GET / HTTP/1', 'GET /a b', 'GET /\r\n', 'GET /\r\nHos'])
      expect(probe(s), s).toBe(Probe.NEED_MORE);
    for (const s of ['', 'H', 'HTTP/1.', 'HTTP/1.1', 'HTTP/1.1 ', 'HTTP/1.1 20'])
      expect(probe(s, toClient), s).toBe(Probe.NEED_MORE);
  });
  it('answers NOT_MINE at the first impossible byte', () => {
    for (const s of [
      '\x16\x03\x01',
      '*1\r\n$4\r\nPING\r\n',
      'PING\r\n',
      'SET k v\r\n',
      'GET k\r\nGET j\r\n',
      'SSH-2.0-OpenSSH_9\r\n',
      '{"a":1}',
      'GET\t/',
      'GET / HTTP/2\r\n',
      'GET / FTP/1.1\r\n',
      'get /\r\nHost: h',
      'GET /\x00',
      `${'A'.repeat(40)} / HTTP/1.1`,
      'PRI * HTTP/2.0\r\n',
    ]) {
      expect(probe(s), s).toBe(Probe.NOT_MINE);
    }
    for (const s of ['HTTP/2 200', 'HTTP/1.1 20x', 'HTTP/1.1 099', 'HTTX', '220 smtp ready', 'RTSP/1.0 200 OK'])
      expect(probe(s, toClient), s).toBe(Probe.NOT_MINE);
    expect(httpModule.probe(bytes('GET / HTTP/1.1'), 0, 14, { ...toServer, transport: 'udp' })).toBe(Probe.NOT_MINE);
  });
  it('recognises status lines', () => {
    expect(probe('HTTP/1.1 200 OK\r\n', toClient)).toBe(Probe.MINE);
    expect(probe('HTTP/1.0 404', toClient)).toBe(Probe.MINE);
  });
  it('never throws and answers quickly on random bytes', () => {
    const r = rng(5);
    for (let k = 0; k < 20000; k++) {
      const b = new Uint8Array(Math.floor(r() * 64));
      for (let i = 0; i < b.length; i++)
        b[i] = r() < 0.5 ? Math.floor(r() * 256) : 'GET HTTP/1. 200\r\n'.charCodeAt(Math.floor(r() * 17));
      const res = httpModule.probe(b, 0, b.length, k % 2 === 0 ? toServer : toClient);
      expect([Probe.MINE, Probe.NEED_MORE, Probe.NOT_MINE]).toContain(res);
    }
  });
});

describe('module', () => {
  it('declares its name, ports, defaults and anomaly table', () => {
    expect(httpModule.name).toBe('http');
    expect(httpModule.transports).toEqual(['tcp']);
    expect(httpModule.ports.tcp).toEqual([80, 8080, 8000, 8008, 8888, 3128]);
    expect(httpModule.defaults).toBe(HTTP_DEFAULTS);
    expect(httpModule.anomalies).toBe(HTTP_ANOMALIES);
  });
  it('anomaly codes match the table, names are unique and prefixed', () => {
    for (const [k, code] of Object.entries(A)) expect(HTTP_ANOMALIES[code]).toBe(`http.${k.toLowerCase()}`);
    expect(new Set(HTTP_ANOMALIES).size).toBe(HTTP_ANOMALIES.length);
    expect(Object.keys(A).length).toBe(HTTP_ANOMALIES.length); // derived from the table: every name has its code
  });
  it('creates a working TCP parser', () => {
    const sink = new RecordingSink();
    const p = httpModule.createTcp!(sink, HTTP_DEFAULTS);
    const req = bytes('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    const resp = bytes('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    p.onData(0, req, 0, req.length);
    p.onData(1, resp, 0, resp.length);
    expect(sink.records.map((r) => [r.uri, r.status])).toEqual([['/', 200]]);
  });
});

describe('inflate (differential against node:zlib)', () => {
  it('decodes gzip, zlib and raw streams of every level at random splits', () => {
    const r = rng(11);
    for (let iter = 0; iter < 120; iter++) {
      const n = Math.floor(r() * 60000);
      const src = Buffer.alloc(n);
      for (let i = 0; i < n; i++)
        src[i] =
          iter % 3 === 0
            ? Math.floor(r() * 256)
            : iter % 3 === 1
              ? 97 + Math.floor(r() * 4)
              : i % 100 < 60
                ? 65
                : Math.floor(r() * 256);
      const fmt = (['gzip', 'zlib', 'raw', 'deflate'] as const)[iter % 4]!;
      const level = iter % 10;
      const comp =
        fmt === 'gzip'
          ? zlib.gzipSync(src, { level })
          : fmt === 'raw'
            ? zlib.deflateRawSync(src, { level })
            : zlib.deflateSync(src, {
                level,
                strategy: iter % 7 === 0 ? zlib.constants.Z_FIXED : zlib.constants.Z_DEFAULT_STRATEGY,
              });
      const out: Buffer[] = [];
      const inf = new Inflater(fmt, { write: (d, s, e) => (out.push(Buffer.from(d.subarray(s, e))), true) });
      let st: number = InflateStatus.OK;
      for (let pos = 0; pos < comp.length && st === InflateStatus.OK; ) {
        const k = 1 + Math.floor(r() * (iter % 5 === 0 ? 3 : 3000));
        st = inf.push(comp, pos, Math.min(comp.length, pos + k));
        pos += k;
      }
      if (st === InflateStatus.OK) st = inf.finish();
      expect(st, `iter ${iter} ${fmt}`).not.toBe(InflateStatus.ERROR);
      expect(Buffer.concat(out).equals(src), `iter ${iter} ${fmt}`).toBe(true);
    }
  });
  it('reused buffers never leak an earlier body: references before the stream start fail', () => {
    const secret = Buffer.from('SECRET-FROM-ANOTHER-FLOW '.repeat(2000));
    const first = new Inflater('raw', { write: () => true });
    first.push(zlib.deflateRawSync(secret), 0, zlib.deflateRawSync(secret).length);
    first.finish();
    first.release();
    // Compressed against a preset dictionary: its back-references point before the stream's first byte.
    const tricky = zlib.deflateRawSync(Buffer.from('SECRET-FROM-ANOTHER-FLOW SECRET'), { dictionary: secret });
    const out: Buffer[] = [];
    const second = new Inflater('raw', { write: (d, s, e) => (out.push(Buffer.from(d.subarray(s, e))), true) });
    const st = second.push(tricky, 0, tricky.length);
    expect(st).toBe(InflateStatus.ERROR);
    expect(second.error).toBe('distance too far back');
    expect(Buffer.concat(out).includes('SECRET')).toBe(false);
  });
  it('never throws on damaged streams', () => {
    const r = rng(12);
    const base = zlib.gzipSync(Buffer.from('hello world '.repeat(500)));
    for (let iter = 0; iter < 3000; iter++) {
      const b = Buffer.from(base);
      for (let k = 0; k < 1 + (iter % 5); k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      let total = 0;
      const inf = new Inflater((['gzip', 'deflate', 'raw'] as const)[iter % 3]!, {
        write: (_d, s, e) => ((total += e - s), total < 1e6),
      });
      inf.push(b, 0, b.length);
      inf.finish();
      expect(total).toBeLessThan(1e6 + 70000);
    }
  });
});
