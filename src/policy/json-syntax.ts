/**
 * Where a JSON text stops being JSON, for a policy file's error message. Node 20's `JSON.parse` names the
 * offending character but often not its position ("Unexpected token '}', ... is not valid JSON"), and a person
 * fixing a hand-written policy needs the line and column. This scanner is only run after `JSON.parse` has
 * failed, so it follows RFC 8259's grammar and nothing more. It keeps its own stack of open containers rather
 * than recursing, so a hostile file of a million `[` cannot overflow the call stack.
 */

/** The first syntax error in `text`: its offset (UTF-16 units), 1-based line and column, and what was wrong. */
export interface JsonSyntaxError {
  offset: number;
  line: number;
  column: number;
  message: string;
}

type Want = 'value' | 'value-or-]' | 'key-or-}' | 'key' | ':' | ',-or-}' | ',-or-]' | 'end';

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** The first syntax error of `text`, or null when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  const stack: string[] = [];
  let want: Want = 'value';
  let i = 0;
  const fail = (offset: number, message: string): JsonSyntaxError => ({ offset, ...lineColumn(text, offset), message });
  const afterValue = (): Want => {
    const top = stack[stack.length - 1];
    return top === undefined ? 'end' : top === '{' ? ',-or-}' : ',-or-]';
  };
  for (;;) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    if (i >= text.length) return want === 'end' ? null : fail(i, 'the text ends before the JSON does');
    const c = text[i]!;
    const unexpected = (expected: string) => fail(i, `${JSON.stringify(c)} where ${expected} was expected`);
    switch (want) {
      case 'value-or-]':
      case 'value':
        if (c === ']' && want === 'value-or-]') {
          stack.pop();
          i++;
          want = afterValue();
        } else if (c === '{' || c === '[') {
          stack.push(c);
          i++;
          want = c === '{' ? 'key-or-}' : 'value-or-]';
        } else if (c === '"') {
          const end = scanString(text, i);
          if (typeof end !== 'number') return fail(end.offset, end.message);
          i = end;
          want = afterValue();
        } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
          i += 4;
          want = afterValue();
        } else if (text.startsWith('false', i)) {
          i += 5;
          want = afterValue();
        } else {
          NUMBER.lastIndex = i;
          if (!NUMBER.test(text)) return unexpected('a value');
          i = NUMBER.lastIndex;
          want = afterValue();
        }
        break;
      case 'key-or-}':
      case 'key':
        if (c === '}' && want === 'key-or-}') {
          stack.pop();
          i++;
          want = afterValue();
        } else if (c === '"') {
          const end = scanString(text, i);
          if (typeof end !== 'number') return fail(end.offset, end.message);
          i = end;
          want = ':';
        } else return unexpected(want === 'key' ? 'a "quoted" key (no comma after the last member)' : 'a "quoted" key or }');
        break;
      case ':':
        if (c !== ':') return unexpected('":"');
        i++;
        want = 'value';
        break;
      case ',-or-}':
      case ',-or-]': {
        const close: string = want === ',-or-}' ? '}' : ']';
        if (c === ',') {
          i++;
          want = close === '}' ? 'key' : 'value';
        } else if (c === close) {
          stack.pop();
          i++;
          want = afterValue();
        } else return unexpected(`"," or "${close}"`);
        break;
      }
      case 'end':
        return fail(i, `${JSON.stringify(c)} after the end of the JSON value`);
    }
  }
}

/** The offset just past the string starting at `start` (a `"`), or where and why it is not a JSON string. */
function scanString(text: string, start: number): number | { offset: number; message: string } {
  let i = start + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20) return { offset: i, message: 'a control character (a line break or tab) inside a string: write \\n or \\t' };
    if (code === 0x5c) {
      const e = text[i + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return { offset: i, message: '\\u needs four hex digits' };
        i += 6;
        continue;
      }
      if (e === undefined || !'"\\/bfnrt'.includes(e))
        return { offset: i, message: `${JSON.stringify(`\\${e ?? ''}`)} is not a JSON escape` };
      i += 2;
      continue;
    }
    i++;
  }
  return { offset: start, message: 'a string that is never closed' };
}

/** 1-based line and column of `offset`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
