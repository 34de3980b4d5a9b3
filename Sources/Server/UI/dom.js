// DOM helpers. Data reaches the page only as text: `el` sets children with textContent or
// appends nodes, never markup, so a payload holding `<script>` shows as those characters.

/** Makes an element: `attrs` are attributes (or `on…` listeners), `children` strings or nodes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/** An SVG element, for the charts. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces a node's children. */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A payload (any JSON value) as an indented block of text. */
export function payload(value, attrs = {}) {
  const text = value === undefined || value === null ? '—' : JSON.stringify(value, null, 2);
  return el('pre', { class: 'payload', ...attrs }, text);
}

/** A time as the browser's locale shows it, with the ISO text as a tooltip. */
export function time(iso) {
  if (!iso) return el('span', { class: 'muted' }, '—');
  return el('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString());
}

/** A run status as a coloured badge. */
export function statusBadge(status) {
  return el('span', { class: `badge status-${String(status).toLowerCase()}`, 'data-status': status }, status);
}

/** A failure: its type and message, its details, and its causes. */
export function failure(value) {
  if (!value) return el('span', { class: 'muted' }, '—');
  const block = el('div', { class: 'failure' },
    el('div', { class: 'failure-head' }, el('strong', {}, value.type || 'Failure'), ': ', value.message || ''));
  if (value.details !== undefined && value.details !== null) block.append(payload(value.details, { 'data-field': 'failure-details' }));
  if (value.cause) block.append(el('div', { class: 'cause' }, 'caused by ', failure(value.cause)));
  return block;
}

/** A message in the view's status line; `kind` is `error` or `info`. */
export function notice(text, kind = 'info') {
  return el('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/** A table with a header row and one row per item. */
export function table(headers, rows, attrs = {}) {
  return el('table', attrs,
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows));
}
