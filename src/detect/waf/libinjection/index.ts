/**
 * netsieve's implementation of libinjection's semantics: `@detectSQLi` (sqli.ts: tokenizer, folding,
 * fingerprint set, false-positive rules) and `@detectXSS` (xss.ts over the HTML5 tokenizer of html5.ts).
 * data.ts holds libinjection's keyword table, fingerprint set and XSS lists, with its BSD licence.
 */
export { detectSqli, detectSqliString, isAttackFingerprint, type SqliResult, sqliFingerprint, sqliTokenLines } from './sqli.js';
export { detectXss, html5Tokens, type XssEventHandlers, type XssOptions } from './xss.js';
export { Html5Start, Html5Token } from './html5.js';
