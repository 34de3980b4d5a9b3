// A run: what `describe` says (status, input, result or failure, pending activities), its
// children, timers and continue-as-new chain (related.js), the actions the session's role allows,
// and the event history, which grows live through the history long-poll (`wait=true`) until the
// run closes.
import { call, can, describe, inNamespace } from './api.js';
import { el, failure, notice, payload, replace, statusBadge, table, time } from './dom.js';
import { chain, Related } from './related.js';

const OPEN = new Set(['Running', 'Paused']);
const DESCRIBE_MS = 3000;

export async function render(container, { path, params }, signal) {
  const workflowId = path.join('/');
  const base = inNamespace(`/workflows/${encodeURIComponent(workflowId)}`);
  const summary = el('section', { id: 'run-summary' });
  const status = el('div', { class: 'status-line' });
  const events = el('ol', { id: 'history', class: 'timeline' });
  container.append(
    el('p', {}, el('a', { href: '#/runs' }, '← Runs')),
    el('h1', {}, workflowId), status, summary,
    el('h2', {}, 'History'), events);

  let runId = params.get('runId');
  let description = await call(`${base}${runId ? `?runId=${encodeURIComponent(runId)}` : ''}`, { signal });
  runId = description.runId;
  const runQuery = `runId=${encodeURIComponent(runId)}`;

  async function refresh() {
    description = await call(`${base}?${runQuery}`, { signal });
    showSummary();
  }

  // The actions are rebuilt only when the status changes, so a refresh never wipes a signal
  // being typed.
  const [factsSlot, actionsSlot, detailsSlot, relatedSlot] = [el('div'), el('div'), el('div'), el('div', { id: 'run-related' })];
  summary.append(factsSlot, actionsSlot, detailsSlot, relatedSlot);
  const related = new Related();
  let shownStatus = null;
  function showSummary() {
    replace(factsSlot, header(description), chain(description));
    if (description.status !== shownStatus) replace(actionsSlot, actions(description, base, runQuery, act));
    shownStatus = description.status;
    replace(detailsSlot, details(description));
    related.takePending(description.pendingChildren, description.pendingTimers);
    showRelated();
  }
  function showRelated() {
    replace(relatedSlot, related.childrenView(), related.timersView());
  }

  /** Runs an action the person confirmed, then shows the run as it is now. */
  async function act(label, perform) {
    try {
      await perform();
      replace(status, notice(`${label}: accepted`));
      await refresh();
    } catch (error) {
      if (error.name !== 'AbortError') replace(status, notice(describe(error), 'error'));
    }
  }

  showSummary();
  // Heartbeats (an activity's progress) add no events: while the run is open, describe it again
  // every few seconds as well.
  const timer = setInterval(() => { if (OPEN.has(description.status)) refresh().catch(() => {}); }, DESCRIBE_MS);
  signal.addEventListener('abort', () => clearInterval(timer));
  try {
    await followHistory();
  } finally {
    clearInterval(timer);
  }

  /** Shows the history a page at a time, then long-polls for what comes next until the run closes. */
  async function followHistory() {
    let after = 0;
    let caughtUp = false;
    let failing = false;
    while (!signal.aborted) {
      const open = OPEN.has(description.status);
      const wait = caughtUp && open;
      let page;
      try {
        page = await call(`${base}/history?${runQuery}&afterEventId=${after}${wait ? '&wait=true' : ''}`, { signal });
      } catch (error) {
        if (error.name === 'AbortError') return;
        replace(status, notice(`${describe(error)} (trying again)`, 'error'));
        failing = true;
        await pause(3000, signal);
        continue;
      }
      if (failing) replace(status);
      failing = false;
      let changed = false;
      for (const event of page.events) {
        events.append(eventItem(event));
        changed = related.take(event) || changed;
      }
      if (changed) showRelated();
      if (page.events.length) after = page.events[page.events.length - 1].eventId;
      caughtUp = !page.nextPageToken;
      if (!caughtUp) continue;
      if (!open && page.events.length === 0) return;  // closed, and every event shown
      await refresh().catch(() => {});
    }
  }
}

function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

function header(run) {
  return el('dl', { class: 'facts' },
    fact('Status', statusBadge(run.status)),
    fact('Type', run.type),
    fact('Run ID', el('code', {}, run.runId)),
    fact('Task queue', run.taskQueue),
    fact('Started', time(run.startTime)),
    fact('Closed', time(run.closeTime)),
    fact('History', `${run.historyLength} events, ${run.historyBytes} bytes`));
}

function fact(name, value) {
  return [el('dt', {}, name), el('dd', {}, value)];
}

/** The actions the role allows on a run in this state, each behind a confirm. */
function actions(run, base, runQuery, act) {
  if (!OPEN.has(run.status)) return null;
  const bar = el('div', { class: 'actions', id: 'run-actions' });
  const post = (suffix, body) => call(`${base}${suffix}?${runQuery}`, { method: 'POST', body });
  if (can('writer')) {
    const name = el('input', { name: 'signal-name', placeholder: 'signal name', 'aria-label': 'Signal name', spellcheck: 'false' });
    const input = el('textarea', { name: 'signal-input', rows: 1, placeholder: 'input (JSON)', 'aria-label': 'Signal input', spellcheck: 'false' });
    bar.append(el('form', { class: 'signal', onsubmit: (event) => {
      event.preventDefault();
      const text = input.value.trim();
      let body = null;
      try { body = text ? JSON.parse(text) : null; } catch { return alert('The signal input is not JSON.'); }
      if (!name.value.trim() || !confirm(`Send signal "${name.value.trim()}" to ${run.workflowId}?`)) return;
      act('Signal', () => call(`${base}/signals/${encodeURIComponent(name.value.trim())}?${runQuery}`, { method: 'POST', body }));
    } }, name, input, el('button', { type: 'submit', 'data-action': 'signal' }, 'Signal')));
    bar.append(button('cancel', 'Cancel', () => confirm(`Request cancellation of ${run.workflowId}?`) && act('Cancel', () => post('/cancel'))));
  }
  if (can('operator')) {
    bar.append(button('terminate', 'Terminate', () => {
      const reason = prompt(`Terminate ${run.workflowId}? It stops at once, without compensation. Reason:`);
      if (reason !== null) act('Terminate', () => post('/terminate', { reason }));
    }));
    if (run.status === 'Paused') {
      bar.append(button('resume', 'Resume', () => confirm(`Resume ${run.workflowId}?`) && act('Resume', () => post('/resume'))));
    }
  }
  return bar.childElementCount ? bar : null;
}

function button(action, label, onclick) {
  return el('button', { type: 'button', 'data-action': action, onclick }, label);
}

function details(run) {
  const parts = [];
  for (const warning of run.warnings || []) parts.push(notice(warning, 'warning'));
  parts.push(el('h2', {}, 'Input'), payload(run.input, { 'data-field': 'input' }));
  if (run.result !== undefined && run.result !== null) parts.push(el('h2', {}, 'Result'), payload(run.result, { 'data-field': 'result' }));
  if (run.failure) parts.push(el('h2', {}, 'Failure'), el('div', { 'data-field': 'failure' }, failure(run.failure)));
  if (run.taskFailure) parts.push(el('h2', {}, 'Workflow task failure'), payload(run.taskFailure));
  if (run.pendingActivities.length) parts.push(el('h2', {}, 'Pending activities'), activities(run.pendingActivities));
  if (run.searchAttributes) parts.push(el('h2', {}, 'Search attributes'), payload(run.searchAttributes));
  if (run.memo) parts.push(el('h2', {}, 'Memo'), payload(run.memo));
  return el('div', { class: 'details' }, parts);
}

function activities(list) {
  return table(['Activity', 'Type', 'State', 'Attempt', 'Progress', 'Last failure'], list.map((a) => {
    const percent = Number(a.heartbeatDetails && a.heartbeatDetails.percent);
    const progress = Number.isFinite(percent)
      ? el('span', { class: 'progress' }, el('progress', { max: 100, value: Math.max(0, Math.min(100, percent)) }), ` ${percent.toFixed(0)}%`)
      : el('span', { class: 'muted' }, '—');
    const state = a.deadLetterId ? el('a', { href: `#/dead-letters?id=${encodeURIComponent(a.deadLetterId)}` }, `${a.state} (dead letter)`) : a.state;
    return el('tr', { 'data-activity-id': a.activityId },
      el('td', {}, a.activityId), el('td', {}, a.type), el('td', {}, state), el('td', {}, String(a.attempt)),
      el('td', {}, progress), el('td', {}, failure(a.lastFailure)));
  }), { class: 'activities' });
}

function eventItem(event) {
  const { eventId, eventTime, eventType, attributes } = event;
  const kind = /Failed|TimedOut|Terminated|DeadLettered/.test(eventType) ? 'bad' : /Completed/.test(eventType) ? 'good' : '';
  return el('li', { class: `event ${kind}`, 'data-event-type': eventType, 'data-event-id': eventId },
    el('details', {},
      el('summary', {}, el('span', { class: 'event-id' }, `#${eventId}`), ' ', el('span', { class: 'event-type' }, eventType),
        ' ', el('span', { class: 'event-hint' }, hint(attributes)), ' ', time(eventTime)),
      payload(attributes ?? {})));
}

/** A few words that tell events of one type apart: the activity type, the signal name. */
function hint(attributes) {
  if (!attributes) return '';
  const value = attributes.activityType?.name ?? attributes.activityType ?? attributes.signalName ?? attributes.timerId ?? attributes.failure?.type ?? '';
  return typeof value === 'string' ? value : '';
}
