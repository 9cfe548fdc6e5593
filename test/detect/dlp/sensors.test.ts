/**
 * The DLP sensors on ground truth: valid values of every sensor and card brand, made by the generators
 * (Luhn, mod-97 and CRC-32 computed apart from the validators), must be found in every context with the
 * exact span and mask; invalid lookalikes must never be found.
 */
import { describe, expect, it } from 'vitest';
import { compileDlp, DLP_SENSOR_NAMES, DLP_SENSORS, type DlpFinding } from '../../../src/detect/dlp/index.js';
import { expectCode } from '../../support/errors.js';
import {
  awsKeyId,
  awsKeyPlant,
  awsSecret,
  awsSecretPlant,
  b64url,
  BRANDS,
  CONTEXTS,
  cardNumber,
  cardPlant,
  email,
  emailPlant,
  githubClassic,
  githubFineGrained,
  githubPlant,
  groupCard,
  IBAN_COUNTRY_LENGTHS,
  invalidValues,
  ibanOf,
  ibanPlant,
  jwt,
  jwtPlant,
  luhnDigit,
  type Plant,
  pemKey,
  pick,
  Rng,
  render,
  slackPlant,
  slackToken,
  spaceIban,
  ssnPlant,
  validSsn,
} from './gen.js';

const dlp = compileDlp('all');

function scan(text: string): readonly DlpFinding[] {
  return dlp.scan(Buffer.from(text, 'latin1'));
}

/** Every valid plant the tests use: each sensor, each card brand and length, many countries. */
function validPlants(seed: number): Plant[] {
  const r = new Rng(seed);
  const out: Plant[] = [];
  for (const brand of Object.keys(BRANDS)) {
    for (const len of BRANDS[brand]!.lengths) {
      const n = cardNumber(r, brand, len);
      out.push(cardPlant(n, `${brand} ${len} bare`));
      for (const sep of [' ', '-']) {
        const g = groupCard(n, sep);
        if (g !== null) out.push(cardPlant(n, `${brand} ${len} '${sep}'`, g));
      }
    }
  }
  // The edges of the ranges.
  for (const p of [
    '2221',
    '2720',
    '51',
    '55',
    '34',
    '37',
    '6011',
    '644',
    '649',
    '65',
    '622126',
    '622925',
    '3528',
    '3589',
    '300',
    '305',
    '36',
    '38',
    '39',
    '62',
  ]) {
    const len = p.startsWith('3') && p.length <= 3 && p !== '34' && p !== '37' ? 14 : p === '34' || p === '37' ? 15 : 16;
    const body = p + pick(r, '0123456789', len - 1 - p.length);
    out.push(cardPlant(body + luhnDigit(body), `range ${p}`));
  }
  for (let i = 0; i < 4; i++) out.push(ssnPlant(validSsn(r)));
  out.push(ssnPlant('001-01-0001'), ssnPlant('899-99-9999'), ssnPlant('665-12-3456'), ssnPlant('667-12-3456'));
  for (const [cc, len] of IBAN_COUNTRY_LENGTHS) {
    const iban = ibanOf(r, cc, len);
    out.push(ibanPlant(iban));
    out.push(ibanPlant(iban, spaceIban(iban)));
  }
  out.push(awsKeyPlant(awsKeyId(r, 'AKIA')), awsKeyPlant(awsKeyId(r, 'ASIA')));
  out.push(
    awsSecretPlant(awsSecret(r)),
    awsSecretPlant(awsSecret(r), 'AWS_SECRET_ACCESS_KEY'),
    awsSecretPlant(awsSecret(r), 'aws_secret_key'),
  );
  for (const k of ['ghp', 'gho', 'ghu', 'ghs', 'ghr']) out.push(githubPlant(githubClassic(r, k)));
  out.push(githubPlant(githubFineGrained(r)));
  for (const k of ['b', 'a', 'p', 'r', 's']) out.push(slackPlant(slackToken(r, k)));
  for (const k of ['RSA', 'EC', 'PKCS8', 'OPENSSH', 'ENCRYPTED', 'PGP', 'DSA'] as const) out.push(pemKey(r, k));
  out.push({ ...pemKey(r, 'RSA', '\r\n'), kind: 'RSA CRLF' });
  out.push(jwtPlant(jwt(r)), jwtPlant(jwt(r, { alg: 'RS256', kid: 'k1' })), jwtPlant(jwt(r, { typ: 'JWT', alg: 'none' })));
  // An unsecured JWT: the signature is empty.
  const unsecured = jwt(r, { alg: 'none' });
  out.push({ ...jwtPlant(`${unsecured.slice(0, unsecured.lastIndexOf('.'))}.`), kind: 'unsecured' });
  for (let i = 0; i < 4; i++) out.push(emailPlant(email(r)));
  out.push(emailPlant('first.last+tag@mail.example.co.uk'), emailPlant('x@y.io'));
  return out;
}

describe('DLP sensors: valid values are found', () => {
  const plants = validPlants(1);

  it('covers every sensor', () => {
    expect(new Set(plants.map((p) => p.sensor))).toEqual(new Set(DLP_SENSOR_NAMES));
  });

  for (const ctx of CONTEXTS) {
    it(`in ${ctx.name}: the exact span and mask, nothing else`, () => {
      const misses: string[] = [];
      for (const p of plants) {
        const { text, start, end, mask } = render(p, ctx);
        const got = scan(text);
        const want = [{ sensor: p.sensor, start, end, masked: mask }];
        if (JSON.stringify(got) !== JSON.stringify(want))
          misses.push(`${p.sensor} ${p.kind}: ${JSON.stringify(text)} → ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      }
      expect(misses).toEqual([]);
    });
  }

  it('two values side by side are two findings', () => {
    const a = '4111111111111111';
    const b = '5500-0000-0000-0004';
    expect(scan(`${a},${b}`).map((f) => [f.start, f.end])).toEqual([
      [0, 16],
      [17, 36],
    ]);
  });

  it("a finding's sensor can be chosen: other sensors' values are not reported", () => {
    const only = compileDlp(['us_ssn', 'iban']);
    const text = 'card 4111 1111 1111 1111 ssn 123-45-6789 mail a@b.com iban GB29NWBK60161331926819';
    expect(only.scan(Buffer.from(text)).map((f) => f.sensor)).toEqual(['us_ssn', 'iban']);
    only.free();
  });

  it('the published GitHub token samples (expired) pass the CRC-32 check', () => {
    // From therootcompany/base62-token.js issue #2: real classic tokens, expired, published to pin the format.
    for (const t of ['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', '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']) {
      expect(scan(`token=${t}`).map((f) => f.sensor)).toEqual(['github_token']);
    }
  });
});

describe('DLP sensors: invalid lookalikes are never found', () => {
  const cases = invalidValues(2);
  for (const ctx of CONTEXTS) {
    it(`in ${ctx.name}`, () => {
      const found: string[] = [];
      for (const c of cases) {
        const { text } = render({ sensor: '', kind: '', head: c.text, tail: '', mask: '' }, ctx);
        const got = scan(text);
        if (got.length > 0) found.push(`${c.what}: ${JSON.stringify(text)} → ${JSON.stringify(got)}`);
      }
      expect(found).toEqual([]);
    });
  }
});

describe('DLP sensors: the table and the API', () => {
  it('each sensor has a name, a description, patterns with L, a validator, a masker and a bound', () => {
    for (const s of DLP_SENSORS) {
      expect(s.name).toMatch(/^[a-z_]+$/);
      expect(s.description.length).toBeGreaterThan(20);
      expect(s.patterns.length).toBeGreaterThan(0);
      for (const p of s.patterns) expect(p.flags).toContain('L');
      expect(s.maxLength).toBeGreaterThan(0);
      expect(s.maxLength).toBeLessThanOrEqual(2048);
    }
  });

  it('an unknown sensor name is NS_ERR_OPTION listing the valid names', () => {
    expectCode(() => compileDlp(['credit_card', 'passport']), 'NS_ERR_OPTION', /"passport".*credit_card, us_ssn, iban/);
    expectCode(() => compileDlp([]), 'NS_ERR_OPTION', /credit_card/);
    expectCode(() => compileDlp('some' as never), 'NS_ERR_OPTION');
    expectCode(() => compileDlp('all', { maxFindings: -1 }), 'NS_ERR_OPTION');
  });

  it('data that is not bytes is NS_ERR_INPUT; a closed stream NS_ERR_STATE', () => {
    expectCode(() => dlp.scan('4111111111111111' as never), 'NS_ERR_INPUT');
    const s = dlp.openStream();
    s.close();
    expectCode(() => s.scan(Buffer.from('x')), 'NS_ERR_STATE');
    expect(s.close()).toEqual([]);
  });

  it('findings go to a handler when one is given; an array is capped at maxFindings and the rest counted', () => {
    const text = Buffer.from(Array.from({ length: 50 }, (_, i) => `u${i}@example.com`).join(' '));
    const seen: DlpFinding[] = [];
    expect(dlp.scan(text, (f) => seen.push(f))).toEqual([]);
    expect(seen.length).toBe(50);
    const capped = compileDlp(['email'], { maxFindings: 10 });
    expect(capped.scan(text).length).toBe(10);
    expect(capped.stats.truncated).toBe(40);
    capped.free();
  });

  it('a candidate longer than its sensor bound is dropped and counted', () => {
    const only = compileDlp(['jwt']);
    const long = `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify({ pad: 'x'.repeat(2000) }))}.sig`;
    expect(only.scan(Buffer.from(long))).toEqual([]);
    expect(only.stats.overlong).toBe(1);
    only.free();
  });
});

describe('DLP scanner calls do not nest', () => {
  it('a finding handler that starts another scan is refused with NS_ERR_STATE, and the scanner stays usable', () => {
    const sc = compileDlp(['us_ssn']);
    const data = Buffer.from('ssn 123-45-6789 ');
    expectCode(() => sc.scan(data, () => sc.scan(data)), 'NS_ERR_STATE', /do not nest/);
    const s = sc.openStream();
    expectCode(() => s.scan(data, () => sc.scan(data)), 'NS_ERR_STATE');
    expect(sc.scan(data).length).toBe(1);
    sc.free();
  });
});
