/**
 * Runs the Markdown case corpus (`cases/*.md`): each case's conversation fed whole, byte by byte and at
 * seeded random splits must give exactly its `log` block.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TlsOptions } from '../../../src/protocols/tls/options.js';
import { byteByByte, data, end, gap, prng, randomSplit, run, type Recorded, type StreamStep } from './helpers.js';

const CASES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cases');

interface Case {
  title: string;
  options: Partial<TlsOptions>;
  steps: StreamStep[];
  log: string[];
}

function hexBytes(text: string): Uint8Array {
  const clean = text
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join(' ')
    .replace(/\s+/g, '');
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

function parseCases(md: string): Case[] {
  const cases: Case[] = [];
  for (const section of md.split(/^## /m).slice(1)) {
    const title = section.slice(0, section.indexOf('\n')).trim();
    const opt = /<!-- options=(\{.*\}) -->/.exec(section);
    const steps: StreamStep[] = [];
    let log: string[] = [];
    for (const m of section.matchAll(/```(\w+)\n([\s\S]*?)```/g)) {
      const [, kind, body] = m;
      if (kind === 'client' || kind === 'server') steps.push(data(kind === 'client' ? 0 : 1, hexBytes(body!)));
      else if (kind === 'gap') {
        const [dir, len] = body!.trim().split(/\s+/).map(Number);
        steps.push(gap(dir as 0 | 1, len!));
      } else if (kind === 'log') log = body!.trim().split('\n');
    }
    steps.push(end(0), end(1));
    cases.push({ title, options: opt ? JSON.parse(opt[1]!) : {}, steps, log });
  }
  return cases;
}

const logOf = (r: Recorded): string[] => r.log;

describe('case corpus', () => {
  for (const file of fs.readdirSync(CASES_DIR).filter((f) => f.endsWith('.md'))) {
    for (const c of parseCases(fs.readFileSync(path.join(CASES_DIR, file), 'utf8'))) {
      it(`${file}: ${c.title}`, () => {
        const whole = logOf(run(c.steps, c.options));
        expect(whole).toEqual(c.log);
        expect(logOf(run(c.steps, c.options, byteByByte))).toEqual(c.log);
        const rand = prng(c.title.length);
        for (let i = 0; i < 10; i++) expect(logOf(run(c.steps, c.options, randomSplit(rand)))).toEqual(c.log);
      });
    }
  }
});
