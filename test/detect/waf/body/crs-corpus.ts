/**
 * Reads the request bodies of CRS's go-ftw regression tests (a small line-based reader of the YAML
 * subset those files use: `data:` as a plain, quoted or block scalar, `headers:` maps, `expect_ids`).
 * Test support only; the go-ftw loader proper belongs to test/detect/waf/ftw/.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface CrsBodyStage {
  file: string;
  testId: string;
  headers: Record<string, string>;
  data: string;
  expectIds: number[];
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function unquoteDouble(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_m, e: string) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case '0':
        return '\0';
      case 'x':
      case 'u':
      case 'U':
        return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
      default:
        return e;
    }
  });
}

/** A scalar that starts on this line after `key:`; block scalars read the following lines. */
function scalar(lines: string[], i: number, rest: string, keyIndent: number): { value: string; next: number } {
  const r = rest.trim();
  if (r.startsWith('|') || r.startsWith('>')) {
    const strip = r.includes('-');
    const out: string[] = [];
    let j = i + 1;
    let blockIndent = -1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (l.trim() === '') {
        out.push('');
        continue;
      }
      const ind = indentOf(l);
      if (ind <= keyIndent) break;
      if (blockIndent < 0) blockIndent = ind;
      out.push(l.slice(Math.min(blockIndent, ind)));
    }
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    let value = r.startsWith('>') ? out.join(' ') : out.join('\n');
    if (!strip) value += '\n';
    return { value, next: j };
  }
  if (r.startsWith('"')) return { value: unquoteDouble(r.slice(1, r.lastIndexOf('"'))), next: i + 1 };
  if (r.startsWith("'")) return { value: r.slice(1, r.lastIndexOf("'")).replace(/''/g, "'"), next: i + 1 };
  return { value: r, next: i + 1 };
}

function walk(dir: string, out: string[]): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.yaml')) out.push(p);
  }
}

/** Every stage with a `data:` field. */
export function crsBodyStages(testsDir: string): CrsBodyStage[] {
  const files: string[] = [];
  walk(testsDir, files);
  const stages: CrsBodyStage[] = [];
  for (const file of files.sort()) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    let testId = '';
    let cur: CrsBodyStage | null = null;
    let headersIndent = -1;
    const flush = () => {
      if (cur !== null && cur.data !== '') stages.push(cur);
      cur = null;
    };
    for (let i = 0; i < lines.length; ) {
      const line = lines[i]!;
      const m = /^(\s*)(- )?([A-Za-z_][\w-]*):(.*)$/.exec(line);
      if (m === null) {
        i++;
        continue;
      }
      const ind = m[1]!.length + (m[2] ? 2 : 0);
      const key = m[3]!;
      const rest = m[4]!;
      if (headersIndent >= 0 && ind > headersIndent && cur !== null) {
        (cur as CrsBodyStage).headers[key] = scalar(lines, i, rest, ind).value;
        i++;
        continue;
      }
      headersIndent = -1;
      if (key === 'test_id') {
        flush();
        testId = rest.trim();
      } else if (key === 'input') {
        flush();
        cur = { file: path.relative(testsDir, file), testId, headers: {}, data: '', expectIds: [] };
      } else if (key === 'headers' && cur !== null) {
        headersIndent = ind;
      } else if (key === 'data' && cur !== null) {
        const s = scalar(lines, i, rest, ind);
        (cur as CrsBodyStage).data = s.value;
        i = s.next;
        continue;
      } else if (key === 'expect_ids' && cur !== null) {
        (cur as CrsBodyStage).expectIds = Array.from(rest.matchAll(/\d+/g), (x) => Number(x[0]));
      }
      i++;
    }
    flush();
  }
  return stages;
}
