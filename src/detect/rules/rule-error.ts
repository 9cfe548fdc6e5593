/**
 * Why one rule was refused. Thrown inside the parser and caught by the loader (load.ts), which turns it into a
 * line of the load report; `parseRule` turns it into a `NetsieveError` with code `NS_ERR_RULE` for callers.
 */

/**
 * The kind of refusal, for the report's counts ("top refusal reasons"): a rule set that fails mostly on
 * `unsupported-keyword` needs new keywords, one that fails on `invalid-value` has bad rules.
 */
export type RuleErrorKind =
  | 'syntax'
  | 'unknown-keyword'
  | 'unsupported-keyword'
  | 'invalid-value'
  | 'unsupported-protocol'
  | 'unsupported-buffer'
  | 'undefined-variable'
  | 'duplicate'
  | 'too-large';

export class RuleError extends Error {
  readonly kind: RuleErrorKind;
  /** The keyword at fault, when one is. */
  readonly keyword: string | undefined;

  constructor(kind: RuleErrorKind, message: string, keyword?: string) {
    super(message);
    this.name = 'RuleError';
    this.kind = kind;
    this.keyword = keyword;
  }
}

/** A refusal about one keyword's value: `keyword "depth": ...`. */
export function badValue(keyword: string, message: string): RuleError {
  return new RuleError('invalid-value', `${keyword}: ${message}`, keyword);
}
