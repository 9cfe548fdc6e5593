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

function scan(text: string): DlpFinding[] {
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

/** Lookalikes of each sensor that must never be reported. */
function invalidValues(seed: number): { what: string; text: string }[] {
  const r = new Rng(seed);
  const out: { what: string; text: string }[] = [];
  const add = (what: string, text: string) => out.push({ what, text });
  for (const brand of Object.keys(BRANDS)) {
    for (const len of BRANDS[brand]!.lengths) {
      const n = cardNumber(r, brand, len);
      const bad = n.slice(0, -1) + String((Number(n.slice(-1)) + 1 + r.below(9)) % 10);
      add(`${brand} ${len} failing Luhn`, bad);
      const g = groupCard(bad, ' ');
      if (g !== null) add(`${brand} ${len} grouped failing Luhn`, g);
    }
  }
  for (const p of [
    '1',
    '7',
    '8',
    '9',
    '2220',
    '2721',
    '56',
    '33',
    '3510',
    '6010',
    '643',
    '3527',
    '3590',
    '306',
    '6000',
    '6400',
  ]) {
    const body = p + pick(r, '0123456789', 15 - p.length);
    add(`prefix ${p} (no brand), Luhn-valid`, body + luhnDigit(body));
  }
  const amex16 = `34${pick(r, '0123456789', 13)}`;
  add('Amex prefix with 16 digits', amex16 + luhnDigit(amex16));
  const mc15 = `51${pick(r, '0123456789', 12)}`;
  add('Mastercard prefix with 15 digits', mc15 + luhnDigit(mc15));
  const visa = cardNumber(r, 'visa', 16);
  add('mixed separators', `${visa.slice(0, 4)} ${visa.slice(4, 8)}-${visa.slice(8, 12)} ${visa.slice(12)}`);
  add('double separators', `${visa.slice(0, 4)}  ${visa.slice(4, 8)}  ${visa.slice(8, 12)}  ${visa.slice(12)}`);
  add('card inside a longer digit run', `9${visa}`);
  add('card as the tail of a grouped longer number', `1234 ${groupCard(visa, ' ')}`);
  add('card glued to letters', `x${visa}`);
  for (const s of [
    '000-12-3456',
    '666-12-3456',
    '900-12-3456',
    '999-99-9999',
    '123-00-4567',
    '123-45-0000',
    '1-123-45-6789',
    '123456789',
    '123 45 6789',
  ])
    add(`SSN ${s}`, s);
  for (const [cc, len] of IBAN_COUNTRY_LENGTHS.filter((_, i) => i % 3 === 0)) {
    const iban = ibanOf(r, cc, len);
    const wrongCheck = `${iban.slice(0, 2)}${String(((Number(iban.slice(2, 4)) + 1 + r.below(90)) % 97) + 2).padStart(2, '0')}${iban.slice(4)}`;
    if (wrongCheck !== iban) add(`IBAN ${cc} wrong check digits`, wrongCheck);
    add(`IBAN ${cc} one character longer (check digits recomputed)`, ibanOf(r, cc, len + 1));
    add(`IBAN ${cc} one character shorter (check digits recomputed)`, ibanOf(r, cc, len - 1));
    add(`IBAN ${cc} a character changed`, iban.slice(0, 6) + (iban[6] === '1' ? '2' : '1') + iban.slice(7));
  }
  add('IBAN of a country without IBANs, mod-97 valid', ibanOf(r, 'US', 22));
  add('IBAN with mixed separators', 'DE89 3704-0044 0532 0130 00');
  add('GitHub token one short', `ghp_${pick(r, 'abcdefghijklmnopqrstuvwxyz0123456789', 35)}`);
  add('GitHub token one long', `ghp_${pick(r, 'abcdefghijklmnopqrstuvwxyz0123456789', 37)}`);
  const gh = githubClassic(r);
  add('GitHub token with a wrong checksum', gh.slice(0, 10) + (gh[10] === 'a' ? 'b' : 'a') + gh.slice(11));
  add('GitHub token of an unknown kind', `ghx_${gh.slice(4)}`);
  add('AWS key id one short', awsKeyId(r).slice(0, 19));
  add('AWS key id with lower case', `AKIA${pick(r, 'abcdefghijklmnop', 16)}`);
  add("AWS's documentation key id", 'AKIAIOSFODNN7EXAMPLE');
  add("AWS's documentation secret", 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  add('AWS secret placeholder', 'aws_secret_access_key=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
  add('AWS secret 41 characters', `aws_secret_access_key=${awsSecret(r)}Q`);
  add('Slack token with a repeated secret', 'xoxb-123456789012-1234567890123-xxxxxxxxxxxxxxxxxxxxxxxx');
  add('Slack token of an unknown kind', slackToken(r).replace('xoxb', 'xoxq'));
  add('PEM header without a body', '-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----');
  add('PEM header with a placeholder body', `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(64)}\n-----END PRIVATE KEY-----`);
  add('PEM OpenSSH header with a DER body', `${pemKey(r, 'RSA').head.replace(/RSA/, 'OPENSSH')}x`);
  add(
    'PEM public key',
    `-----BEGIN PUBLIC KEY-----\n${Buffer.from([0x30, 0x82, 1, 0x22, ...Array(40).fill(7)]).toString('base64')}\n`,
  );
  add('JWT whose header is not JSON', `${b64url('{"alg":"HS256"')}.${b64url('{"sub":"1"}')}.${pick(r, 'abcdef', 43)}`);
  add('JWT whose header has no alg', `${b64url('{"typ":"JWT"}')}.${b64url('{"sub":"1"}')}.${pick(r, 'abcdef', 43)}`);
  add('JWT whose alg is not a string', `${b64url('{"alg":5}')}.${b64url('{"sub":"1"}')}.${pick(r, 'abcdef', 43)}`);
  add('JWT with two parts', `${b64url('{"alg":"HS256"}')}.${b64url('{"sub":"1"}')}`);
  add('JWT with four parts', `${jwt(r)}.${pick(r, 'abcdef', 10)}`);
  add('JWT header inside a longer base64url run', `abc${jwt(r)}`);
  for (const e of [
    'logo@2x.png',
    'icon@3x.webp',
    'user@localhost',
    'a..b@example.com',
    '.ab@example.com',
    'ab.@example.com',
    'user@example',
    '@example.com',
    'user@-example.com x',
  ])
    add(`e-mail lookalike ${e}`, e);
  add('e-mail with a 65-character local part', `${pick(r, 'abcdefghij', 65)}@example.com`);
  add('e-mail with a 64-character label', `ab@${pick(r, 'abcdefghij', 64)}.com`);
  return out;
}

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
