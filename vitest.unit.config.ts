/**
 * The fast tier (`npm run test:unit`): no shared corpus, no external tools, no long fuzz runs. What needs
 * the corpus or a tool inside the files kept here skips visibly, as in a fresh clone; the files whose whole
 * point is the corpus, a tool or a long run are left out. `npm test` (vitest.config.ts) runs everything.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

const root = path.dirname(fileURLToPath(import.meta.url));
// A folder that never exists: the corpus and the EVE schema count as absent (test/support/corpus.ts). Set
// here, in the main process, so the global setup and the workers see the same.
process.env.NETSIEVE_SHARED_DIR = path.join(root, '.unit-tier-has-no-shared-folder');
process.env.NETSIEVE_TEST_TOOLS = 'none';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        '**/node_modules/**',
        // Collects the whole suite in a child process (~40 s).
        'test/support/collection.test.ts',
        // Corpus-wide ground truth (nothing left to run without the corpus).
        'test/truth/**',
        'test/**/truth.test.ts',
        'test/decode/captures.test.ts',
        'test/capture/fixtures.test.ts',
        'test/flow/tcp-captures.test.ts',
        'test/protocols/dns/engine.test.ts',
        'test/protocols/http/engine.test.ts',
        'test/output/eve-schema.test.ts',
        // Differential tests against tshark, tcpdump, redis-server, clang, libpcap (live capture).
        'test/cli/streams-tshark.test.ts',
        'test/decode/packet-builders.test.ts',
        'test/protocols/redis/redis-server.test.ts',
        'test/regex/kernel-build.test.ts',
        'test/capture/live.test.ts',
        // Long seeded fuzz runs.
        'test/**/fuzz.test.ts',
        'test/flow/tcp-fuzz.test.ts',
        'test/regex/differential.test.ts',
        // The package as installed: a TypeScript compile of a consumer, the bin through node (~15 s).
        'test/package/package.test.ts',
        // A copy of src/ with a toy protocol, compiled by tsc (~10 s).
        'test/protocols/plugin.test.ts',
        // A million-source SYN flood against the default flow table (~5 s).
        'test/engine/flow-flood.test.ts',
      ],
      // The million-SYN flood (~30 s) is the one long test in a file of fast ones: reported as skipped here.
      testNamePattern: /^(?!.*one million SYNs)/,
    },
  }),
);
