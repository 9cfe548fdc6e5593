/**
 * The one place that knows where the shared folder is (captures with tshark's truth, Suricata's EVE schema,
 * CRS, gitleaks) and the project's own fixtures.
 *
 * The shared folder is `../shared` beside the repository, or `$NETSIEVE_SHARED_DIR` when set (an empty
 * folder there makes the suite behave as in a fresh clone). Nothing here reads a file when this module is
 * imported: presence is an `existsSync`, and the listings return nothing when the corpus is absent, so test
 * files can name their cases at collection time without failing in a clone that has no shared folder.
 * Contents (captures, truth, schema) are read inside `beforeAll`/`it`. The "absent" notice is printed once
 * per run by test/support/global-setup.ts, not here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_ROOT = root;

/** The environment variable that moves the shared folder (tests of the suite itself point it at an empty one). */
export const SHARED_DIR_ENV = 'NETSIEVE_SHARED_DIR';

/** The shared folder: `$NETSIEVE_SHARED_DIR`, else `../shared` from the repository root. */
export function sharedDir(): string {
  const fromEnv = process.env[SHARED_DIR_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? path.resolve(fromEnv) : path.resolve(root, '..', 'shared');
}

export const SHARED_DIR = sharedDir();
export const CORPUS_DIR = path.join(SHARED_DIR, 'fixtures', 'pcaps');
export const TRUTH_DIR = path.join(CORPUS_DIR, 'truth');
export const EVE_SCHEMA = path.join(SHARED_DIR, 'eve', 'suricata-eve-schema.json');
export const OWN_FIXTURES_DIR = path.join(root, 'fixtures');
/** OWASP CRS v4.28.0 (rules, data files, setup example, CI's configuration, regression tests): third-party, read in place. */
export const CRS_DIR = path.join(SHARED_DIR, 'crs');

/** The corpus counts as present when its manifest is there. */
export const corpusPresent = fs.existsSync(path.join(CORPUS_DIR, 'MANIFEST.tsv'));
/** Suricata's EVE schema from the shared folder. */
export const schemaPresent = fs.existsSync(EVE_SCHEMA);
/** CRS counts as present when its rules folder and CI's configuration are there. */
export const crsPresent =
  fs.existsSync(path.join(CRS_DIR, 'rules', 'REQUEST-901-INITIALIZATION.conf')) &&
  fs.existsSync(path.join(CRS_DIR, 'ci', 'modsecurity.conf'));

/**
 * ATT&CK Enterprise as STIX (`enterprise-attack.json`, CONTRIBUTING.md "ATT&CK ids"): outside the shared
 * folder, at the path `$NETSIEVE_ATTACK_STIX` names, because it is a release of its own (tens of MB).
 */
export const ATTACK_STIX_ENV = 'NETSIEVE_ATTACK_STIX';
export const ATTACK_STIX = process.env[ATTACK_STIX_ENV] ?? '';
export const attackStixPresent = ATTACK_STIX !== '' && fs.existsSync(ATTACK_STIX);

/** Why a test that needs the corpus did not run (for `ctx.skip()` and test names). */
export const CORPUS_ABSENT = `shared corpus absent (${CORPUS_DIR})`;
export const SCHEMA_ABSENT = `EVE schema absent (${EVE_SCHEMA})`;
export const CRS_ABSENT = `OWASP CRS absent (${CRS_DIR})`;
export const ATTACK_STIX_WHERE =
  ATTACK_STIX === '' ? `${ATTACK_STIX_ENV} not set` : `${ATTACK_STIX_ENV}=${ATTACK_STIX} is no file`;
export const ATTACK_STIX_ABSENT = `ATT&CK STIX absent (${ATTACK_STIX_WHERE})`;

export interface TruthStream {
  transport: 'tcp' | 'udp';
  stream: number;
  first_frame: number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  packets: number;
  protocols: string[];
}

export interface Truth {
  file: string;
  frames: number;
  tcp_streams: number;
  udp_streams: number;
  encapsulation: string;
  tshark_extra_args: string | null;
  tshark_stderr: string | null;
  streams: TruthStream[];
  [k: string]: unknown;
}

/** Capture file names of the shared corpus, sorted; empty when the corpus is absent. */
export function corpusFiles(): string[] {
  if (!corpusPresent) return [];
  return fs
    .readdirSync(CORPUS_DIR)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort();
}

export function corpusPath(name: string): string {
  return path.join(CORPUS_DIR, name);
}

/** Whether tshark's truth for a capture of the corpus exists (no read). */
export function hasTruth(name: string): boolean {
  return corpusPresent && fs.existsSync(path.join(TRUTH_DIR, `${name}.json`));
}

const truthCache = new Map<string, Truth | null>();

/** tshark's truth for a capture of the corpus (parsed once per worker), or null when there is none. */
export function truthOf(name: string): Truth | null {
  let t = truthCache.get(name);
  if (t === undefined) {
    const p = path.join(TRUTH_DIR, `${name}.json`);
    t = corpusPresent && fs.existsSync(p) ? (JSON.parse(fs.readFileSync(p, 'utf8')) as Truth) : null;
    truthCache.set(name, t);
  }
  return t;
}

/**
 * Captures of the corpus whose truth satisfies `keep`, sorted; empty when the corpus is absent. For test
 * names that depend on what tshark saw in a capture (only then is the truth read at collection time).
 */
export function corpusFilesWhere(keep: (truth: Truth, file: string) => boolean): string[] {
  return corpusFiles().filter((f) => {
    const t = truthOf(f);
    return t !== null && keep(t, f);
  });
}

/** Suricata's EVE JSON schema, parsed; throws a clear error when it is absent (call it inside a test). */
export function eveSchema(): object {
  if (!schemaPresent) throw new Error(SCHEMA_ABSENT);
  return JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8')) as object;
}

/** The project's own captures (fixtures/*.pcap*), full paths. */
export function ownFixtures(): string[] {
  return fs
    .readdirSync(OWN_FIXTURES_DIR)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()
    .map((f) => path.join(OWN_FIXTURES_DIR, f));
}

/** The captures of `fixtures/threats/` (each made by its script in `fixtures/threats/scripts/`), sorted. */
export function threatFixtures(): string[] {
  const dir = path.join(OWN_FIXTURES_DIR, 'threats');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}
