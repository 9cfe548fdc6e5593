/**
 * End to end through the engine: the corpus's DNS captures replayed by `createEngine()`, with detection
 * by the registry's probes (port hints, then content), UDP datagrams and reassembled TCP streams, and the
 * EVE encoder. The (query name, query type) set of the `dns`, `mdns` and `llmnr` events must equal
 * tshark's, no parser may fail, and every EVE line of those events must validate against the schema.
 *
 * Skipped, visibly, when the shared corpus or the EVE schema is absent. The registry is tested as shipped.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine.js';
import { toEve } from '../../../src/output/eve.js';
import type { DnsMessage } from '../../../src/protocols/dns/index.js';
import { PROTOCOLS } from '../../../src/protocols/registry.js';
import { corpusFilesWhere, corpusPath, corpusPresent, eveSchema, schemaPresent, truthOf } from '../../support/corpus.js';

describe('the registry as shipped', () => {
  it('lists the dns, mdns and llmnr modules', () => {
    expect(['dns', 'mdns', 'llmnr'].filter((n) => !PROTOCOLS.some((m) => m.name === n))).toEqual([]);
  });
});

// Test names come from the corpus's truth; empty without the corpus.
const files = corpusFilesWhere((t) => ((t.dns as unknown[] | undefined) ?? []).length > 0);

describe.skipIf(!corpusPresent || !schemaPresent)(
  'DNS through the engine (registry, detection, EVE; needs the shared corpus and EVE schema)',
  () => {
    let validate: ValidateFunction;
    // Read here, not in the describe body: a skipped describe's body still runs at collection.
    beforeAll(() => {
      validate = new Ajv({ strict: false, allErrors: true }).compile(eveSchema());
    });

    it('the corpus has captures with DNS truth', () => {
      expect(files.length).toBeGreaterThanOrEqual(10);
    });

    it.each(files)('%s', async (file) => {
      const truth = truthOf(file)!.dns as { queries: { name: string; type: number }[] }[];
      const got = new Set<string>();
      const parserErrors: string[] = [];
      let records = 0;
      for await (const ev of createEngine().replay(corpusPath(file))) {
        if (ev.type === 'anomaly' && ev.anomaly.event === 'app.parser_error') parserErrors.push(JSON.stringify(ev));
        if (ev.type !== 'dns' && ev.type !== 'mdns' && ev.type !== 'llmnr') continue;
        records++;
        const msg = (ev as unknown as Record<string, DnsMessage>)[ev.type]!;
        // tshark's names: `<Root>` for the root, `<Name too long>` for a name over 255 bytes.
        for (const q of msg.questions)
          got.add(`${q.nameTruncated ? '<Name too long>' : q.name === '.' ? '<Root>' : q.name}/${q.type}`);
        const line = JSON.parse(JSON.stringify(toEve(ev)));
        if (!validate(line)) throw new Error(`${JSON.stringify(line)}\n${JSON.stringify(validate.errors)}`);
      }
      expect(parserErrors).toEqual([]);
      expect(records).toBeGreaterThan(0);
      const want = new Set(truth.flatMap((t) => t.queries.map((q) => `${q.name}/${q.type}`)));
      expect([...got].sort()).toEqual([...want].sort());
    });
  },
);
