/** The tool runner that differential tests use: only a missing executable means "not installed". */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTool, toolAbsent, toolPresent } from './tools.js';

describe('runTool', () => {
  it('a missing executable is "absent"', () => {
    expect(runTool('netsieve-no-such-tool-7f3a', ['--version'])).toEqual({ absent: true });
  });

  it('an installed tool that rejects its input throws with its stderr (never "absent")', (ctx) => {
    if (!toolPresent('tcpdump')) return ctx.skip(toolAbsent('tcpdump'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-tools-'));
    try {
      const bad = path.join(dir, 'not-a-capture.pcap');
      fs.writeFileSync(bad, 'this is not a capture file, tcpdump must refuse it');
      expect(() => runTool('tcpdump', ['-r', bad])).toThrow(/tcpdump -r .* failed \(exit \d+\): .+/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an exit status the caller allows is returned with the output', (ctx) => {
    if (!toolPresent('tcpdump')) return ctx.skip(toolAbsent('tcpdump'));
    const r = runTool('tcpdump', ['--version']);
    expect(r.absent).toBe(false);
    if (!r.absent) expect(r.status).toBe(0);
  });
});
