/**
 * The whole shared corpus (../shared/fixtures/pcaps/: real captures made by other projects) with every
 * detector on: no threat, except in the captures listed below, each with why the alert is right (the capture
 * really holds that attack). Skipped, and said so, without ../shared.
 */
import { describe, expect, it } from 'vitest';
import { CORPUS_ABSENT, corpusFiles, corpusPath, corpusPresent } from '../support/corpus.js';
import { threatsOf } from './helpers.js';

/** capture -> detector -> why it is right. */
const EXPECTED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'zeek_http-te-cl-desync.pcap': {
    http_smuggling:
      "Zeek's TE.CL desync trace: a POST with both Transfer-Encoding: chunked and Content-Length: 50 whose body hides GET /smuggled-te-cl",
  },
  'ndpi_fuzz-2006-09-29-28586.pcap': {
    land_attack:
      'a fuzzer made it, and one of its packets is a TCP SYN from 170.170.170.170:43690 to 170.170.170.170:43690 (the 0xAA fill in both addresses and both ports): a land packet, whatever its origin',
  },
};

describe.skipIf(!corpusPresent)(
  `the shared corpus raises no threat but its real attacks${corpusPresent ? '' : ` (${CORPUS_ABSENT})`}`,
  () => {
    for (const name of corpusPresent ? corpusFiles() : []) {
      it(name, async () => {
        const threats = await threatsOf(corpusPath(name));
        const allowed = EXPECTED[name] ?? {};
        const unexpected = threats.filter((t) => allowed[t.threat.name] === undefined);
        expect(
          unexpected.map((t) => ({
            name: t.threat.name,
            attacker: t.threat.attacker,
            target: t.threat.target,
            count: t.threat.count,
            details: t.threat.details,
          })),
        ).toEqual([]);
      });
    }
  },
);
