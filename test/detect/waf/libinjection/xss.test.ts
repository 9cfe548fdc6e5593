/**
 * Hand-written @detectXSS cases: the classic vectors (script tags, event handlers, javascript: URLs with
 * entities and blanks, svg, iframes, comments IE runs) and benign HTML and text.
 */
import { describe, expect, it } from 'vitest';
import { detectXss } from '../../../../src/detect/waf/libinjection/index.js';

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('detectXss', () => {
  const attacks = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" &#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;vascript:alert(1)">x</a>',
    '<a href="jav\nascript:alert(1)">',
    '<svg/onload=alert(1)>',
    '"><iframe src=//evil>',
    '<p style="x:expression(alert(1))">',
    '<!DOCTYPE html>',
    '<!--[if gte IE 4]><script>alert(1)</script><![endif]-->',
    '<?import namespace="x">',
    '<x xmlns:foo="y">',
    '<form><button formaction="javascript:alert(1)">',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">',
    '" onmouseover="alert(1)', // inside a double-quoted attribute value
    "' onfocus='alert(1)", // inside a single-quoted one
    ' onclick=alert(1)', // inside an unquoted one
    '<SCRIPT>alert(1)</SCRIPT>',
    '<scr\0ipt>alert(1)</script>', // NULs are ignored in tag names
  ];
  for (const input of attacks) {
    it(`attack: ${JSON.stringify(input)}`, () => {
      expect(detectXss(b(input))).toBe(true);
    });
  }

  const benign = [
    '',
    'hello world',
    '<b>bold</b> and <i>italic</i>',
    '<a href="https://example.com/">link</a>',
    '<img src="/logo.png" alt="logo">',
    'a < b && c > d',
    '<!-- a comment -->',
    '/on=x',
    'javascript is a language',
    '<p class="one">text</p>',
  ];
  for (const input of benign) {
    it(`benign: ${JSON.stringify(input)}`, () => {
      expect(detectXss(b(input))).toBe(false);
    });
  }

  it('on… attributes: a known event name by default, any of five characters or more in 3.9.2 mode', () => {
    expect(detectXss(b('<a onabcdefgh=1>'))).toBe(false);
    expect(detectXss(b('<a onabcdefgh=1>'), { eventHandlers: 'any' })).toBe(true);
    expect(detectXss(b('<a onloadx=1>'))).toBe(true); // a prefix match on the event name, as libinjection does
    expect(detectXss(b('<a one=1>'), { eventHandlers: 'any' })).toBe(false); // under five characters
  });

  // Hostile megabytes: verdicts, not time (speed belongs to bench/; a quadratic tokenizer would exceed the
  // test runner's timeout here).
  it('never throws on any bytes; hostile megabytes get their verdicts', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    expect(typeof detectXss(all)).toBe('boolean');
    const verdicts = [
      detectXss(b('<a '.repeat(300_000))),
      detectXss(b('<!--'.repeat(200_000))),
      detectXss(b('-\0'.repeat(400_000))),
      detectXss(b('<a href="&#'.repeat(100_000))),
    ];
    // None is an attack: a tag name alone, comments that never close, NULs, an unfinished entity.
    expect(verdicts).toEqual([false, false, false, false]);
  });
});
