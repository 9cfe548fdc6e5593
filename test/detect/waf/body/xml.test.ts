import { describe, expect, it } from 'vitest';
import { parseXml, processRequestBody } from '../../../../src/detect/waf/body/index.js';
import { b, utf8 } from './helpers.js';

const x = (s: string) => parseXml(new TextEncoder().encode(s));

describe('XML: text for XML:/* and attributes for XML://@*', () => {
  it('concatenates all text and CDATA under the root, without comments, PIs or attributes', () => {
    const r = x('<?xml version="1.0"?><!-- c --><a k="v">x<b>y<![CDATA[<z>]]></b><!-- n --><?pi d?>w</a>\n');
    expect(r.error).toBeNull();
    expect(utf8(r.text!)).toBe('xy<z>w');
    expect(r.attributes.map((a) => [utf8(a.name), utf8(a.value)])).toEqual([['k', 'v']]);
  });
  it('expands predefined, character and internal entities', () => {
    const r = x('<!DOCTYPE a [<!ENTITY e "E&amp;">]><a t="&lt;&#x41;">&lt;&#65;&e;&gt;</a>');
    expect(r.error).toBeNull();
    expect(utf8(r.text!)).toBe('<AE&>');
    expect(utf8(r.attributes[0]!.value)).toBe('<A');
  });
  it('normalises line ends and attribute whitespace, and leaves out xmlns declarations', () => {
    const r = x('<a xmlns="u" xmlns:p="v" p:q="1\t2\r\n3">l1\r\nl2\rl3</a>');
    expect(r.error).toBeNull();
    expect(utf8(r.text!)).toBe('l1\nl2\nl3');
    expect(r.attributes.map((a) => utf8(a.value))).toEqual(['1 2 3']);
  });
  it('never loads external entities', () => {
    const r = x('<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>');
    expect(r.error).toBeNull();
    expect(utf8(r.text!)).toBe('');
  });
  it('accepts a BOM, UTF-16 and a declared single-byte encoding', () => {
    expect(utf8(parseXml(Uint8Array.of(0xef, 0xbb, 0xbf, ...b('<a>x</a>'))).text!)).toBe('x');
    const u16 = new Uint8Array(Buffer.from('\ufeff<a>\u00e9</a>', 'utf16le'));
    expect(utf8(parseXml(u16).text!)).toBe('\u00e9');
    expect(utf8(parseXml(b('<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>')).text!)).toBe('\u00e9');
  });
});

describe('XML well-formedness (libxml2 fatal errors)', () => {
  it.each([
    [''],
    ['   '],
    ['text'],
    ['<a>'],
    ['<a></b>'],
    ['<a><b></a></b>'],
    ['<a/><b/>'],
    ['<a/>x'],
    ['<a x=1/>'],
    ['<a x="1" x="2"/>'],
    ['<a x="1"y="2"/>'],
    ['<a x="<"/>'],
    ['<a>&undefined;</a>'],
    ['<a>&#0;</a>'],
    ['<a>&#xD800;</a>'],
    ['<a>]]></a>'],
    ['<a><!-- a -- b --></a>'],
    ['<a>\x01</a>'],
    ['<a>\xff</a>'],
    ['<a><?xml version="1.0"?></a>'],
    ['<?xml encoding="utf-8"?><a/>'],
    ['<1a/>'],
    ['<a><![CDATA[x</a>'],
    ['<!DOCTYPE a [<!ENTITY e "&e;">]><a>&e;</a>'],
  ])('%j is not well formed', (src) => {
    expect(parseXml(b(src)).error).not.toBeNull();
  });
  it('tolerates undeclared entities when the DTD has an external subset', () => {
    expect(x('<!DOCTYPE a SYSTEM "a.dtd"><a>&u;</a>').error).toBeNull();
  });
  it('accepts undeclared namespace prefixes (libxml2: namespace error, still well formed)', () => {
    expect(x('<p:a q:b="1"/>').error).toBeNull();
  });
  it('bounds nesting at 256 (libxml2 without XML_PARSE_HUGE)', () => {
    expect(x(`${'<a>'.repeat(256)}${'</a>'.repeat(256)}`).error).toBeNull();
    expect(x(`${'<a>'.repeat(257)}${'</a>'.repeat(257)}`).error).toContain('Excessive depth');
  });
  it('bounds entity expansion (billion laughs)', () => {
    let dtd = '<!ENTITY l0 "ha">';
    for (let i = 1; i < 12; i++) dtd += `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`;
    const r = x(`<!DOCTYPE a [${dtd}]><a>&l11;</a>`);
    expect(r.error).not.toBeNull();
  });
});

describe('processRequestBody with XML', () => {
  it('gives ModSecurity message and REQBODY_PROCESSOR_ERROR, with netsieve reason in detail', () => {
    const r = processRequestBody('text/xml', b('<a>'), {}, { processor: 'XML' });
    expect(r.error).toBe('XML parsing error: XML: Failed parsing document.');
    expect(r.processorError).toBe(true);
    expect(r.detail).toContain('Premature end of data');
  });
  it('takes an empty body as an error (unlike JSON)', () => {
    expect(processRequestBody('text/xml', b(''), {}, { processor: 'XML' }).error).not.toBeNull();
  });
  it('returns the text and attributes', () => {
    const r = processRequestBody('application/soap+xml', b('<a i="1">t</a>'), {}, { processor: 'XML' });
    expect(utf8(r.xml!.text!)).toBe('t');
    expect(r.xml!.attributes.length).toBe(1);
  });
  it('applies SecRequestBodyNoFilesLimit before parsing', () => {
    const r = processRequestBody('text/xml', b('<a>t</a>'), { requestBodyNoFilesLimit: 3 }, { processor: 'XML' });
    expect(r.error).toBe('Request body excluding files is bigger than the maximum expected.');
    expect(r.processorError).toBe(false);
  });
});

describe('XML entity declarations', () => {
  it('refuses a bare & in an entity value, and an entity holding < in an attribute', () => {
    expect(x('<!DOCTYPE a [<!ENTITY e "x&;y">]><a/>').error).toContain('EntityValue');
    expect(x('<!DOCTYPE a [<!ENTITY e "<b/>">]><a k="&e;"/>').error).toContain('not allowed in attributes');
    expect(utf8(x('<!DOCTYPE a [<!ENTITY e "<b>t</b>">]><a>&e;</a>').text!)).toBe('t');
  });
  it('keeps a character reference to a tab in an attribute value', () => {
    expect(utf8(x('<a k="1&#9;2"/>').attributes[0]!.value)).toBe('1\t2');
  });
});

describe('XML: a document that is not well formed still has its partial tree (ModSecurity reads it)', () => {
  it('keeps the text and the complete start tags up to the fault', () => {
    const r = x("<a k='1'><b c='2'>x &undefined; y</b></a>");
    expect(r.error).not.toBeNull();
    expect(utf8(r.text!)).toBe('x ');
    expect(r.attributes.map((a) => utf8(a.value))).toEqual(['1', '2']);
  });
  it('leaves out an element whose start tag fails', () => {
    const r = x("<a k='1'><b c='2' d>t</b></a>");
    expect(r.attributes.map((a) => utf8(a.value))).toEqual(['1']);
    expect(x("<a k='1' d>t</a>").text).toBeNull();
  });
  it('keeps the text before a bad UTF-8 sequence', () => {
    const r = parseXml(Uint8Array.of(...b('<a>ok'), 0xff, ...b('</a>')));
    expect(r.error).toContain('UTF-8');
    expect(utf8(r.text!)).toBe('ok');
  });
});

describe('XML: libxml2 push-parser details', () => {
  it('leaves a last text of one byte unread in a document cut short, and reads a longer one', () => {
    expect(utf8(x('<a><b>t</b>z').text!)).toBe('t');
    expect(utf8(x('<a><b>t</b>zz').text!)).toBe('tzz');
  });
  it('keeps CR in CDATA sections, normalises it in text', () => {
    expect(utf8(x('<a>1\r\n2<![CDATA[3\r4]]></a>').text!)).toBe('1\n23\r4');
  });
  it('parses markup in an entity replacement text, and refuses an unbalanced one', () => {
    expect(utf8(x('<!DOCTYPE a [<!ENTITY e "<b>x</b>y">]><a>&e;</a>').text!)).toBe('xy');
    expect(x('<!DOCTYPE a [<!ENTITY e "x<">]><a>&e;</a>').error).not.toBeNull();
    expect(x('<!DOCTYPE a [<!ENTITY e "<b>&e;</b>">]><a>&e;</a>').error).not.toBeNull();
  });
  it('takes an internal subset after the DOCTYPE closing bracket', () => {
    expect(utf8(x('<!DOCTYPE a >[<!ENTITY e "E">]><a>&e;</a>').text!)).toBe('E');
  });
});
