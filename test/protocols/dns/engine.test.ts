/**
 * End to end through the engine: the corpus's DNS captures replayed by `createEngine()`, with detection
 * by the registry's probes (port hints, then content), UDP datagrams and reassembled TCP streams, and the
 * EVE encoder. The (query name, query type) set of the `dns`, `mdns` and `llmnr` events must equal
 * tshark's, no parser may fail, and every EVE line of those events must validate against the schema.
 *
 * Skipped (with a message) when the corpus is absent, or while the registry does not list the DNS modules.
 */
import fs from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine.js';
import { toEve } from '../../../src/output/eve.js';
import type { DnsMessage } from '../../../src/protocols/dns/index.js';
import { PROTOCOLS } from '../../../src/protocols/registry.js';
import { corpusPath, corpusPresent, EVE_SCHEMA, TRUTH_DIR, truthOf } from '../../support/corpus.js';

const wired = ['dns', 'mdns', 'llmnr'].every((n) => PROTOCOLS.some((m) => m.name === n));
if (!wired) console.warn('\n*** test/protocols/dns/engine.test.ts: the registry does not list dns, mdns and llmnr yet: SKIPPED. ***\n');

const files = corpusPresent
  ? fs
      .readdirSync(TRUTH_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .filter((f) => ((truthOf(f)?.dns as unknown[] | undefined) ?? []).length > 0)
      .sort()
  : [];

describe.skipIf(!corpusPresent || !wired)('DNS through the engine (registry, detection, EVE)', () => {
  const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8')));

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
      for (const q of msg.questions) got.add(`${q.nameTruncated ? '<Name too long>' : q.name === '.' ? '<Root>' : q.name}/${q.type}`);
      const line = JSON.parse(JSON.stringify(toEve(ev)));
      if (!validate(line)) throw new Error(`${JSON.stringify(line)}\n${JSON.stringify(validate.errors)}`);
    }
    expect(parserErrors).toEqual([]);
    expect(records).toBeGreaterThan(0);
    const want = new Set(truth.flatMap((t) => t.queries.map((q) => `${q.name}/${q.type}`)));
    expect([...got].sort()).toEqual([...want].sort());
  });
});
