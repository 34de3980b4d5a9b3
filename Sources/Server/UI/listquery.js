// The runs view's filters as a list query (docs/api.md, List queries): every value the person
// typed is quoted here, its quotes and backslashes escaped, so a value is always one string of
// the query and never more of it. The query goes to the API as a URL parameter, never into the page.

const KEYWORDS = new Set(['and', 'or', 'in', 'starts_with', 'true', 'false']);

/** A string literal: `'…'` with `\` and `'` escaped by a backslash, as the query's lexer reads them. */
export function quote(value) {
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An attribute name: bare when it is a plain identifier, else in backticks, escaped the same way. */
export function field(name) {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toLowerCase())) return name;
  return `\`${String(name).replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** A search attribute's value as typed: a number, `true` or `false` as such (attributes compare by
 * type), text in double quotes as that text, and anything else as text. */
export function literal(text) {
  const value = String(text).trim();
  if (/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(value) || value === 'true' || value === 'false') return value;
  const quoted = /^"(.*)"$/s.exec(value);
  return quote(quoted ? quoted[1] : value);
}

/** A `datetime-local` value (the browser's local time) as ISO 8601 in UTC; `null` when empty or invalid. */
export function instant(local) {
  if (!local) return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** `name=value` as the URL keeps one attribute filter: split at the first `=`. */
export function splitAttribute(text) {
  const at = text.indexOf('=');
  return at < 0 ? [text.trim(), ''] : [text.slice(0, at).trim(), text.slice(at + 1).trim()];
}

/**
 * The filters as one query, their terms joined by AND; '' when there are none.
 * `filters`: `{idPrefix, from, to, attributes: [[name, value]…], query}` (`query` is a list query
 * typed as is, kept in parentheses).
 */
export function build({ idPrefix, from, to, attributes = [], query }) {
  const terms = [];
  if (idPrefix) terms.push(`WorkflowId STARTS_WITH ${quote(idPrefix)}`);
  const after = instant(from);
  if (after) terms.push(`StartTime >= ${quote(after)}`);
  const before = instant(to);
  if (before) terms.push(`StartTime <= ${quote(before)}`);
  for (const [name, value] of attributes) if (name) terms.push(`${field(name)} = ${literal(value)}`);
  if (query && query.trim()) terms.push(`(${query.trim()})`);
  return terms.join(' AND ');
}
