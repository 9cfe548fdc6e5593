/**
 * The bytes go-ftw sends, written out by hand from go-ftw's rules (see request.ts): first on inputs written
 * here (each rule on its own), then on stages of CRS's suite of each kind (skipped without ../shared/crs).
 */
import { describe, expect, it } from 'vitest';
import { FTW_ABSENT, type FtwInput, type FtwStage, ftwPresent, ftwSuite } from './load.js';
import { canonicalHeaderKey, evalDataTemplate, goFormEncode, goQueryEscape, requestBytes } from './request.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

function input(over: Partial<FtwInput>): FtwInput {
  return {
    destAddr: 'localhost',
    port: 80,
    protocol: 'http',
    method: 'GET',
    uri: '/',
    version: 'HTTP/1.1',
    headers: [],
    orderedHeaders: null,
    data: null,
    encodedData: null,
    encodedRequest: null,
    autocompleteHeaders: true,
    stopMagic: false,
    saveCookie: false,
    virtualHostMode: false,
    followRedirect: false,
    ...over,
  };
}

const h = (name: string, value: string) => ({ name, value });

describe('go-ftw request bytes, rule by rule', () => {
  it('sends the request line as written and adds only Connection: close to a GET without body', () => {
    expect(text(requestBytes(input({ uri: '/a b?x=<script>' })))).toBe(
      'GET /a b?x=<script> HTTP/1.1\r\nConnection: close\r\n\r\n',
    );
  });

  it('sorts the headers mapping by name in byte order (upper case first), then appends its own', () => {
    const i = input({ headers: [h('User-Agent', 'u'), h('Host', 'h'), h('accept', 'a'), h('Accept', 'A')] });
    expect(text(requestBytes(i))).toBe(
      'GET / HTTP/1.1\r\nAccept: A\r\nHost: h\r\nUser-Agent: u\r\naccept: a\r\nConnection: close\r\n\r\n',
    );
  });

  it('keeps ordered_headers in their order', () => {
    const i = input({ orderedHeaders: [h('Z', '1'), h('A', '2'), h('Z', '3')] });
    expect(text(requestBytes(i))).toBe('GET / HTTP/1.1\r\nZ: 1\r\nA: 2\r\nZ: 3\r\nConnection: close\r\n\r\n');
  });

  it('form-encodes a body without % or +, adding the Content-Type and the Content-Length after Connection', () => {
    const i = input({ method: 'POST', data: "a=1 OR 1=1&b=x'y&c&d=é" });
    expect(text(requestBytes(i))).toBe(
      'POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\nContent-Length: 31\r\n\r\n' +
        'a=1+OR+1%3D1&b=x%27y&c&d=%C3%A9',
    );
  });

  it('leaves a body with % or + as it is, and one whose Content-Type is not exactly the form type', () => {
    expect(goFormEncode('a=%41 b')).toBe('a=%41 b');
    expect(goFormEncode('a=1+1=2')).toBe('a=1+1=2');
    expect(goFormEncode('a=%zz b')).toBe('a=%zz b');
    const i = input({
      method: 'POST',
      headers: [h('content-type', 'application/x-www-form-urlencoded; charset=utf-8')],
      data: 'a=b c',
    });
    expect(text(requestBytes(i))).toBe(
      'POST / HTTP/1.1\r\ncontent-type: application/x-www-form-urlencoded; charset=utf-8\r\nConnection: close\r\nContent-Length: 5\r\n\r\na=b c',
    );
  });

  it("drops go-ftw's empty last token and escapes as Go's url.QueryEscape", () => {
    expect(goFormEncode('a=1&')).toBe('a=1');
    expect(goFormEncode('a=1&&b')).toBe('a=1&&b');
    expect(goFormEncode('=x=y&k')).toBe('=x%3Dy&k');
    expect(goQueryEscape('-_.~ !*()/:;@$,?')).toBe('-_.~+%21%2A%28%29%2F%3A%3B%40%24%2C%3F');
  });

  it('sends Content-Length: 0 for a body-less method that matches ^POST|PUT|PATCH|DELETE$ (unanchored middle)', () => {
    const cl = (method: string) => text(requestBytes(input({ method }))).includes('Content-Length: 0\r\n');
    expect(['POST', 'POSTX', 'PUT', 'XPUTX', 'PATCH', 'DELETE', 'XDELETE'].map(cl)).toEqual(Array(7).fill(true));
    expect(['GET', 'XPOST', 'DELETEX', 'post'].map(cl)).toEqual([false, false, false, false]);
  });

  it('keeps a Connection or Content-Length the test gives (any case) and adds none of them without autocomplete', () => {
    const i = input({ method: 'POST', headers: [h('connection', 'keep-alive'), h('CONTENT-LENGTH', '99')], data: 'x' });
    expect(text(requestBytes(i))).toBe(
      'POST / HTTP/1.1\r\nCONTENT-LENGTH: 99\r\nconnection: keep-alive\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nx',
    );
    const off = input({ method: 'POST', data: 'a=b c\n', autocompleteHeaders: false });
    expect(text(requestBytes(off))).toBe('POST / HTTP/1.1\r\n\r\na=b c\n');
  });

  it('turns every LF of a multipart body into CRLF, a CRLF already there into CR CR LF, even without autocomplete', () => {
    const ct = h('Content-Type', 'Multipart/Form-Data; boundary=x');
    const i = input({ method: 'POST', headers: [ct], data: '--x\nA\r\n--x--\n', autocompleteHeaders: false });
    expect(text(requestBytes(i))).toBe(
      'POST / HTTP/1.1\r\nContent-Type: Multipart/Form-Data; boundary=x\r\n\r\n--x\r\nA\r\r\n--x--\r\n',
    );
    // Without the `;` go-ftw does not see multipart.
    const bare = input({ method: 'POST', headers: [h('Content-Type', 'multipart/form-data')], data: 'a\n' });
    expect(text(requestBytes(bare)).endsWith('Content-Length: 2\r\n\r\na\n')).toBe(true);
  });

  it('compares header names as Go canonical keys: a name with a space is not Content-Type', () => {
    expect(canonicalHeaderKey('content-TYPE')).toBe('Content-Type');
    expect(canonicalHeaderKey('content type')).toBe('content type');
    const i = input({ method: 'POST', headers: [h('Content-Type ', 'text/plain')], data: 'x' });
    expect(text(requestBytes(i))).toContain('Content-Type : text/plain\r\nContent-Type: application/x-www-form-urlencoded\r\n');
  });

  it('sends strings as UTF-8 and an encoded_request as its bytes, nothing added', () => {
    const i = input({ uri: '/é', headers: [h('X', '\u00ff\u0000')] });
    expect([...requestBytes(i)].slice(4, 7)).toEqual([0x2f, 0xc3, 0xa9]);
    expect(text(requestBytes(i))).toContain('X: \u00c3\u00bf\u0000\r\n');
    const raw = input({ encodedRequest: Buffer.from('GET / HTTP/1.0\r\nHost:\r\n\r\n\xff', 'latin1').toString('base64') });
    expect(text(requestBytes(raw))).toBe('GET / HTTP/1.0\r\nHost:\r\n\r\n\xff');
  });

  it("evaluates data as a Go template (sprig's repeat, trim markers) and refuses other actions", () => {
    expect(evalDataTemplate('a{{ "xy" | repeat 3 }}b')).toBe('axyxyxyb');
    expect(evalDataTemplate('a \n{{- "x" | repeat 2 -}}\n b')).toBe('axxb');
    expect(evalDataTemplate('no action }}')).toBe('no action }}');
    expect(() => evalDataTemplate('{{ .Foo }}')).toThrow(/not supported/);
    const i = input({ method: 'POST', headers: [h('Content-Type', 'text/plain')], data: '{{ "1" | repeat 5 }}\n' });
    expect(text(requestBytes(i)).endsWith('Content-Length: 6\r\n\r\n11111\n')).toBe(true);
  });

  it('sends encoded_data decoded', () => {
    const i = input({
      method: 'POST',
      headers: [h('Content-Type', 'a/b')],
      encodedData: Buffer.from('\x00\x01').toString('base64'),
    });
    expect(text(requestBytes(i))).toBe(
      'POST / HTTP/1.1\r\nContent-Type: a/b\r\nConnection: close\r\nContent-Length: 2\r\n\r\n\x00\x01',
    );
  });
});

const ACCEPT = 'Accept: text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,image/png,*/*;q=0.5\r\n';

describe.skipIf(!ftwPresent)(
  `go-ftw request bytes of CRS stages (needs ../shared/crs; ${ftwPresent ? 'present' : FTW_ABSENT})`,
  () => {
    const stage = (key: string): FtwStage => {
      const s = ftwSuite().stages.find((x) => x.key === key);
      if (s === undefined) throw new Error(`no stage ${key}`);
      return s;
    };
    const sent = (key: string): string => text(requestBytes(stage(key)));

    it('932160-1: GET with a query, sent as written; headers Host, User-Agent, Accept sorted', () => {
      expect(sent('932160-1/0')).toBe(
        `GET /get?932160-1=cat%20/etc/passwd HTTP/1.1\r\n${ACCEPT}Host: localhost\r\nUser-Agent: OWASP CRS test agent\r\nConnection: close\r\n\r\n`,
      );
    });

    it('942100-1: POST form data, form-encoded, Content-Type then Connection then Content-Length', () => {
      expect(sent('942100-1/0')).toBe(
        `POST /post HTTP/1.1\r\n${ACCEPT}Host: localhost\r\nUser-Agent: OWASP CRS test agent\r\n` +
          'Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\nContent-Length: 17\r\n\r\nvar=1234+OR+1%3D1',
      );
    });

    it('933160-3: form data already escaped is sent unchanged', () => {
      expect(sent('933160-3/0').endsWith('Content-Length: 19\r\n\r\neval%0D%28%24foo%29')).toBe(true);
    });

    it('922110-1: multipart, YAML block with LF ends sent with CRLF', () => {
      const body =
        '------WebKitFormBoundary\r\nContent-Disposition: form-data; name="username"\r\nContent-Type: text/plain; charset=utf-7\r\n' +
        '\r\n+ADw-img+ACA-src+AD0-x+AD4-\r\n------WebKitFormBoundary--\r\n';
      expect(body.length).toBe(175);
      expect(sent('922110-1/0')).toBe(
        'POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=----WebKitFormBoundary\r\nHost: localhost\r\n' +
          `User-Agent: OWASP CRS Tests\r\nConnection: close\r\nContent-Length: 175\r\n\r\n${body}`,
      );
    });

    it('920290-4: encoded_request sent as decoded, whatever method/uri/headers the stage also gives', () => {
      expect(sent('920290-4/0')).toBe('GET / HTTP/1.0\r\nHost:\r\n\r\n');
    });

    it('920340-1: autocomplete off, the Content-Length of the test, no Content-Type, no Connection', () => {
      expect(sent('920340-1/0')).toBe(
        `POST /pineapple HTTP/1.1\r\n${ACCEPT}Content-Length: 4\r\nHost: localhost\r\nUser-Agent: OWASP CRS test agent\r\n\r\ntest`,
      );
    });

    it('920400-1/2: templated multipart bodies; test 1 keeps its own Content-Length: 64200 under a longer body', () => {
      const small = sent('920400-2/0');
      expect(small).toContain('Content-Length: 289\r\n\r\n----------111111\r\n');
      expect(small.endsWith(`Content-Type: text/plain\r\n${'1'.repeat(152)}\r\n----------111111--\r\n`)).toBe(true);
      const big = sent('920400-1/0');
      const head = big.indexOf('\r\n\r\n') + 4;
      expect(big).toContain('Content-Length: 64200\r\n');
      expect(big.length - head).toBe(64341);
    });

    it('every stage builds (base64 round-trips, templates evaluate)', () => {
      for (const s of ftwSuite().stages) {
        expect(() => requestBytes(s), s.key).not.toThrow();
        const e = s.input.encodedRequest;
        // Go's StdEncoding is strict but for line breaks, which it skips (920171 breaks its base64 in lines).
        if (e !== null) expect(Buffer.from(e, 'base64').toString('base64'), s.key).toBe(e.replace(/[\r\n]/g, ''));
      }
    });
  },
);
