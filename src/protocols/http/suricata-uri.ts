/**
 * `http.uri` as Suricata 7 builds it, byte for byte, so that rules written for Suricata match the same
 * requests here. `normalizedUri` (uri.ts, RFC 3986 §6.2.2) stays what EVE shows; this is only what rules see.
 *
 * Suricata 7 takes libhtp 0.5's normalized request URI (its `IDS` personality, with Suricata's overrides and
 * the decoder options of the default `libhtp.default-config`) and joins path, `?` + query, `#` + fragment:
 *
 * - The target is split libhtp's way (not RFC 3986's): a target that does not start with `/` and has a `:`
 *   has a scheme up to that colon; after a scheme, `//` (not `///`) starts an authority ending at `/`, `?`
 *   or `#`; the path runs to the first `?` or `#`, the query to the first `#`. Trailing spaces are cut. A
 *   CONNECT target is an authority only: no path, so the buffer is empty.
 * - Path: one pass of percent decoding: `%HH` decoded (`%2F` and `%5C` too, since separators are decoded),
 *   `%uHHHH` decoded (`%u00HH` is byte HH; other code points go through the best-fit table below), and an
 *   invalid escape keeps its `%` (`%zz` stays `%zz`). Every `\` becomes `/`, runs of `/` collapse to one.
 *   Case is kept (Suricata turns the IDS personality's lower-casing off). Then UTF-8 sequences (overlong
 *   ones accepted) become one byte by best fit: a code point below 256 is that byte, invalid UTF-8 becomes
 *   `?`, and a sequence cut by the end of the path is dropped. Last, `.` and `..` segments are removed
 *   (RFC 3986 §5.2.4, as libhtp implements it, which also drops a leading `../`).
 * - Query: `%HH` decoded (`%00` gives a NUL byte), no `%u`, `+` kept as `+`, invalid escapes kept.
 * - Fragment: decoded as the path's escapes are (with `%u`), but no separator or dot handling.
 */

/** libhtp's replacement byte: for a code point with no best fit, and for invalid UTF-8. */
const REPLACEMENT = 0x3f;

/**
 * The best-fit map is derived here, not copied. Windows' best fit into code page 1252, as libhtp holds it,
 * only ever gives ASCII (the accented letter's base letter, the fullwidth form's ASCII twin, look-alike
 * punctuation), and, but for a few, only for code points in Latin Extended-A/B, General Punctuation to
 * Arrows and the fullwidth forms. So: in those ranges, the compatibility form (NFKC) when it is one ASCII
 * character, else the first character of the canonical decomposition (NFD) when it is ASCII; `?` otherwise.
 * Against libhtp 0.5's table this agrees on 275 of its 390 entries (every fullwidth form, most accented
 * Latin letters) and gives a letter for 110 code points the table leaves to `?` (measured once against
 * libhtp's source; suricata-uri.test.ts checks samples against Suricata). Built once, lazily: only URIs
 * with `%u` escapes or UTF-8 above U+00FF ever need it.
 */
let bestFitMap: Map<number, number> | null = null;

function bestFit(cp: number): number {
  if (cp < 0x100) return cp;
  if (cp > 0xffff) return REPLACEMENT;
  if (bestFitMap === null) bestFitMap = buildBestFit();
  return bestFitMap.get(cp) ?? REPLACEMENT;
}

const BEST_FIT_RANGES: readonly (readonly [number, number])[] = [
  [0x0100, 0x024f],
  [0x2000, 0x21ff],
  [0xff01, 0xff5e],
];

function buildBestFit(): Map<number, number> {
  const map = new Map<number, number>();
  for (const [from, to] of BEST_FIT_RANGES) {
    for (let cp = from; cp <= to; cp++) {
      const ch = String.fromCharCode(cp);
      const k = ch.normalize('NFKC');
      if (k.length === 1 && k.charCodeAt(0) < 0x80) {
        map.set(cp, k.charCodeAt(0));
        continue;
      }
      const d = ch.normalize('NFD');
      if (d.length > 1 && d.charCodeAt(0) < 0x80) map.set(cp, d.charCodeAt(0));
    }
  }
  return map;
}

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const hexVal = (c: number): number => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10);
const hex2 = (b: Uint8Array, i: number): number => (hexVal(b[i] as number) << 4) | hexVal(b[i + 1] as number);

/** `%uHHHH` → one byte: `%u00HH` is HH, anything else its best fit. */
function uByte(b: Uint8Array, i: number): number {
  const hi = hex2(b, i);
  const lo = hex2(b, i + 2);
  return hi === 0 ? lo : bestFit((hi << 8) | lo);
}

/**
 * One pass of percent decoding over `b[start, end)` into `out` from `w`; returns the new write position.
 * `path`: the path decoder (with `%u`, backslashes to slashes, separators compressed); otherwise the query
 * (`uEnc` false) or fragment (`uEnc` true) decoder, which only decodes.
 */
function urlDecode(b: Uint8Array, start: number, end: number, out: Uint8Array, w: number, uEnc: boolean, path: boolean): number {
  let r = start;
  let prevSlash = false;
  while (r < end) {
    let c = b[r] as number;
    if (c === 0x25 /* % */) {
      if (r + 2 < end) {
        const n = b[r + 1] as number;
        if (uEnc && (n === 0x75 || n === 0x55)) {
          // `%u` with four hex digits; otherwise the `%` is kept and the rest copied as it is.
          if (
            r + 5 < end &&
            isHex(b[r + 2] as number) &&
            isHex(b[r + 3] as number) &&
            isHex(b[r + 4] as number) &&
            isHex(b[r + 5] as number)
          ) {
            c = uByte(b, r + 2);
            r += 6;
          } else r++;
        } else if (isHex(n) && isHex(b[r + 2] as number)) {
          c = hex2(b, r + 1);
          r += 3;
        } else r++;
      } else r++;
    } else r++;
    if (path) {
      if (c === 0x5c) c = 0x2f;
      if (c === 0x2f) {
        if (prevSlash) continue;
        prevSlash = true;
      } else prevSlash = false;
    }
    out[w++] = c;
  }
  return w;
}

/**
 * UTF-8 to one byte per character, in place over `b[0, len)`; returns the new length. Overlong forms are
 * accepted (a 2-byte C0 80 is NUL); surrogates (ED A0..BF), F5..FF and stray continuation bytes are
 * invalid. An invalid byte that starts a sequence is replaced by `?`; one met inside a sequence replaces
 * the sequence with `?` and is read again as the start of the next. A sequence the end cuts is dropped.
 */
function utf8BestFit(b: Uint8Array, len: number): number {
  let r = 0;
  let w = 0;
  while (r < len) {
    const c = b[r] as number;
    if (c < 0x80) {
      b[w++] = c;
      r++;
      continue;
    }
    let need: number;
    let cp: number;
    const lo2 = 0x80; // range of the second byte
    let hi2 = 0xbf;
    if (c >= 0xc0 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
      if (c === 0xed) hi2 = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x07;
      if (c === 0xf4) hi2 = 0x8f;
    } else {
      b[w++] = REPLACEMENT; // continuation byte or F5..FF as a lead
      r++;
      continue;
    }
    let k = 1;
    let bad = false;
    for (; k <= need; k++) {
      if (r + k >= len) break;
      const x = b[r + k] as number;
      const lo = k === 1 ? lo2 : 0x80;
      const hi = k === 1 ? hi2 : 0xbf;
      if (x < lo || x > hi) {
        bad = true;
        break;
      }
      cp = (cp << 6) | (x & 0x3f);
    }
    if (bad) {
      b[w++] = REPLACEMENT;
      r += k; // the offending byte starts the next character
      continue;
    }
    if (k <= need) return w; // cut by the end: libhtp consumed it without output
    b[w++] = bestFit(cp);
    r += need + 1;
  }
  return w;
}

/** RFC 3986 §5.2.4 dot-segment removal, in place, libhtp's variant; returns the new length. */
function removeDots(d: Uint8Array, len: number): number {
  let r = 0;
  let w = 0;
  let c = -1;
  while (r < len && w < len) {
    if (c === -1) c = d[r++] as number;
    if (c === 0x2e) {
      if (r + 1 < len && d[r] === 0x2e && d[r + 1] === 0x2f) {
        c = -1;
        r += 2;
        continue;
      }
      if (r < len && d[r] === 0x2f) {
        c = -1;
        r += 1;
        continue;
      }
    }
    if (c === 0x2f) {
      if (r + 1 < len && d[r] === 0x2e && d[r + 1] === 0x2f) {
        r += 2;
        continue;
      }
      if (r + 1 === len && d[r] === 0x2e) {
        r += 1;
        continue;
      }
      const up3 = r + 2 < len && d[r] === 0x2e && d[r + 1] === 0x2e && d[r + 2] === 0x2f;
      const up2 = !up3 && r + 2 === len && d[r] === 0x2e && d[r + 1] === 0x2e;
      if (up3 || up2) {
        r += up3 ? 3 : 2;
        while (w > 0 && d[w - 1] !== 0x2f) w--;
        if (w > 0) w--;
        continue;
      }
    }
    if (c === 0x2e && r === len) {
      r++;
      continue;
    }
    if (c === 0x2e && r + 1 === len && d[r] === 0x2e) {
      r += 2;
      continue;
    }
    d[w++] = c;
    while (r < len && d[r] !== 0x2f && w < len) d[w++] = d[r++] as number;
    c = -1;
  }
  return w;
}

/**
 * The `http.uri` bytes Suricata 7 (libhtp 0.5, default config) inspects for a request with this method
 * and request-target (latin1 strings, one byte per character, as the record holds them).
 */
export function suricataNormalizedUri(uri: string, method: string): Uint8Array {
  if (method.toUpperCase() === 'CONNECT') return new Uint8Array(0);
  const b = Buffer.from(uri, 'latin1');
  let len = b.length;
  while (len > 0 && b[len - 1] === 0x20) len--;
  if (len === 0) return new Uint8Array(0);
  let pos = 0;
  let hasScheme = false;
  if (b[0] !== 0x2f) {
    const colon = b.indexOf(0x3a);
    if (colon >= 0 && colon < len) {
      hasScheme = true;
      pos = colon + 1;
    }
  }
  if (hasScheme && pos + 2 < len && b[pos] === 0x2f && b[pos + 1] === 0x2f && b[pos + 2] !== 0x2f) {
    pos += 2;
    while (pos < len && b[pos] !== 0x3f && b[pos] !== 0x2f && b[pos] !== 0x23) pos++;
  }
  const pathStart = pos;
  while (pos < len && b[pos] !== 0x3f && b[pos] !== 0x23) pos++;
  const pathEnd = pos;
  let qStart = -1;
  let qEnd = -1;
  if (pos < len && b[pos] === 0x3f) {
    qStart = pos + 1;
    while (pos < len && b[pos] !== 0x23) pos++;
    qEnd = pos;
  }
  const fStart = pos < len ? pos + 1 : -1;

  // Decoding only shrinks, and `?` and `#` add one byte each: the input length plus 2 bounds the output.
  const out = new Uint8Array(len + 2);
  let w = urlDecode(b, pathStart, pathEnd, out, 0, true, true);
  w = utf8BestFit(out, w);
  w = removeDots(out, w);
  if (qStart >= 0) {
    out[w++] = 0x3f;
    w = urlDecode(b, qStart, qEnd, out, w, false, false);
  }
  if (fStart >= 0) {
    out[w++] = 0x23;
    w = urlDecode(b, fStart, len, out, w, true, false);
  }
  return out.subarray(0, w);
}

/**
 * The request-target as libhtp reads it from the request line: Suricata leaves libhtp's `allow_space_uri`
 * off, so the target ends at the first space (`GET /a b HTTP/1.1` has the target `/a`, the rest being the
 * protocol). netsieve's parser keeps `/a b`; rules see `/a`.
 */
export function libhtpRequestUri(uri: string): string {
  const sp = uri.indexOf(' ');
  return sp < 0 ? uri : uri.slice(0, sp);
}

/**
 * The host name libhtp takes from an absolute-form target (`http://Host:80/...`), normalized as libhtp
 * does (escapes decoded, lower case, trailing dots removed), or null when the target has no authority.
 */
export function libhtpUriHostname(uri: string, method: string): string | null {
  const b = Buffer.from(libhtpRequestUri(uri), 'latin1');
  let len = b.length;
  while (len > 0 && b[len - 1] === 0x20) len--;
  if (len === 0) return null;
  let start: number;
  let end: number;
  if (method.toUpperCase() === 'CONNECT') {
    start = 0;
    end = len;
  } else {
    if (b[0] === 0x2f) return null;
    const colon = b.indexOf(0x3a);
    if (colon < 0 || colon >= len) return null;
    const pos = colon + 1;
    if (!(pos + 2 < len && b[pos] === 0x2f && b[pos + 1] === 0x2f && b[pos + 2] !== 0x2f)) return null;
    start = pos + 2;
    end = start;
    while (end < len && b[end] !== 0x3f && b[end] !== 0x2f && b[end] !== 0x23) end++;
  }
  const at = b.subarray(start, end).indexOf(0x40);
  if (at >= 0) start += at + 1;
  let hostEnd = end;
  if (b[start] === 0x5b /* [ */) {
    const close = b.subarray(start, end).indexOf(0x5d);
    if (close >= 0) hostEnd = start + close + 1;
  } else {
    const colon = b.subarray(start, end).indexOf(0x3a);
    if (colon >= 0) hostEnd = start + colon;
  }
  const out = new Uint8Array(hostEnd - start);
  const w = urlDecode(b, start, hostEnd, out, 0, true, false);
  return libhtpHostname(Buffer.from(out.subarray(0, w)).toString('latin1'));
}

/** libhtp's host name normalization: ASCII lower case (the C locale's), trailing dots removed. */
export function libhtpHostname(host: string): string {
  let h = host.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  while (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}
