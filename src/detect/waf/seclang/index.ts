/**
 * SecLang, the ModSecurity rule language (the subset OWASP CRS v4 uses): the public face of
 * `src/detect/waf/seclang/`.
 */
export { ACTIONS, CTL_NAMES, SEVERITIES, splitActions, TRANSFORMATIONS } from './actions.js';
export { SecLangError, splitArguments, splitDirectives } from './lexer.js';
export { crsFiles, defaultConfig, loadSecLang, type SecInput, type SecLoadOptions } from './load.js';
export type * from './model.js';
export { MAX_PHRASES, OPERATORS, parseOperator, phrasesOf } from './operators.js';
export { idRanges, parseCtl, parseSetvar } from './parser.js';
export { COLLECTIONS, parseVariables, SCALARS } from './variables.js';
