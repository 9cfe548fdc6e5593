/**
 * Options of the template module (`app.protocols.template`). Flat numbers, booleans and strings: the
 * registry checks a caller's values against these defaults by type and refuses unknown keys. Every buffer
 * and queue the parser keeps has its cap here, and hitting it raises the anomaly named beside it.
 */
export interface TemplateOptions {
  /** Longest line kept, in bytes. Default 1024. Longer: cut (`template.line_too_long`). */
  maxLineBytes: number;
  /** Client lines awaiting their answer. Default 32. Beyond: `template.too_many_pending`. */
  maxPending: number;
}

export const TEMPLATE_DEFAULTS: Readonly<TemplateOptions> = Object.freeze({
  maxLineBytes: 1024,
  maxPending: 32,
});

/** One line per option (the config reference, the JSON schema and `netsieve protocols` show these). */
export const TEMPLATE_OPTION_DOCS: { readonly [K in keyof TemplateOptions]: string } = {
  maxLineBytes: 'Longest line kept, in bytes (longer: cut, template.line_too_long)',
  maxPending: 'Client lines awaiting their answer (beyond: the oldest is emitted unanswered)',
};
