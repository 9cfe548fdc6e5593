/**
 * Child-process helper for reader.test.ts: reads a capture from standard input (`-`) and prints the
 * packet count, the first timestamp and the error code, as JSON.
 */
import { openCapture } from '../../src/capture/reader.js';

const r = await openCapture('-');
let n = 0;
let first = '';
let code: string | null = null;
try {
  while (
    await r.pump((p) => {
      if (n++ === 0) first = `${p.tsSec}.${p.tsNsec}`;
    })
  ) {
    // counted in the callback
  }
} catch (e) {
  code = (e as { code?: string }).code ?? String(e);
}
process.stdout.write(JSON.stringify({ name: r.name, format: r.format, packets: n, first, code }));
r.close();
