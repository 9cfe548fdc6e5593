/**
 * DLP streams: whatever the split of the bytes into chunks (every two-chunk split, every byte alone,
 * seeded random chunkings), a stream reports exactly the findings one block scan reports, and the block
 * scan reports exactly what was planted.
 */
import { describe, expect, it } from 'vitest';
import { compileDlp, type DlpFinding, type DlpScanner } from '../../../src/detect/dlp/index.js';
import {
  awsKeyId,
  awsKeyPlant,
  awsSecret,
  awsSecretPlant,
  CONTEXTS,
  cardNumber,
  cardPlant,
  email,
  emailPlant,
  githubClassic,
  githubFineGrained,
  githubPlant,
  groupCard,
  ibanOf,
  ibanPlant,
  invalidValues,
  jwt,
  jwtPlant,
  type Plant,
  pemKey,
  Rng,
  render,
  slackPlant,
  slackToken,
  spaceIban,
  ssnPlant,
  validSsn,
} from './gen.js';

const dlp = compileDlp('all');

function plants(r: Rng): Plant[] {
  const visa = cardNumber(r, 'visa', 16);
  const amex = cardNumber(r, 'amex');
  const iban = ibanOf(r, 'FR', 27);
  const pem = pemKey(r, 'RSA');
  return [
    cardPlant(visa, 'visa', groupCard(visa, ' ')!),
    cardPlant(amex, 'amex', groupCard(amex, '-')!),
    cardPlant(cardNumber(r, 'unionpay', 19), 'unionpay'),
    ssnPlant(validSsn(r)),
    ibanPlant(iban, spaceIban(iban)),
    ibanPlant(ibanOf(r, 'NO', 15)),
    awsKeyPlant(awsKeyId(r)),
    awsSecretPlant(awsSecret(r)),
    githubPlant(githubClassic(r)),
    githubPlant(githubFineGrained(r)),
    slackPlant(slackToken(r)),
    { ...pem, tail: pem.tail.slice(0, 70) },
    jwtPlant(jwt(r)),
    emailPlant(email(r)),
  ];
}

/** A document of every plant in a context, with the findings it must give. */
function document(seed: number, ctxIndex: number): { data: Buffer; want: DlpFinding[] } {
  const r = new Rng(seed);
  let text = '';
  const want: DlpFinding[] = [];
  for (const p of plants(r)) {
    const x = render(p, CONTEXTS[ctxIndex]!);
    want.push({ sensor: p.sensor, start: text.length + x.start, end: text.length + x.end, masked: x.mask });
    text += `${x.text}\n`;
  }
  return { data: Buffer.from(text, 'latin1'), want };
}

function sorted(f: readonly DlpFinding[]): DlpFinding[] {
  return [...f].sort((a, b) => a.start - b.start || a.end - b.end || a.sensor.localeCompare(b.sensor));
}

function streamed(sc: DlpScanner, data: Uint8Array, cuts: number[]): DlpFinding[] {
  const s = sc.openStream();
  const out: DlpFinding[] = [];
  let at = 0;
  for (const c of [...cuts, data.length]) {
    out.push(...s.scan(data.subarray(at, c)));
    at = c;
  }
  out.push(...s.close());
  return sorted(out);
}

describe('DLP streams give the block findings at every split', () => {
  for (const ctx of [0, 1, 3, 4]) {
    const { data, want } = document(10 + ctx, ctx);

    it(`block mode finds what was planted (${CONTEXTS[ctx]!.name}, ${data.length} bytes)`, () => {
      expect(sorted(dlp.scan(data))).toEqual(sorted(want));
    });

    it(`every two-chunk split (${CONTEXTS[ctx]!.name})`, () => {
      const block = sorted(dlp.scan(data));
      const bad: number[] = [];
      for (let cut = 0; cut <= data.length; cut++) {
        if (JSON.stringify(streamed(dlp, data, [cut])) !== JSON.stringify(block)) bad.push(cut);
      }
      expect(bad).toEqual([]);
    });

    it(`one byte at a time and seeded random chunkings (${CONTEXTS[ctx]!.name})`, () => {
      const block = sorted(dlp.scan(data));
      expect(
        streamed(
          dlp,
          data,
          Array.from({ length: data.length - 1 }, (_, i) => i + 1),
        ),
      ).toEqual(block);
      const r = new Rng(99 + ctx);
      for (let run = 0; run < 40; run++) {
        const cuts: number[] = [];
        for (let at = r.between(0, 40); at < data.length; at += r.between(0, run % 2 === 0 ? 12 : 300)) cuts.push(at);
        expect(streamed(dlp, data, cuts)).toEqual(block);
      }
    });
  }

  it('a value at the very end of a stream is reported by close()', () => {
    const s = dlp.openStream();
    expect(s.scan(Buffer.from('mail me: john@example.org'))).toEqual([]);
    expect(s.close()).toEqual([{ sensor: 'email', start: 9, end: 25, masked: 'j***@example.org' }]);
  });

  it('offsets run across chunks and the stream keeps only tailBytes', () => {
    const s = dlp.openStream();
    const pad = Buffer.alloc(100_000, 0x61);
    s.scan(pad);
    s.scan(Buffer.from(' 4111 1111 '));
    const f = s.scan(Buffer.from('1111 1111 x'));
    expect(f).toEqual([{ sensor: 'credit_card', start: 100_001, end: 100_020, masked: '************1111' }]);
    expect(s.offset).toBe(100_022);
    expect(dlp.tailBytes).toBe(2050);
    s.close();
  });

  it('a candidate that outgrows the tail is dropped in streams as in blocks', () => {
    const only = compileDlp(['email']);
    const text = Buffer.from(`${'a'.repeat(5000)}@example.com `);
    expect(only.scan(text)).toEqual([]);
    expect(streamed(only, text, [100, 2000, 4990, 5003])).toEqual([]);
    expect(only.stats.overlong).toBe(2);
    only.free();
  });
});

describe('DLP sensor selection', () => {
  it('a scanner of one sensor finds what the scanner of all finds for that sensor', () => {
    const { data } = document(77, 0);
    const { data: url } = document(78, 3);
    const all = [...dlp.scan(data), ...dlp.scan(url).map((f) => ({ ...f, start: -f.start }))];
    for (const name of new Set(all.map((f) => f.sensor))) {
      const one = compileDlp([name]);
      const got = [...one.scan(data), ...one.scan(url).map((f) => ({ ...f, start: -f.start }))];
      expect(sorted(got)).toEqual(sorted(all.filter((f) => f.sensor === name)));
      expect(one.tailBytes).toBe(Math.max(...one.sensors.map((s) => s.maxLength)) + 2);
      one.free();
    }
  });
});

describe('DLP streams: context checks and long candidates across chunks', () => {
  it('invalid lookalikes give nothing when split at and around their start (the context before a value is seen across chunks)', () => {
    for (const ctx of [0, 1, 3]) {
      let text = '';
      const starts: number[] = [];
      for (const c of invalidValues(3)) {
        const x = render({ sensor: '', kind: '', head: c.text, tail: '', mask: '' }, CONTEXTS[ctx]!);
        starts.push(text.length + x.start);
        text += `${x.text}\n`;
      }
      const data = Buffer.from(text, 'latin1');
      expect(dlp.scan(data)).toEqual([]);
      const bad: number[] = [];
      for (const st of starts) {
        for (let cut = st - 2; cut <= st + 1; cut++) if (streamed(dlp, data, [cut]).length > 0) bad.push(cut);
      }
      expect(bad).toEqual([]);
    }
  });

  it('long candidates (JWTs near 2 KiB, long e-mails) after more than twice the tail, in chunks of every size', () => {
    const r = new Rng(5);
    let text = '';
    const want: DlpFinding[] = [];
    for (let k = 0; k < 12; k++) {
      text += `${'x'.repeat(r.between(0, 5000))}\n`;
      const big = r.chance(0.5);
      const p = big
        ? jwtPlant(
            `${jwt(r).split('.')[0]}.${Buffer.from(JSON.stringify({ pad: 'y'.repeat(r.between(900, 1400)) })).toString('base64url')}.sig`,
          )
        : emailPlant(
            `${'a'.repeat(r.between(40, 60))}.${'b'.repeat(r.between(1, 3))}@${'c'.repeat(60)}.${'d'.repeat(60)}.example.com`,
          );
      want.push({ sensor: p.sensor, start: text.length, end: text.length + p.head.length, masked: p.mask });
      text += `${p.head}\n`;
    }
    const data = Buffer.from(text);
    expect(sorted(dlp.scan(data))).toEqual(sorted(want));
    for (const size of [1, 7, 100, 1000, 1460, 2049, 2050, 2051, 4099, 4100, 4101, 9000]) {
      const cuts: number[] = [];
      for (let at = size; at < data.length; at += size) cuts.push(at);
      expect(streamed(dlp, data, cuts), `chunks of ${size}`).toEqual(sorted(want));
    }
    for (let run = 0; run < 30; run++) {
      const cuts: number[] = [];
      for (let at = r.between(1, 3000); at < data.length; at += r.between(1, 4500)) cuts.push(at);
      expect(streamed(dlp, data, cuts)).toEqual(sorted(want));
    }
  });

  it('JWTs at the bound: a match of maxLength (terminator included) is found, one byte more is dropped, at every chunking', () => {
    const r = new Rng(6);
    const header = jwt(r).split('.')[0]!;
    const payload = Buffer.from(JSON.stringify({ pad: 'z'.repeat(1400) })).toString('base64url');
    let text = '';
    const want: DlpFinding[] = [];
    for (const matchLength of [2046, 2047, 2048, 2049, 2050]) {
      text += `${'w'.repeat(r.between(3000, 6000))} `;
      // The match runs from the header to the terminator byte after the signature.
      const token = `${header}.${payload}.${'s'.repeat(matchLength - 1 - header.length - payload.length - 2)}`;
      if (matchLength <= 2048)
        want.push({ sensor: 'jwt', start: text.length, end: text.length + token.length, masked: `${header}.***.***` });
      text += `${token} `;
    }
    const data = Buffer.from(text);
    expect(sorted(dlp.scan(data))).toEqual(want);
    for (const size of [1, 13, 1460, 2049, 2050, 2051, 4099, 4100, 4101]) {
      const cuts: number[] = [];
      for (let at = size; at < data.length; at += size) cuts.push(at);
      expect(streamed(dlp, data, cuts), `chunks of ${size}`).toEqual(want);
    }
    for (let run = 0; run < 40; run++) {
      const cuts: number[] = [];
      for (let at = r.between(1, 3000); at < data.length; at += r.between(1, 5000)) cuts.push(at);
      expect(streamed(dlp, data, cuts)).toEqual(want);
    }
  });

  it('after any sequence of chunk sizes the stream holds at least its last tailBytes bytes, and they are the right ones', () => {
    const r = new Rng(8);
    const data = Buffer.from(Array.from({ length: 30_000 }, () => r.below(256)));
    const bad: string[] = [];
    for (const maxChunk of [1, 5, 300, 2049, 2051, 4100, 9000]) {
      const s = dlp.openStream();
      let at = 0;
      while (at < data.length) {
        const n = Math.min(r.between(0, maxChunk), data.length - at);
        s.scan(data.subarray(at, at + n));
        at += n;
        const h = s.history;
        const ok =
          h.length >= Math.min(at, dlp.tailBytes) &&
          h.length <= 2 * dlp.tailBytes &&
          Buffer.compare(h, data.subarray(at - h.length, at)) === 0;
        if (!ok) bad.push(`chunks up to ${maxChunk}: ${h.length} bytes kept at ${at}`);
      }
      s.close();
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});
