/**
 * Live capture on the loopback interface, for real: UDP datagrams sent with node:dgram must come back
 * through libpcap with a BPF filter on their port.
 *
 * `cap` polls the main thread's event loop and vitest runs tests in worker threads, so the capture
 * itself runs in a child process (live-scenarios.fixture.ts) that reports what it saw; this file checks
 * it. Skips visibly when `cap`/libpcap is missing or the process may not capture.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { classifyOpenError, loadCap, openLive } from '../../src/capture/live.js';
import { REPO_ROOT } from './helpers.js';

function liveUnavailable(): string | null {
  try {
    loadCap();
  } catch (e) {
    return (e as Error).message;
  }
  return null;
}

// Loading an installed package, not reading an outside resource; the reason is in the skipped tests' names.
const unavailable = liveUnavailable();

describe.skipIf(unavailable !== null)(
  `live capture on lo (child process; needs the cap package and libpcap${unavailable !== null ? `: ${unavailable}` : ''})`,
  () => {
    // The port only needs to be free and differ between runs; the checks do not depend on it.
    const basePort = 20000 + (process.pid % 20000) * 2;
    let report: Record<string, any> | null = null;
    let skipped: string | null = null;

    function run(): Record<string, any> {
      if (report !== null) return report;
      const out = execFileSync(
        process.execPath,
        ['--import', 'tsx', path.join(REPO_ROOT, 'test/capture/live-scenarios.fixture.ts'), String(basePort)],
        {
          cwd: REPO_ROOT,
          timeout: 30_000,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      report = JSON.parse(out.toString()) as Record<string, any>;
      if (typeof report.skipped === 'string') {
        skipped = report.skipped;
      }
      return report;
    }

    it('captures UDP datagrams sent to 127.0.0.1 with a BPF filter on their port, in order, with wall-clock timestamps', (ctx) => {
      const r = run();
      if (skipped !== null) return ctx.skip(skipped);
      expect(r.udp.linkType).toBe(1); // Linux loopback frames carry a zeroed Ethernet header
      expect(r.udp.got).toEqual(r.udp.payloads);
      expect(r.udp.stampsInRange).toBe(true);
      expect(r.udp.lengthsEqual).toBe(true);
      expect(r.udp.stats).toMatchObject({ packets: 5, truncated: 0, dropped: null });
    });

    it('keeps the capture buffer alive across garbage collections while the caller holds no reference', (ctx) => {
      const r = run();
      if (skipped !== null) return ctx.skip(skipped);
      expect(r.gc).toEqual(['gc-0', 'gc-1', 'gc-2']);
      expect(r.survivedGc).toBe(true);
    });

    it('snaplen cuts long packets and counts them as truncated', (ctx) => {
      const r = run();
      if (skipped !== null) return ctx.skip(skipped);
      expect(r.snaplen.lens).toEqual([100]);
      expect(r.snaplen.stats.truncated).toBe(1);
    });

    it('a callback that throws stops the capture and reaches onError; restarting is NS_ERR_STATE', (ctx) => {
      const r = run();
      if (skipped !== null) return ctx.skip(skipped);
      expect(r.throwing.calls).toBe(1);
      expect(r.throwing.errors).toEqual(['consumer failed']);
      expect(r.throwing.restart.code).toBe('NS_ERR_STATE');
    });

    it('an unknown interface is NS_ERR_LIVE_DEVICE listing the available ones', (ctx) => {
      const r = run();
      if (skipped !== null) return ctx.skip(skipped);
      expect(r.unknownDevice.code).toBe('NS_ERR_LIVE_DEVICE');
      expect(r.unknownDevice.message).toMatch(/no interface named "no-such-if0"; available: .*\blo\b/);
    });

    it('an invalid BPF filter is NS_ERR_OPTION quoting the filter, and its failed handle does not abort the process at GC', (ctx) => {
      const r = run();
      if (skipped !== null) return ctx.skip(skipped);
      expect(r.badFilter.code).toBe('NS_ERR_OPTION');
      expect(r.badFilter.message).toContain('the capture filter "udp and and" is not valid BPF');
      expect(r.survivedGc).toBe(true);
    });

    it('promiscuous: false is refused rather than silently ignored; lo is listed as loopback', (ctx) => {
      const r = run();
      if (skipped !== null) return ctx.skip(skipped);
      expect(r.notPromiscuous.code).toBe('NS_ERR_OPTION');
      expect(r.devices).toContainEqual({ name: 'lo', loopback: true });
    });
  },
);

describe('live capture errors (no capture needed)', () => {
  it.skipIf(isMainThread)('openLive in a worker thread is NS_ERR_LIVE_UNAVAILABLE (cap would abort the process there)', () => {
    expect(() => openLive('lo')).toThrow(
      expect.objectContaining({ code: 'NS_ERR_LIVE_UNAVAILABLE', message: expect.stringContaining('main thread') }),
    );
  });

  it('a missing cap package is NS_ERR_LIVE_UNAVAILABLE telling to install libpcap-dev', () => {
    expect(() => loadCap('netsieve-no-such-cap-package')).toThrow(
      expect.objectContaining({ code: 'NS_ERR_LIVE_UNAVAILABLE', message: expect.stringContaining('install libpcap-dev') }),
    );
  });

  it('libpcap permission messages become NS_ERR_LIVE_PERMISSION with the setcap hint', () => {
    for (const msg of [
      'socket: Operation not permitted',
      "You don't have permission to capture on that device (socket: Operation not permitted)",
      'Attempt to create packet socket failed - CAP_NET_RAW may be required',
    ]) {
      const e = classifyOpenError(msg, 'eth0');
      expect(e.code).toBe('NS_ERR_LIVE_PERMISSION');
      expect(e.message).toContain('sudo setcap cap_net_raw,cap_net_admin=eip $(which node)');
    }
  });

  it('libpcap device messages become NS_ERR_LIVE_DEVICE with the device list', () => {
    const e = classifyOpenError('SIOCGIFHWADDR: No such device', 'eth9', undefined, undefined, ['lo', 'eth0']);
    expect(e.code).toBe('NS_ERR_LIVE_DEVICE');
    expect(e.message).toContain('available: lo, eth0');
  });

  it('a filter syntax error becomes NS_ERR_OPTION', () => {
    expect(classifyOpenError("can't parse filter expression: syntax error", 'lo', undefined, 'tcp and').code).toBe(
      'NS_ERR_OPTION',
    );
  });
});
