/**
 * The application-abuse detectors (http_smuggling, slowloris, slow_post, heartbleed, tls_renegotiation) on the
 * project's own captures (fixtures/threats/), replayed with every detector on: each capture raises its own from
 * the right attacker, the others none of these five (the shared corpus: test/threats/corpus.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine.js';
import type { ThreatEvent } from '../../src/events.js';
import { OWN_FIXTURES_DIR } from '../support/corpus.js';

const MINE = ['http_smuggling', 'slowloris', 'slow_post', 'heartbleed', 'tls_renegotiation'];

/** Threat events of these five in `file`; `lean`: only threat events asked for and TLS left at the handshake's end. */
async function threatsIn(file: string, lean = false): Promise<ThreatEvent[]> {
  const engine = createEngine(
    lean
      ? { threats: {}, eventTypes: ['threat'], app: { protocols: { tls: { afterHandshake: 'stop' } } } }
      : { threats: {}, app: { protocols: { tls: { afterHandshake: 'track' } } } },
  );
  const out: ThreatEvent[] = [];
  for await (const ev of engine.replay(file)) if (ev.type === 'threat' && MINE.includes(ev.threat.name)) out.push(ev);
  return out;
}

const THREAT_FIXTURES = path.join(OWN_FIXTURES_DIR, 'threats');
/**
 * The project's captures (fixtures/threats/, fixtures/threats/written.tsv says what each holds) and which of
 * these five each must raise, from which attacker (the rest: none of them).
 */
const OWN: Record<string, { fires: string[]; attacker: string }> = {
  'http-smuggling.pcap': { fires: ['http_smuggling'], attacker: '10.30.0.66' },
  'slowloris.pcap': { fires: ['slowloris'], attacker: '10.30.0.66' },
  'slow-post.pcap': { fires: ['slow_post'], attacker: 'fd30::66' },
  'heartbleed.pcap': { fires: ['heartbleed'], attacker: '10.30.0.66' },
  'tls-renegotiation.pcap': { fires: ['tls_renegotiation'], attacker: '10.77.1.2' },
};
const ownFiles = fs.existsSync(THREAT_FIXTURES)
  ? fs
      .readdirSync(THREAT_FIXTURES)
      .filter((f) => f.endsWith('.pcap'))
      .sort()
  : [];

describe.skipIf(ownFiles.length === 0)('application-abuse detectors on fixtures/threats/', () => {
  it.for(ownFiles)('%s', { timeout: 60_000 }, async (name) => {
    const threats = await threatsIn(path.join(THREAT_FIXTURES, name));
    const fired = [...new Set(threats.map((e) => e.threat.name))].sort();
    const want = OWN[name];
    expect(fired).toEqual(want?.fires ?? []);
    if (want !== undefined && want.attacker !== '') for (const t of threats) expect(t.threat.attacker).toBe(want.attacker);
    // As a library user listening to threats alone would run it (no records built, TLS left after its handshake;
    // renegotiations are then not followed, so that capture is left out: it only shows them in that mode
    // because its snaplen cut the server's ChangeCipherSpec, and the handshake never ended).
    if (name !== 'tls-renegotiation.pcap') {
      const lean = [...new Set((await threatsIn(path.join(THREAT_FIXTURES, name), true)).map((e) => e.threat.name))].sort();
      expect(lean).toEqual(want?.fires ?? []);
    }
  });
});
