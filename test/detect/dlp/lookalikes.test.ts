/**
 * A corpus of lookalikes: what real traffic is full of and a careless sensor reports. Order numbers,
 * phone numbers, timestamps, UUIDs, hashes, base64 blobs, tracking numbers, ISBNs, dates, versions,
 * prices, image names: zero findings, in blocks and streams.
 */
import { describe, expect, it } from 'vitest';
import { compileDlp } from '../../../src/detect/dlp/index.js';
import { luhnOk, pick, Rng } from './gen.js';

const HEX = '0123456789abcdef';
const DIGITS = '0123456789';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Digits of length n with a card-like prefix that fail Luhn: an order or invoice number. */
function notLuhn(r: Rng, prefix: string, n: number): string {
  for (;;) {
    const s = prefix + pick(r, DIGITS, n - prefix.length);
    if (!luhnOk(s)) return s;
  }
}

function uuid(r: Rng): string {
  const h = pick(r, HEX, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

function lookalikeLines(r: Rng): string[] {
  const lines: string[] = [];
  const two = (n: number) => String(n).padStart(2, '0');
  for (let i = 0; i < 40; i++) {
    const y = r.between(1990, 2030);
    const mo = r.between(1, 12);
    const d = r.between(1, 28);
    const epoch = r.between(600_000_000, 2_000_000_000);
    lines.push(
      `Order #${notLuhn(r, '4', 16)} placed ${y}-${two(mo)}-${two(d)}T${two(r.below(24))}:${two(r.below(60))}:${two(r.below(60))}.${pick(r, DIGITS, 3)}Z`,
      `Invoice ${notLuhn(r, '5', 16).replace(/(\d{4})(?=\d)/g, '$1 ')} / ref ${notLuhn(r, '37', 15)} / ${notLuhn(r, '6011', 16)}`,
      `ORD-${y}${two(mo)}${two(d)}-${pick(r, DIGITS, 6)} customer ${pick(r, DIGITS, 9)} account ${pick(r, DIGITS, 10)}`,
      `Call +1 (${pick(r, '23456789', 1)}${pick(r, DIGITS, 2)}) ${pick(r, DIGITS, 3)}-${pick(r, DIGITS, 4)} or +44 20 ${pick(r, DIGITS, 4)} ${pick(r, DIGITS, 4)} or ${pick(r, DIGITS, 3)}-${pick(r, DIGITS, 3)}-${pick(r, DIGITS, 4)}`,
      `tel:+49-30-${pick(r, DIGITS, 8)} fax 1-800-${pick(r, DIGITS, 3)}-${pick(r, DIGITS, 4)} ext. ${pick(r, DIGITS, 4)}`,
      `ts=${epoch} ms=${epoch}${pick(r, DIGITS, 3)} ns=${epoch}${pick(r, DIGITS, 9)} date: ${two(d)}/${two(mo)}/${y} ${two(d)}.${two(mo)}.${y}`,
      `Date: Mon, ${two(d)} Dec ${y} ${two(r.below(24))}:${two(r.below(60))}:00 GMT`,
      `X-Request-Id: ${uuid(r)} trace=${uuid(r).replace(/-/g, '')}`,
      `ETag: "${pick(r, HEX, 40)}" sha256=${pick(r, HEX, 64)} md5 ${pick(r, HEX, 32).toUpperCase()}`,
      `Cookie: session=${pick(r, B64, 48)}; csrftoken=${pick(r, B64, 32)}`,
      `data:image/png;base64,${pick(r, B64, 120)}==`,
      `UPS 1Z${pick(r, 'ABCDEFGHJKLMNPRSTVWXYZ0123456789', 16)} FedEx ${pick(r, DIGITS, 12)} USPS 9400 ${pick(r, DIGITS, 4)} ${pick(r, DIGITS, 4)} ${pick(r, DIGITS, 4)} ${pick(r, DIGITS, 4)} ${pick(r, DIGITS, 2)}`,
      `ISBN 978-${pick(r, DIGITS, 1)}-${pick(r, DIGITS, 2)}-${pick(r, DIGITS, 6)}-${pick(r, DIGITS, 1)} ISBN-13: 978${pick(r, DIGITS, 10)} ISBN 0-${pick(r, DIGITS, 3)}-${pick(r, DIGITS, 5)}-X`,
      `version ${r.below(20)}.${r.below(50)}.${r.below(200)} build ${pick(r, DIGITS, 8)} price $${r.between(1, 99)},${pick(r, DIGITS, 3)}.${pick(r, DIGITS, 2)}`,
      `<img src="/static/logo@2x.png" srcset="/img/hero@3x.webp 3x"> <a href="mailto:">@${pick(r, 'abcdefgh', 6)}</a>`,
      `IP ${r.below(256)}.${r.below(256)}.${r.below(256)}.${r.below(256)} mac ${pick(r, HEX, 2)}:${pick(r, HEX, 2)}:${pick(r, HEX, 2)}:${pick(r, HEX, 2)}:${pick(r, HEX, 2)}:${pick(r, HEX, 2)}`,
      `SKU DE${pick(r, DIGITS, 2)}-${pick(r, DIGITS, 4)} part GB${pick(r, DIGITS, 8)} model XK${pick(r, DIGITS, 3)}`,
      `Authorization: Bearer ${pick(r, B64.slice(0, 62), 40)} api_key=${pick(r, HEX, 32)}`,
      `ghp_ is the prefix; AKIA keys; xoxb- tokens; -----BEGIN CERTIFICATE-----`,
      `eyJ${pick(r, B64.slice(0, 62), 30)} is base64 of JSON; a.b.c is not a JWT; user at example dot com`,
      `room ${pick(r, DIGITS, 3)}-${pick(r, DIGITS, 2)} zip ${pick(r, DIGITS, 5)}-${pick(r, DIGITS, 4)} case 000-${pick(r, DIGITS, 2)}-${pick(r, DIGITS, 4)}`,
    );
  }
  return lines;
}

describe('DLP lookalike corpus', () => {
  const dlp = compileDlp('all');
  const text = lookalikeLines(new Rng(7)).join('\r\n');
  const data = Buffer.from(text);

  it(`${data.length} bytes of lookalikes give zero findings`, () => {
    const found = dlp.scan(data);
    expect(found.map((f) => `${f.sensor} ${f.masked} @${f.start}: ${text.slice(Math.max(0, f.start - 20), f.end + 5)}`)).toEqual(
      [],
    );
    // The corpus does exercise the validators: the shapes are there, the checks refuse them.
    expect(dlp.stats.rejected).toBeGreaterThan(200);
  });

  it('in streams of 1460-byte chunks too', () => {
    const s = dlp.openStream();
    let n = 0;
    for (let at = 0; at < data.length; at += 1460) n += s.scan(data.subarray(at, at + 1460)).length;
    n += s.close().length;
    expect(n).toBe(0);
  });
});
