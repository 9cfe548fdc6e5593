/**
 * The shared real-world corpus (../shared/fixtures/pcaps, with tshark's truth) and the project's own fixtures.
 * Tests that need the shared corpus skip visibly when it is absent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_ROOT = root;
export const CORPUS_DIR = path.resolve(root, '..', 'shared', 'fixtures', 'pcaps');
export const TRUTH_DIR = path.join(CORPUS_DIR, 'truth');
export const OWN_FIXTURES_DIR = path.join(root, 'fixtures');
export const EVE_SCHEMA = path.resolve(root, '..', 'shared', 'eve', 'suricata-eve-schema.json');

export const corpusPresent = fs.existsSync(path.join(CORPUS_DIR, 'MANIFEST.tsv'));
if (!corpusPresent) {
  console.warn(`\n*** The shared capture corpus is absent (${CORPUS_DIR}): ground-truth tests are SKIPPED. ***\n`);
}

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

/** Capture file names of the shared corpus, sorted. */
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

export function truthOf(name: string): Truth | null {
  const p = path.join(TRUTH_DIR, `${name}.json`);
  return fs.existsSync(p) ? (JSON.parse(fs.readFileSync(p, 'utf8')) as Truth) : null;
}

/** The project's own captures (fixtures/*.pcap*). */
export function ownFixtures(): string[] {
  return fs
    .readdirSync(OWN_FIXTURES_DIR)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()
    .map((f) => path.join(OWN_FIXTURES_DIR, f));
}
