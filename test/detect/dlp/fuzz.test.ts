/**
 * Seeded fuzzing: random bytes with valid values planted between delimiters. The findings (block mode and
 * streams in random chunkings) must be exactly the planted values, with their masks, and no mask may
 * show more of a value than its sensor documents.
 */
import { describe, expect, it } from 'vitest';
import { compileDlp, type DlpFinding } from '../../../src/detect/dlp/index.js';
import {
  awsKeyId,
  awsKeyPlant,
  awsSecret,
  awsSecretPlant,
  BRANDS,
  cardNumber,
  cardPlant,
  email,
  emailPlant,
  githubClassic,
  githubFineGrained,
  githubPlant,
  groupCard,
  IBAN_COUNTRY_LENGTHS,
  ibanOf,
  ibanPlant,
  jwt,
  jwtPlant,
  type Plant,
  pemKey,
  Rng,
  slackPlant,
  slackToken,
  spaceIban,
  ssnPlant,
  validSsn,
} from './gen.js';

const dlp = compileDlp('all');
/** Bytes that end any value and start none (not separators, not in any value's alphabet). */
const DELIMITERS = '\n"<>|;,()[]{}!';

function randomPlant(r: Rng): Plant {
  switch (r.below(11)) {
    case 0:
    case 1: {
      const brands = Object.keys(BRANDS);
      const n = cardNumber(r, brands[r.below(brands.length)]!);
      const g = r.chance(0.5) ? groupCard(n, ' -+'[r.below(3)]!) : null;
      return cardPlant(n, 'card', g ?? n);
    }
    case 2:
      return ssnPlant(validSsn(r));
    case 3: {
      const [cc, len] = IBAN_COUNTRY_LENGTHS[r.below(IBAN_COUNTRY_LENGTHS.length)]!;
      const iban = ibanOf(r, cc, len);
      return ibanPlant(iban, r.chance(0.5) ? spaceIban(iban) : iban);
    }
    case 4:
      return r.chance(0.5) ? awsKeyPlant(awsKeyId(r, r.chance(0.5) ? 'AKIA' : 'ASIA')) : awsSecretPlant(awsSecret(r));
    case 5:
      return githubPlant(
        r.chance(0.8) ? githubClassic(r, ['ghp', 'gho', 'ghu', 'ghs', 'ghr'][r.below(5)]) : githubFineGrained(r),
      );
    case 6:
      return slackPlant(slackToken(r, 'baprs'[r.below(5)]));
    case 7: {
      const kinds = ['RSA', 'EC', 'PKCS8', 'OPENSSH', 'ENCRYPTED', 'PGP', 'DSA'] as const;
      const p = pemKey(r, kinds[r.below(kinds.length)]!, r.chance(0.5) ? '\n' : '\r\n');
      return { ...p, tail: p.tail.slice(0, r.below(200)) };
    }
    case 8:
      return jwtPlant(jwt(r, r.chance(0.5) ? { alg: 'HS256', typ: 'JWT' } : { alg: 'ES256', kid: String(r.below(1000)) }));
    default:
      return emailPlant(email(r));
  }
}

function randomBytes(r: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(r.below(256));
  return s;
}

function sorted(f: readonly DlpFinding[]): DlpFinding[] {
  return [...f].sort((a, b) => a.start - b.start || a.end - b.end || a.sensor.localeCompare(b.sensor));
}

/** What a mask may show: each sensor's documented part, checked on the value itself. */
function maskShowsOnlyItsPart(p: Plant, masked: string): boolean {
  const stars = (s: string) => [...s].every((c) => c === '*');
  switch (p.sensor) {
    case 'credit_card':
      return masked.replace(/\*/g, '').length === 4 && !/\d{5}/.test(masked);
    case 'us_ssn':
      return /^\*\*\*-\*\*-\d{4}$/.test(masked);
    case 'iban':
      return stars(masked.slice(2, -4)) && masked.length === p.mask.length;
    case 'aws_access_key':
      return p.kind === 'secret' ? masked.endsWith('='.padEnd(41, '*')) : stars(masked.slice(4, -4));
    case 'github_token':
    case 'slack_token':
      return masked.includes('*') && !masked.includes(p.head.slice(-8));
    case 'private_key':
      return masked.endsWith('-----[masked]') && !masked.includes(p.head.slice(-20));
    case 'jwt':
      return masked.endsWith('.***.***') && !masked.includes(p.head.slice(p.head.indexOf('.') + 1, p.head.indexOf('.') + 9));
    default:
      return masked.includes('***@') && !masked.includes(p.head.slice(0, p.head.indexOf('@')));
  }
}

describe('DLP seeded fuzzing: random bytes with planted values', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: findings are exactly the plants, in blocks and in streams`, () => {
      const r = new Rng(0xd1f0 + seed);
      for (let doc = 0; doc < 40; doc++) {
        let text = randomBytes(r, r.below(200));
        const want: DlpFinding[] = [];
        const planted: Plant[] = [];
        const count = r.between(1, 8);
        for (let k = 0; k < count; k++) {
          const p = randomPlant(r);
          text += DELIMITERS[r.below(DELIMITERS.length)];
          want.push({ sensor: p.sensor, start: text.length, end: text.length + p.head.length, masked: p.mask });
          planted.push(p);
          text += p.head + p.tail + DELIMITERS[r.below(DELIMITERS.length)] + randomBytes(r, r.below(300));
        }
        const data = Buffer.from(text, 'latin1');
        const block = sorted(dlp.scan(data));
        expect(block).toEqual(sorted(want));
        for (const [i, f] of block.entries()) {
          const p = planted[want.indexOf(sorted(want)[i]!)]!;
          expect(maskShowsOnlyItsPart(p, f.masked), `${f.masked} of ${p.head}`).toBe(true);
        }
        const s = dlp.openStream();
        const got: DlpFinding[] = [];
        for (let at = 0; at < data.length; ) {
          const n = r.between(1, r.chance(0.3) ? 8 : 600);
          got.push(...s.scan(data.subarray(at, at + n)));
          at += n;
        }
        got.push(...s.close());
        expect(sorted(got)).toEqual(block);
      }
    });
  }

  it('random bytes alone give nothing (and never throw)', () => {
    const r = new Rng(0xbad);
    for (let doc = 0; doc < 50; doc++) {
      const data = Buffer.from(randomBytes(r, 20_000), 'latin1');
      expect(dlp.scan(data)).toEqual([]);
    }
  });

  it('a value with one digit changed is never reported (Luhn, mod-97 and CRC-32 catch every single substitution)', () => {
    const r = new Rng(0xc0de);
    let tried = 0;
    for (let k = 0; k < 2000; k++) {
      const p = randomPlant(r);
      // Change a byte of the value itself (not of the checked-but-free part: e-mail and Slack have no checksum).
      if (p.sensor === 'email' || p.sensor === 'slack_token' || p.sensor === 'aws_access_key') continue;
      if (p.sensor === 'github_token' && p.head.startsWith('github_pat_')) continue;
      if (p.sensor === 'jwt' || p.sensor === 'private_key') continue;
      if (p.sensor === 'us_ssn') continue;
      const digits = [...p.head].map((c, i) => (/[0-9]/.test(c) ? i : -1)).filter((i) => i > 0);
      const i = digits[r.below(digits.length)]!;
      const changed = p.head.slice(0, i) + String((Number(p.head[i]) + 1 + r.below(9)) % 10) + p.head.slice(i + 1);
      tried++;
      // Luhn catches every single-digit change; mod-97 and CRC-32 every one too.
      expect(dlp.scan(Buffer.from(`|${changed}|`)), changed).toEqual([]);
    }
    expect(tried).toBeGreaterThan(500);
  });
});
