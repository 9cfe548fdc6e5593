/**
 * SecLang transformations (`t:name`) with ModSecurity v3's byte semantics: every transformation ModSecurity v3
 * knows, by its canonical name. Names are matched without regard to case, as ModSecurity's parser does
 * (`t:base64decode` is base64Decode), and the British spellings normalisePath/normalisePathWin are accepted.
 *
 * A transformation takes bytes and returns bytes: the input array itself when nothing changes (callers may
 * compare by identity to skip work), otherwise a new array (or a view of one) made for that call.
 */
import {
  base64Decode,
  base64DecodeExt,
  cssDecode,
  escapeSeqDecode,
  hexDecode,
  htmlEntityDecode,
  jsDecode,
  sqlHexDecode,
  urlDecode,
  urlDecodeUni,
  utf8toUnicode,
} from './decode.js';
import {
  base64Encode,
  cmdLine,
  compressWhitespace,
  hexEncode,
  length,
  lowercase,
  md5,
  none,
  normalizePath,
  normalizePathWin,
  parityEven7bit,
  parityOdd7bit,
  parityZero7bit,
  removeComments,
  removeCommentsChar,
  removeNulls,
  removeWhitespace,
  replaceComments,
  replaceNulls,
  sha1,
  trim,
  trimLeft,
  trimRight,
  uppercase,
  urlEncode,
} from './text.js';

export type Transformation = (input: Uint8Array) => Uint8Array;

/** Every transformation by its canonical (ModSecurity documentation) name. */
export const TRANSFORMATIONS: Readonly<Record<string, Transformation>> = Object.freeze({
  base64Decode,
  base64DecodeExt,
  base64Encode,
  cmdLine,
  compressWhitespace,
  cssDecode,
  escapeSeqDecode,
  hexDecode,
  hexEncode,
  htmlEntityDecode,
  jsDecode,
  length,
  lowercase,
  md5,
  none,
  normalizePath,
  normalizePathWin,
  parityEven7bit,
  parityOdd7bit,
  parityZero7bit,
  removeComments,
  removeCommentsChar,
  removeNulls,
  removeWhitespace,
  replaceComments,
  replaceNulls,
  sha1,
  sqlHexDecode,
  trim,
  trimLeft,
  trimRight,
  uppercase,
  urlDecode,
  urlDecodeUni,
  urlEncode,
  utf8toUnicode,
});

const BY_LOWER = new Map<string, string>();
for (const name of Object.keys(TRANSFORMATIONS)) BY_LOWER.set(name.toLowerCase(), name);
BY_LOWER.set('normalisepath', 'normalizePath');
BY_LOWER.set('normalisepathwin', 'normalizePathWin');

/** The canonical name of a transformation (`t:` prefix allowed, any case), or null when ModSecurity has none such. */
export function transformationName(name: string): string | null {
  const bare = name.length > 2 && (name[0] === 't' || name[0] === 'T') && name[1] === ':' ? name.slice(2) : name;
  return BY_LOWER.get(bare.toLowerCase()) ?? null;
}

/** The transformation of that name (any case, `t:` prefix allowed), or null. */
export function lookupTransformation(name: string): Transformation | null {
  const canonical = transformationName(name);
  return canonical === null ? null : TRANSFORMATIONS[canonical]!;
}

/**
 * Resolves a list of names into functions once (for a rule, at load time). `none` empties the list so far, as
 * it does in a rule's `t:` actions. Throws on a name ModSecurity does not know: a loader should have refused it.
 */
export function compileTransforms(names: readonly string[]): Transformation[] {
  const chain: Transformation[] = [];
  for (const name of names) {
    const fn = lookupTransformation(name);
    if (fn === null) throw new Error(`unknown transformation ${JSON.stringify(name)}`);
    if (fn === none) chain.length = 0;
    else chain.push(fn);
  }
  return chain;
}

/** Runs `names` in order over `input` (`none` resets the chain, as in a rule). */
export function applyTransforms(names: readonly string[] | readonly Transformation[], input: Uint8Array): Uint8Array {
  const chain =
    names.length > 0 && typeof names[0] === 'string' ? compileTransforms(names as string[]) : (names as Transformation[]);
  let v = input;
  for (const fn of chain) v = fn(v);
  return v;
}

export {
  base64Decode,
  base64DecodeExt,
  base64Encode,
  cmdLine,
  compressWhitespace,
  cssDecode,
  escapeSeqDecode,
  hexDecode,
  hexEncode,
  htmlEntityDecode,
  jsDecode,
  length,
  lowercase,
  md5,
  none,
  normalizePath,
  normalizePathWin,
  parityEven7bit,
  parityOdd7bit,
  parityZero7bit,
  removeComments,
  removeCommentsChar,
  removeNulls,
  removeWhitespace,
  replaceComments,
  replaceNulls,
  sha1,
  sqlHexDecode,
  trim,
  trimLeft,
  trimRight,
  uppercase,
  urlDecode,
  urlDecodeUni,
  urlEncode,
  utf8toUnicode,
};
