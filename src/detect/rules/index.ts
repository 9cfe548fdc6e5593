/**
 * The Suricata rule language: the public face of `src/detect/rules/` (the detection stage imports from here).
 */
export { AddressMatcher, compileAddress, compilePorts, PortMatcher } from './address.js';
export { BUFFERS, type BufferSpec, CONTENT_MODIFIERS, DEFAULT_BUFFER, PCRE_BUFFER_FLAGS, STICKY_ALIASES } from './buffers.js';
export { builtInClasstypes, type Classtype, parseClassificationConfig } from './classification.js';
export { patternStrength, selectFastPattern } from './fast-pattern.js';
export { splitRules } from './lexer.js';
export {
  formatFailure,
  type LoadOptions,
  type LoadResult,
  type LoadStats,
  loadRules,
  parseRule,
  type RuleFailure,
  type RuleInput,
} from './load.js';
export type * from './model.js';
export { DLP_SENSORS } from './parser.js';
export { RuleError, type RuleErrorKind } from './rule-error.js';
export { testNumber } from './values.js';
export { DEFAULT_ADDRESS_VARS, DEFAULT_PORT_VARS } from './vars.js';
