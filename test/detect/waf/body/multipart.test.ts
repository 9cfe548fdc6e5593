import { describe, expect, it } from 'vitest';
import { parseBoundary, processRequestBody } from '../../../../src/detect/waf/body/index.js';
import { b, pairs, t } from './helpers.js';

const CT = 'multipart/form-data; boundary=XyZ';
const crlf = (...lines: string[]) => b(lines.join('\r\n'));
const run = (body: Uint8Array | string, ct = CT, limits = {}) =>
  processRequestBody(ct, typeof body === 'string' ? b(body) : body, limits);

const simple = crlf(
  '--XyZ',
  'Content-Disposition: form-data; name="a"',
  '',
  'one',
  '--XyZ',
  'Content-Disposition: form-data; name="f"; filename="x.txt"',
  'Content-Type: text/plain',
  '',
  'file line 1',
  'line 2',
  '--XyZ--',
  '',
);

describe('multipart: a well-formed body', () => {
  it('gives fields in ARGS_POST, files in FILES, and no flag', () => {
    const r = run(simple);
    expect(r.processor).toBe('MULTIPART');
    expect(r.error).toBeNull();
    expect(pairs(r.args)).toEqual([['a', 'one']]);
    expect(r.files.map((f) => [t(f.name), t(f.filename), f.size])).toEqual([['f', 'x.txt', 'file line 1\r\nline 2'.length]]);
    expect(r.filesCombinedSize).toBe(19);
    expect(r.flags!.strictError).toBe(0);
    expect(r.flags!.unmatchedBoundary).toBe(2); // ModSecurity sets 2 at every matched boundary after the first
    expect(pairs(r.partHeaders)).toEqual([
      ['a', 'Content-Disposition: form-data; name="a"'],
      ['f', 'Content-Disposition: form-data; name="f"; filename="x.txt"'],
      ['f', 'Content-Type: text/plain'],
    ]);
    expect(r.multipartNames.map(t)).toEqual(['a', 'f']);
    expect(r.multipartFilenames.map(t)).toEqual(['x.txt']);
  });
  it('drops the line ends inside a field value, as ModSecurity v3 does', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', 'l1', 'l2', '--XyZ--', ''));
    expect(pairs(r.args)).toEqual([['a', 'l1l2']]);
  });
  it('treats filename="" as a field', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"; filename=""', '', 'v', '--XyZ--', ''));
    expect(pairs(r.args)).toEqual([['a', 'v']]);
    expect(r.files).toEqual([]);
  });
  it('gives an empty value for an empty field', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', '', '--XyZ--', ''));
    expect(pairs(r.args)).toEqual([['a', '']]);
    expect(r.flags!.strictError).toBe(0);
  });
  it('keeps fields out of SecArgumentsLimit (ModSecurity adds them to ARGS directly)', () => {
    const r = run(simple, CT, { argumentsLimit: 0 });
    expect(pairs(r.args)).toEqual([['a', 'one']]);
  });
  it('accepts the final boundary without a line end', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', 'v', '--XyZ--'));
    expect(r.error).toBeNull();
    expect(pairs(r.args)).toEqual([['a', 'v']]);
  });
  it('reads header names in any case, unquoted and single-quoted values', () => {
    const r = run(crlf('--XyZ', "content-disposition: form-data; name=tok; filename='f'", '', 'v', '--XyZ--', ''));
    expect(r.error).toBeNull();
    expect(r.files.map((f) => t(f.filename))).toEqual(['f']);
    expect(r.flags!.invalidQuoting).toBe(1);
  });
  it('unescapes \\" and \\\\ in quoted values and keeps other backslashes', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a\\"b\\\\c\\d"', '', 'v', '--XyZ--', ''));
    expect(pairs(r.args)).toEqual([['a"b\\c\\d', 'v']]);
  });
  it('accepts filename* with filename', () => {
    const r = run(
      crlf('--XyZ', "Content-Disposition: form-data; name=a; filename=x; filename*=UTF-8''%e2%82%ac", '', 'v', '--XyZ--', ''),
    );
    expect(r.error).toBeNull();
    expect(r.files.length).toBe(1);
  });
});

describe('multipart: Content-Type boundary rules (Multipart::init)', () => {
  it.each([
    ['multipart/form-data; boundary="XyZ"', { quoted: 1 }],
    ['multipart/form-data; boundary =XyZ', { whitespace: 1 }],
    ['multipart/form-data; boundary= XyZ', { whitespace: 1 }],
    ['multipart/form-data boundary=XyZ', { missingSemicolon: 1 }],
  ])('%s sets its flag', (ct, want) => {
    const r = parseBoundary(ct);
    expect(r.error).toBeNull();
    expect({ quoted: r.quoted, whitespace: r.whitespace, missingSemicolon: r.missingSemicolon, ...want }).toEqual({
      quoted: r.quoted,
      whitespace: r.whitespace,
      missingSemicolon: r.missingSemicolon,
    });
  });
  it.each([
    ['multipart/form-data; boundary=a; boundary=b', 'Multipart: Multiple boundary parameters in C-T.'],
    ['multipart/form-data; BOUNDARY=a', 'Multipart: Invalid boundary in C-T (case sensitivity).'],
    ['multipart/form-data', 'Multipart: Boundary not found in C-T.'],
    ['multipart/form-data; x; boundary=a', 'Multipart: Invalid boundary in C-T (malformed).'],
    ['multipart/form-data; boundaryx=a', 'Multipart: Invalid boundary in C-T (parameter name).'],
    ['multipart/form-data; boundary="a', 'Multipart: Invalid boundary in C-T (quote).'],
    ['multipart/form-data; boundary=a"', 'Multipart: Invalid boundary in C-T (quote).'],
    ['multipart/form-data; boundary=a{b', 'Multipart: Invalid boundary in C-T (characters).'],
    ['multipart/form-data; boundary=;x', 'Multipart: Invalid boundary in C-T (empty).'],
    ['multipart/form-datax; boundary=a', 'Multipart: Invalid boundary in C-T (malformed).'],
    [`multipart/form-data; boundary=${'a'.repeat(1100)}`, 'Multipart: Invalid boundary in C-T (length).'],
  ])('%s is refused: %s', (ct, msg) => {
    const r = run(simple, ct);
    expect(r.error).toBe(`Multipart parsing error: ${msg}`);
    expect(r.processorError).toBe(true);
    expect(r.flags!.strictError).toBe(1);
    expect(r.args).toEqual([]);
  });
  it('tolerates a parameter after the boundary', () => {
    expect(t(parseBoundary('multipart/form-data; boundary=XyZ; charset=utf-8').boundary!)).toBe('XyZ');
  });
  it('gives up silently on an empty quoted boundary, as ModSecurity does', () => {
    const r = run(simple, 'multipart/form-data; boundary=""');
    expect(r.error).toBeNull();
    expect(r.args).toEqual([]);
  });
  it('keeps a space after = in the boundary', () => {
    expect(t(parseBoundary('multipart/form-data; boundary= XyZ').boundary!)).toBe(' XyZ');
  });
});

describe('multipart: strictness flags', () => {
  it('DATA_BEFORE', () => {
    expect(run(b(`junk\r\n${t(simple)}`)).flags!.dataBefore).toBe(1);
  });
  it('DATA_AFTER, even for a lone CRLF after the final boundary', () => {
    const r = run(b(`${t(simple)}\r\n`));
    expect(r.flags!.dataAfter).toBe(1);
    expect(r.flags!.strictError).toBe(1);
  });
  it('LF_LINE for LF line ends, CRLF_LF_LINES when mixed', () => {
    const lf = run(b(t(simple).replace(/\r\n/g, '\n')));
    expect(lf.error).toBeNull();
    expect(lf.flags!.lfLine).toBe(1);
    expect(lf.flags!.crlfLfLines).toBe(0);
    expect(pairs(lf.args)).toEqual([['a', 'one']]);
    const mixed = run(b(t(simple).replace('name="a"\r\n', 'name="a"\n')));
    expect(mixed.flags!.lfLine).toBe(1);
    expect(mixed.flags!.crlfLfLines).toBe(1);
  });
  it('HEADER_FOLDING, and INVALID_HEADER_FOLDING for a fold that is not SP/HT', () => {
    const folded = run(crlf('--XyZ', 'Content-Disposition: form-data;', ' name="a"', '', 'v', '--XyZ--', ''));
    expect(folded.error).toBeNull();
    expect(folded.flags!.headerFolding).toBe(1);
    expect(folded.flags!.invalidHeaderFolding).toBe(0);
    expect(pairs(folded.args)).toEqual([['a', 'v']]);
    expect(pairs(folded.partHeaders)).toEqual([['a', 'Content-Disposition: form-data; name="a"']]);
    const vt = run(crlf('--XyZ', 'Content-Disposition: form-data;', '\x0bname="a"', '', 'v', '--XyZ--', ''));
    expect(vt.flags!.invalidHeaderFolding).toBe(1);
  });
  it('INVALID_QUOTING for a single quote in an unquoted name', () => {
    expect(run(crlf('--XyZ', "Content-Disposition: form-data; name=a'b", '', 'v', '--XyZ--', '')).flags!.invalidQuoting).toBe(1);
  });
  it('INVALID_PART for a part without a name', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data', '', 'v', '--XyZ--', ''));
    expect(r.flags!.invalidPart).toBe(1);
    expect(r.multipartMessages[0]).toBe('Multipart: Content-Disposition header missing name field.');
    // The part never reaches its data, so every later line is read as a part header, the final boundary too.
    expect(r.error).toBe('Multipart parsing error: Multipart: Final boundary missing.');
  });
  it('INVALID_PART when our boundary comes where part data should begin', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', '--XyZ', 'x', '--XyZ--', ''));
    expect(r.flags!.invalidPart).toBe(1);
  });
  it('UNMATCHED_BOUNDARY (1) for a line that looks like another boundary; the final boundary resets it to 2', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', '--other', '--XyZ--'));
    expect(r.flags!.unmatchedBoundary).toBe(1);
    expect(r.flags!.strictError).toBe(0);
    expect(r.error).toBeNull();
    expect(
      run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', '--other', '--XyZ--', '')).flags!.unmatchedBoundary,
    ).toBe(2);
  });
  it('UNMATCHED_BOUNDARY (1) for our boundary inside a line, reset to 2 by a later boundary', () => {
    const inside = crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', 'x--XyZ', '--XyZ--', '');
    expect(run(inside).flags!.unmatchedBoundary).toBe(2);
    const last = crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', 'x--XyZ--', '');
    expect(run(last).flags!.unmatchedBoundary).toBe(1);
  });
  it('FILE_LIMIT_EXCEEDED only when files are extracted', () => {
    const two = crlf(
      '--XyZ',
      'Content-Disposition: form-data; name="f"; filename="1"',
      '',
      'a',
      '--XyZ',
      'Content-Disposition: form-data; name="g"; filename="2"',
      '',
      'b',
      '--XyZ--',
      '',
    );
    expect(run(two, CT, { uploadFileLimit: 1 }).flags!.fileLimitExceeded).toBe(0);
    const r = run(two, CT, { uploadFileLimit: 1, uploadKeepFiles: true });
    expect(r.flags!.fileLimitExceeded).toBe(1);
    expect(r.error).toContain('Upload file limit exceeded 1');
    expect(r.files.length).toBe(2);
  });
});

describe('multipart: errors (REQBODY_ERROR)', () => {
  it('final boundary missing', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', 'v', ''));
    expect(r.error).toBe('Multipart parsing error: Multipart: Final boundary missing.');
    expect(pairs(r.args)).toEqual([]);
  });
  it('no boundaries', () => {
    expect(run('hello\r\n').error).toBe('Multipart parsing error: Multipart: No boundaries found in payload.');
  });
  it('an empty body is no error', () => {
    expect(run('').error).toBeNull();
  });
  it('a missing Content-Disposition', () => {
    const r = run(crlf('--XyZ', 'Content-Type: text/plain', '', '--XyZ--'));
    expect(r.error).toBe('Multipart parsing error: Multipart: Part missing Content-Disposition header.');
    expect(r.flags!.invalidPart).toBe(1);
  });
  it.each([
    ['attachment; name=a', -1],
    ['form-data x', -2],
    ['form-data; name=a; ', -3],
    ['form-data; name', -4],
    ['form-data; name ', -5],
    ['form-data; name x', -13],
    ['form-data; name= ', -6],
    ['form-data; name="', -7],
    ['form-data; name="a\\', -8],
    ['form-data; foo=a', -11],
    ['form-data; name="a" x', -12],
    ['form-data; name=a; name=b', -14],
    ['form-data; name=a; filename=x; filename=y', -15],
    ["form-data; name=a; filename*='x'y", -16],
    ["form-data; name=a; filename*=utf-8'x", -17],
    ["form-data; name=a; filename*=utf-8''%zz", -18],
    ["form-data; name=a; filename*=utf-8''a b", -19],
    ["form-data; name=a; filename=x; filename*=utf-8''a; filename*=utf-8''b", -20],
    ["form-data; name=a; filename*=utf-8''a", -21],
  ])('Content-Disposition %s gives code %i', (cd, code) => {
    // The final boundary without a line end is the one place a later message does not replace this one.
    const r = run(crlf('--XyZ', `Content-Disposition: ${cd}`, '', '--XyZ--'));
    expect(r.error).toBe(`Multipart parsing error: Multipart: Invalid Content-Disposition header (${code}): ${cd}`);
    expect(r.processorError).toBe(true);
  });
  it('header faults do not stop the parser: later lines, the next boundary too, are read as headers of the same part', () => {
    const r = run(
      crlf('--XyZ', 'no colon here', '', 'v', '--XyZ', 'Content-Disposition: form-data; name="b"', '', 'w', '--XyZ--', ''),
    );
    expect(pairs(r.args)).toEqual([['b', 'w']]);
    expect(r.multipartMessages).toEqual([
      'Multipart: Invalid part header (colon missing): no colon here\r\n',
      'Multipart: Part missing Content-Disposition header.',
      'Multipart: Invalid part header (colon missing): v\r\n',
      'Multipart: Invalid part header (colon missing): --XyZ\r\n',
    ]);
    expect(r.error).toBe('Multipart parsing error: Multipart: Invalid part header (colon missing): --XyZ\r\n');
    expect(r.flags!.invalidPart).toBe(1);
  });
  it('a filename the crude parsers would miss ("filename =")', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name=a; filename ="x"', '', '--XyZ--'));
    expect(r.error).toBe('Multipart parsing error: Multipart: Invalid Content-Disposition header (filename).');
  });
  it('a NUL byte in part headers', () => {
    expect(run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"\0', '', 'v', '--XyZ--', '')).multipartMessages[0]).toBe(
      'Multipart: Nul byte in part headers.',
    );
  });
  it('an invalid boundary line stops the parser', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', 'v', '--XyZ x', '--XyZ--', ''));
    expect(r.error).toBe('Multipart parsing error: Multipart: Final boundary missing.');
    expect(r.flags!.strictError).toBe(1);
  });
  it('whitespace before a boundary', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', 'v', '-- XyZ--', ''));
    expect(r.flags!.strictError).toBe(1);
  });
  it('a part header line over 4096 bytes', () => {
    const r = run(
      crlf('--XyZ', `X-Long: ${'a'.repeat(5000)}`, 'Content-Disposition: form-data; name="a"', '', 'v', '--XyZ--', ''),
    );
    expect(r.flags!.strictError).toBe(1);
    expect(r.processorError).toBe(true);
  });
  it('a header name with a byte outside 33..126', () => {
    expect(
      run(crlf('--XyZ', 'Bad Name: x', 'Content-Disposition: form-data; name=a', '', 'v', '--XyZ--', '')).multipartMessages[0],
    ).toBe('Multipart: Invalid part header (contains invalid character).');
  });
  it('SecRequestBodyNoFilesLimit counts headers and fields, not files', () => {
    expect(run(simple, CT, { requestBodyNoFilesLimit: 200 }).error).toBeNull();
    const r = run(simple, CT, { requestBodyNoFilesLimit: 20 });
    expect(r.error).toBe('Request body excluding files is bigger than the maximum expected.');
    expect(r.processorError).toBe(false);
  });
});

describe('multipart: long lines', () => {
  it('a field value longer than the 4096-byte line buffer keeps every byte', () => {
    const long = 'x'.repeat(10000);
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', long, '--XyZ--', ''));
    expect(r.error).toBeNull();
    expect(t(r.args[0]!.value)).toBe(long);
  });
  it('a file with a CR at the piece edge keeps its size', () => {
    const content = `${'y'.repeat(4095)}\r\nz`;
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="f"; filename="a"', '', content, '--XyZ--', ''));
    expect(r.error).toBeNull();
    expect(r.files[0]!.size).toBe(content.length);
  });
  it('a boundary-like text after the first piece of a long line is not a boundary', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a"', '', `${'x'.repeat(4096)}--XyZ--`, '--XyZ--', ''));
    expect(r.error).toBeNull();
  });
});

describe('multipart: what libmodsecurity does where its code reads past a string', () => {
  it('an unterminated quoted name fails the part (the name is taken first)', () => {
    const r = run(crlf('--XyZ', 'Content-Disposition: form-data; name="a', '', '--XyZ--'));
    expect(r.error).toBe('Multipart parsing error: Multipart: Invalid Content-Disposition header (-12): form-data; name="a');
    expect(r.multipartNames.map(t)).toEqual(['a']);
  });
  it('a body without its final boundary gives no ARGS and no FILES', () => {
    const r = run(
      crlf(
        '--XyZ',
        'Content-Disposition: form-data; name="a"',
        '',
        'v',
        '--XyZ',
        'Content-Disposition: form-data; name="b"',
        '',
        'w',
        '',
      ),
    );
    expect(r.error).toBe('Multipart parsing error: Multipart: Final boundary missing.');
    expect(r.args).toEqual([]);
    expect(r.partHeaders.length).toBe(1);
  });
});

describe('multipart: processor selection', () => {
  it('needs a Content-Type header even when a ctl selects MULTIPART', () => {
    const r = processRequestBody(null, b('--XyZ\r\n'), {}, { processor: 'MULTIPART' });
    expect(r.error).toBeNull();
    expect(r.flags).toBeNull();
  });
  it('loses to a ctl selecting JSON or XML', () => {
    expect(processRequestBody(CT, simple, {}, { processor: 'XML' }).processor).toBe('XML');
  });
});
