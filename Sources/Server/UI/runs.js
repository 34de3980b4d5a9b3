// Runs: one page of the namespace's runs, newest first, filtered by status and type; pages
// follow with nextPageToken; "Live" refreshes the page shown every few seconds. One list call
// with a small limit, and no counts: the first page is as fast on 100,000 runs as on ten.
import { call, describe, inNamespace } from './api.js';
import { el, notice, replace, statusBadge, table, time } from './dom.js';

const PAGE_SIZE = 50;
const REFRESH_MS = 3000;
const STATUSES = ['Running', 'Paused', 'Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut'];

/** The filters the list route takes, as `[query parameter, control]`. More (id prefix, time, search
 * attributes) join here when the list route takes them. */
function filterControls(params) {
  const status = el('select', { name: 'status', 'aria-label': 'Status' },
    el('option', { value: '' }, 'any status'),
    STATUSES.map((s) => el('option', { value: s, selected: params.get('status') === s }, s)));
  const type = el('input', { name: 'type', placeholder: 'workflow type', value: params.get('type') || '', 'aria-label': 'Type', spellcheck: 'false' });
  return [['status', status], ['type', type]];
}

export async function render(container, { params }, signal) {
  const controls = filterControls(params);
  const live = el('input', { type: 'checkbox', name: 'live', checked: params.get('live') !== '0' });
  const filters = el('form', { class: 'filters', 'aria-label': 'Filters' },
    controls.map(([, control]) => control),
    el('button', { type: 'submit' }, 'Apply'),
    el('label', { class: 'live' }, live, ' Live'));
  const body = el('div', { id: 'runs-list' });
  const status = el('div', { class: 'status-line' });
  container.append(el('h1', {}, 'Runs'), filters, status, body);

  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [name, control] of controls) if (control.value.trim()) query.set(name, control.value.trim());
    if (!live.checked) query.set('live', '0');
    location.hash = `#/runs?${query}`;
  });

  // The tokens of the pages before the one shown, to page back; `null` is the first page.
  const previous = [];
  let pageToken = null;
  let timer = null;

  async function load() {
    clearTimeout(timer);
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const [name, control] of controls) if (params.get(name)) query.set(name, params.get(name));
    if (pageToken) query.set('pageToken', pageToken);
    try {
      const page = await call(inNamespace(`/workflows?${query}`), { signal });
      replace(body, rows(page.workflows), pager(page.nextPageToken));
      replace(status, el('span', { class: 'muted' }, `updated ${new Date().toLocaleTimeString()}`));
    } catch (error) {
      if (error.name === 'AbortError') return;
      replace(status, notice(describe(error), 'error'));
    }
    if (live.checked && !signal.aborted) timer = setTimeout(load, REFRESH_MS);
  }

  function pager(next) {
    return el('div', { class: 'pager' },
      el('button', { type: 'button', disabled: previous.length === 0, onclick: () => { pageToken = previous.pop(); load(); } }, '← Newer'),
      el('button', { type: 'button', disabled: !next, 'data-action': 'next-page', onclick: () => { previous.push(pageToken); pageToken = next; load(); } }, 'Older →'));
  }

  live.addEventListener('change', () => load());
  signal.addEventListener('abort', () => clearTimeout(timer));
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
