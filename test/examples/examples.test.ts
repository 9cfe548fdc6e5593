/**
 * Every script in examples/ runs against the built package (each imports 'netsieve', which Node resolves
 * to this package's own exports: dist/, as `npm test`'s pretest builds it) on the repository's fixture, and
 * prints what it promises. An example that rots fails here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';

const EXAMPLES = path.join(REPO_ROOT, 'examples');

function run(script: string): string {
  const r = spawnSync(process.execPath, [path.join(EXAMPLES, script)], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('examples/', () => {
  beforeAll(() => {
    if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'index.js')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  });

  it('every example is covered here', () => {
    expect(
      fs
        .readdirSync(EXAMPLES)
        .filter((f) => f.endsWith('.mjs'))
        .sort(),
    ).toEqual([
      'inline-verdicts.mjs',
      'policy-learn-protect.mjs',
      'regex-stream.mjs',
      'replay-filter.mjs',
      'stream-consumer.mjs',
    ]);
  });

  it('replay-filter prints the HTTP requests, DNS questions and busy flows of the capture', () => {
    const out = run('replay-filter.mjs').trim().split('\n');
    expect(out.filter((l) => l.startsWith('http '))).toEqual([
      'http GET 127.0.0.1:8080/index.html -> 200',
      'http GET 127.0.0.1:8080/index.html -> 200',
      'http GET 127.0.0.1:8080/missing -> 404',
      'http POST 127.0.0.1:8080/echo -> 200',
      'http GET 127.0.0.1:8080/big.bin -> 200',
    ]);
    expect(out.filter((l) => l.startsWith('dns query '))).toContain('dns query txt.example.test');
    expect(out.filter((l) => l.startsWith('flow '))).toEqual([
      expect.stringMatching(/^flow 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:8080 http packets 29\/143$/),
      expect.stringMatching(/^flow 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:6379 redis packets 99\/11$/),
    ]);
    expect(out.at(-1)).toBe('done: 403 packets');
  });

  it('inline-verdicts gives a verdict per packet and drops the one its listener objects to', () => {
    const out = run('inline-verdicts.mjs');
    expect(out).toMatch(/^drop: GET \/missing answered 404 \(flow \d+\)$/m);
    expect(out).toContain('verdicts: accept 402, drop 1\n');
    expect(out).toContain('flows: http 4, dns 6, redis 4, tls 2\n');
  });

  it('policy-learn-protect learns the capture, then drops the Redis flows its edited policy no longer allows', () => {
    const out = run('policy-learn-protect.mjs');
    expect(out).toContain('learned: 5 rules over 1 groups\n');
    expect(out).toContain('  learned-2: host-127.0.0.1 -> host-127.0.0.1 tcp/6379 redis\n');
    expect(out.match(/^violation: 127\.0\.0\.1 -> 127\.0\.0\.1:6379 \(rule default, packet \d+\)$/gm)).toHaveLength(4);
    expect(out).toContain('verdicts: accept 257, drop 146\n');
    expect(out).toContain('flows: allowed 12, denied 4\n');
  });

  it('stream-consumer sees every TCP flow’s bytes in order, both ways', () => {
    const lines = run('stream-consumer.mjs').trim().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines).toContain('tcp 8080 client 85 B, server 200244 B, gaps 0, end fin: "GET /big.bin HTTP/1.1"');
    expect(lines).toContain('tcp 6379 client 128 B, server 75 B, gaps 0, end fin: "AUTH s3cret"');
    expect(lines.filter((l) => l.startsWith('tcp 8443 ')).every((l) => l.endsWith('(binary)'))).toBe(true);
  });

  it('regex-stream finds the patterns in the reassembled streams', () => {
    const out = run('regex-stream.mjs');
    expect(out.match(/^port 8080 client end \d+: http request line$/gm)).toHaveLength(5);
    expect(out.match(/^port 6379 client end \d+: redis AUTH$/gm)).toHaveLength(4);
    // `L`: the leftmost start too (the header line is 23 bytes: "Content-Type: text/html").
    expect(out.match(/^port 8080 server bytes (\d+)-(\d+): html response$/gm)).toEqual([
      'port 8080 server bytes 76-99: html response',
      'port 8080 server bytes 76-99: html response',
      'port 8080 server bytes 336-359: html response',
    ]);
    expect(out.trim().split('\n').at(-1)).toBe('matches: http request line 5, html response 3, redis AUTH 4');
  });
});
