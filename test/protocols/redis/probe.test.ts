/** The probe: Redis on either direction's first bytes, NOT_MINE early on other protocols. */
import { describe, expect, it } from 'vitest';
import { probeRedis, redisModule } from '../../../src/protocols/redis/index.js';
import { Probe, type ProbeContext } from '../../../src/protocols/module.js';
import { bytes, cmd } from './helpers.js';

const ctx = (direction: 0 | 1): ProbeContext => ({ transport: 'tcp', direction, serverPort: 6379, clientPort: 50000 });
const probe = (dir: 0 | 1, ...parts: (string | Uint8Array)[]) => {
  const b = bytes(...parts);
  return probeRedis(b, 0, b.length, ctx(dir));
};

describe('probe', () => {
  it('the module entry', () => {
    expect(redisModule).toMatchObject({ name: 'redis', transports: ['tcp'], ports: { tcp: [6379] } });
    expect(redisModule.createTcp).toBeTypeOf('function');
  });

  it('client: RESP command arrays', () => {
    expect(probe(0, cmd('PING'))).toBe(Probe.MINE);
    expect(probe(0, cmd('SET', 'k', 'v'))).toBe(Probe.MINE);
    expect(probe(0, '*3\r\n$3\r\n')).toBe(Probe.MINE);
    expect(probe(0, '*3\r\n$')).toBe(Probe.NEED_MORE);
    expect(probe(0, '*')).toBe(Probe.NEED_MORE);
    expect(probe(0, '*3\r\n:1\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(0, '*x')).toBe(Probe.NOT_MINE);
  });

  it('client: inline commands Redis knows; memcached-shared names wait for the reply', () => {
    expect(probe(0, 'PING\r\n')).toBe(Probe.MINE);
    expect(probe(0, 'auth secret\r\n')).toBe(Probe.MINE);
    expect(probe(0, 'LPUSH list a b\n')).toBe(Probe.MINE);
    expect(probe(0, '\r\n\r\n  PING\r\n')).toBe(Probe.MINE); // Redis skips empty lines and blanks
    expect(probe(0, '\r\n')).toBe(Probe.NEED_MORE);
    expect(probe(0, 'PIN')).toBe(Probe.NEED_MORE);
    expect(probe(0, 'PING')).toBe(Probe.NEED_MORE);
    expect(probe(0, 'get key\r\n')).toBe(Probe.NEED_MORE);
    expect(probe(0, 'HELO mail.example.com\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(0, 'USER bob\r\n')).toBe(Probe.NOT_MINE);
  });

  it('client: other protocols are NOT_MINE at once', () => {
    expect(probe(0, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(0, 'POST /api HTTP/1.1\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(0, new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xa5]))).toBe(Probe.NOT_MINE);
    expect(probe(0, 'SSH-2.0-OpenSSH_9.6\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(0, new Uint8Array([0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f]))).toBe(Probe.NOT_MINE);
  });

  it('server: every reply type with a well-formed line', () => {
    for (const r of [
      '+OK\r\n',
      '+PONG\r\n',
      '-ERR unknown command\r\n',
      '-NOAUTH Authentication required.\r\n',
      ':1\r\n',
      ':-3\r\n',
      '$5\r\nhello\r\n',
      '$-1\r\n',
      '*2\r\n',
      '*-1\r\n',
      '%7\r\n',
      '~2\r\n',
      '>3\r\n',
      '|1\r\n',
      '_\r\n',
      '#t\r\n',
      ',3.14\r\n',
      ',inf\r\n',
      '(123\r\n',
      '!21\r\n',
      '=15\r\n',
      '$?\r\n',
      '*?\r\n',
    ]) {
      expect([r, probe(1, r)]).toEqual([r, Probe.MINE]);
    }
    expect(probe(1, '+OK')).toBe(Probe.NEED_MORE);
    expect(probe(1, '$12')).toBe(Probe.NEED_MORE);
  });

  it('server: other protocols are NOT_MINE', () => {
    expect(probe(1, 'HTTP/1.1 200 OK\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(1, '+OK POP3 server ready\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(1, '220 mail.example.com ESMTP\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(1, '-err lower case\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(1, ':12a\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(1, '$-5\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(1, '#x\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(1, 'VALUE key 0 5\r\n')).toBe(Probe.NOT_MINE);
    expect(probe(1, new Uint8Array([0x16, 0x03, 0x03, 0x00, 0x5a]))).toBe(Probe.NOT_MINE);
  });

  it('never throws on random bytes', () => {
    let seed = 7;
    for (let n = 0; n < 20000; n++) {
      const len = n % 40;
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        b[i] = n % 3 === 0 ? '*$:+-\r\n0123456789abcGETSET '.charCodeAt(seed % 28) : seed >>> 24;
      }
      const r = probeRedis(b, 0, len, ctx((n & 1) as 0 | 1));
      expect(r === Probe.MINE || r === Probe.NOT_MINE || r === Probe.NEED_MORE).toBe(true);
    }
  });
});
