// Runs: one page of the namespace's runs, newest first. Filters: status and type (the list
// route's own parameters), and an id prefix, a start-time range, search attributes and a list
// query typed as is, built into one `query` (listquery.js). Pages follow with nextPageToken;
// "Live" refreshes the page shown every few seconds. One list call with a small limit and no
// counts: the first page is as fast on 100,000 runs as on ten.
import { call, inNamespace } from './api.js';
import { el, notice, replace, statusBadge, table, time } from './dom.js';
import { build, splitAttribute } from './listquery.js';
import { keepFresh } from './live.js';

const PAGE_SIZE = 50;
const STATUSES = ['Running', 'Paused', 'Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut', 'ContinuedAsNew'];

/** The filters' controls, filled from the URL's parameters (`#/runs?status=…&prefix=…&sa=k%3Dv`). */
function filterControls(params) {
  const input = (name, label, attrs = {}) =>
    el('input', { name, 'aria-label': label, placeholder: label, value: params.get(name) || '', spellcheck: 'false', ...attrs });
  return {
    status: el('select', { name: 'status', 'aria-label': 'Status' },
      el('option', { value: '' }, 'any status'),
      STATUSES.map((s) => el('option', { value: s, selected: params.get('status') === s }, s))),
    type: input('type', 'workflow type'),
    prefix: input('prefix', 'workflow id prefix'),
    from: input('from', 'started from', { type: 'datetime-local', step: 1, title: 'started at or after' }),
    to: input('to', 'started until', { type: 'datetime-local', step: 1, title: 'started at or before' }),
    q: input('q', "list query, e.g. stage IN ('replied')", { class: 'wide' }),
  };
}

/** One search-attribute filter: a name and a value (`80` and `true` are typed; `"80"` is text). */
function attributeRow(name = '', value = '') {
  const row = el('span', { class: 'attribute' },
    el('input', { name: 'sa-name', 'aria-label': 'Search attribute', placeholder: 'attribute', value: name, spellcheck: 'false', size: 12 }),
    ' = ',
    el('input', { name: 'sa-value', 'aria-label': 'Attribute value', placeholder: 'value', value, spellcheck: 'false', size: 14 }));
  row.append(el('button', { type: 'button', class: 'remove', 'aria-label': 'Remove this attribute filter', onclick: () => row.remove() }, '×'));
  return row;
}

export async function render(container, { params }, signal) {
  const controls = filterControls(params);
  const attributes = el('span', { class: 'attributes' }, params.getAll('sa').map((pair) => attributeRow(...splitAttribute(pair))));
  const live = el('input', { type: 'checkbox', name: 'live', checked: params.get('live') !== '0' });
  const filters = el('form', { class: 'filters', 'aria-label': 'Filters' },
    controls.status, controls.type, controls.prefix,
    el('label', { class: 'range' }, 'started ', controls.from, ' – ', controls.to),
    attributes,
    el('button', { type: 'button', 'data-action': 'add-attribute', onclick: () => attributes.append(attributeRow()) }, '+ attribute'),
    controls.q,
    el('button', { type: 'submit' }, 'Apply'),
    el('button', { type: 'button', 'data-action': 'clear', onclick: () => { location.hash = '#/runs'; } }, 'Clear'),
    el('label', { class: 'live' }, live, ' Live'));
  const body = el('div', { id: 'runs-list' });
  const status = el('div', { class: 'status-line' });
  const shown = el('p', { class: 'muted query', id: 'runs-query' });
  container.append(el('h1', {}, 'Runs'), filters, shown, status, body);

  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, control] of Object.entries(controls)) if (control.value.trim()) next.set(name, control.value.trim());
    for (const row of attributes.querySelectorAll('.attribute')) {
      const [name, value] = [...row.querySelectorAll('input')].map((i) => i.value.trim());
      if (name) next.append('sa', `${name}=${value}`);
    }
    if (!live.checked) next.set('live', '0');
    location.hash = `#/runs?${next}`;
  });

  // What the list call asks for, from the URL (the form may hold edits not yet applied).
  const request = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (params.get('status')) request.set('status', params.get('status'));
  if (params.get('type')) request.set('type', params.get('type'));
  const query = build({
    idPrefix: params.get('prefix'), from: params.get('from'), to: params.get('to'),
    attributes: params.getAll('sa').map(splitAttribute), query: params.get('q'),
  });
  if (query) request.set('query', query);
  replace(shown, query ? ['query: ', el('code', {}, query)] : '');

  // The tokens of the pages before the one shown, to page back; `null` is the first page.
  const previous = [];
  let pageToken = null;

  const load = keepFresh(async () => {
    const asked = new URLSearchParams(request);
    if (pageToken) asked.set('pageToken', pageToken);
    // URLSearchParams writes a space as `+`, which the API reads as a plus (it decodes only
    // %-escapes): send spaces as %20. A `+` typed in a filter is already %2B.
    const page = await call(inNamespace(`/workflows?${asked.toString().replace(/\+/g, '%20')}`), { signal });
    replace(body, rows(page.workflows), pager(page.nextPageToken));
  }, { live, status, signal });

  function pager(next) {
    return el('div', { class: 'pager' },
      el('button', { type: 'button', disabled: previous.length === 0, 'data-action': 'previous-page', onclick: () => { pageToken = previous.pop(); load(); } }, '← Newer'),
      el('button', { type: 'button', disabled: !next, 'data-action': 'next-page', onclick: () => { previous.push(pageToken); pageToken = next; load(); } }, 'Older →'));
  }

  await load();
}

function rows(workflows) {
  if (workflows.length === 0) return notice('No runs match.');
  return table(['Workflow ID', 'Type', 'Status', 'Started', 'Closed'], workflows.map((run) =>
    el('tr', { 'data-workflow-id': run.workflowId },
      el('td', {}, el('a', { href: `#/run/${encodeURIComponent(run.workflowId)}?runId=${encodeURIComponent(run.runId)}` }, run.workflowId)),
      el('td', {}, run.type),
      el('td', {}, statusBadge(run.status)),
      el('td', {}, time(run.startTime)),
      el('td', {}, time(run.closeTime)))), { class: 'runs' });
}
