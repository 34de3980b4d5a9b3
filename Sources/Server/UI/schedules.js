// Schedules: the namespace's schedules (`GET …/schedules`, a page at a time), one schedule's
// spec, action, state and recent runs, and an operator's pause, unpause and trigger, each confirmed.
import { call, can, describe, inNamespace } from './api.js';
import { el, notice, payload, replace, table, time } from './dom.js';
import { runLink } from './related.js';

const PAGE_SIZE = 100;

export async function render(container, { params }, signal) {
  const chosen = params.get('id');
  const list = el('div', { id: 'schedules-list' });
  const detail = el('section', { id: 'schedule' });
  container.append(el('h1', {}, 'Schedules'), list, detail);

  const tokens = [];
  async function page(token) {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (token) query.set('pageToken', token);
    const { schedules, nextPageToken } = await call(inNamespace(`/schedules?${query}`), { signal });
    replace(list, schedules.length === 0 && !token ? notice('No schedules. `reprise schedule create` makes one.') :
      table(['Schedule', 'Workflow type', 'Spec', 'State', 'Next run', 'Runs'], schedules.map((s) =>
        el('tr', { 'data-schedule-id': s.scheduleId, class: s.scheduleId === chosen ? 'selected' : '' },
          el('td', {}, el('a', { href: `#/schedules?id=${encodeURIComponent(s.scheduleId)}` }, s.scheduleId)),
          el('td', {}, s.action.type),
          el('td', {}, specText(s.spec)),
          el('td', { 'data-field': 'state' }, s.state.paused ? 'Paused' : 'Active'),
          el('td', {}, time(s.info.nextActionTimes[0])),
          el('td', {}, String(s.info.actionCount)))), { class: 'schedules' }),
      el('div', { class: 'pager' },
        el('button', { type: 'button', disabled: tokens.length === 0, onclick: () => { tokens.pop(); page(tokens[tokens.length - 1]); } }, '← Back'),
        el('button', { type: 'button', disabled: !nextPageToken, onclick: () => { tokens.push(nextPageToken); page(nextPageToken); } }, 'More →')));
  }
  /** Shows the chosen schedule as it is now, with a message about what was just done to it. */
  async function show(message) {
    const schedule = await call(inNamespace(`/schedules/${encodeURIComponent(chosen)}`), { signal });
    replace(detail, scheduleView(schedule, async (said) => {
      await Promise.all([page(tokens[tokens.length - 1]), show(said)]);
    }));
    if (message) replace(detail.querySelector('.status-line'), notice(message));
  }
  await page(null);
  if (chosen) await show(null);
}

/** A spec in a line: its cron expressions and interval, and the zone. */
function specText(spec) {
  const parts = [...(spec.cron || []).map((c) => `cron ${c}`)];
  if (spec.interval !== undefined && spec.interval !== null) parts.push(`every ${typeof spec.interval === 'number' ? `${spec.interval} s` : spec.interval}`);
  if (spec.timezone) parts.push(spec.timezone);
  return parts.join(', ') || '—';
}

function scheduleView(schedule, after) {
  const { info, state } = schedule;
  const status = el('div', { class: 'status-line' });
  const recent = [...info.recentActions].reverse();
  return [
    el('h2', {}, schedule.scheduleId),
    el('dl', { class: 'facts' },
      el('dt', {}, 'State'), el('dd', { 'data-field': 'schedule-state' }, state.paused ? 'Paused' : 'Active'),
      el('dt', {}, 'Note'), el('dd', {}, state.note || '—'),
      el('dt', {}, 'Spec'), el('dd', {}, specText(schedule.spec)),
      el('dt', {}, 'Workflow'), el('dd', {}, `${schedule.action.type} on ${schedule.action.taskQueue || 'the default queue'}`),
      el('dt', {}, 'Overlap'), el('dd', {}, schedule.overlapPolicy),
      el('dt', {}, 'Catch-up window'), el('dd', {}, `${schedule.catchupWindow} s`),
      el('dt', {}, 'Next runs'), el('dd', {}, info.nextActionTimes.length ? info.nextActionTimes.slice(0, 5).map((t) => el('div', {}, time(t))) : '—'),
      el('dt', {}, 'Actions taken'), el('dd', {}, `${info.actionCount} (${info.overlapSkipped} skipped for overlap, ${info.missedCatchupWindow} missed)`),
      el('dt', {}, 'Created'), el('dd', {}, time(info.createTime))),
    actions(schedule, status, after),
    status,
    el('h3', {}, 'Input'), payload(schedule.action.input, { 'data-field': 'schedule-input' }),
    el('h3', {}, 'Recent runs'),
    recent.length === 0 ? notice('No runs yet.') : table(['Workflow ID', 'Scheduled for', 'Started'], recent.map((a) =>
      el('tr', { 'data-workflow-id': a.workflowId },
        el('td', {}, runLink(a.workflowId, a.runId)), el('td', {}, time(a.scheduledTime)), el('td', {}, time(a.actualTime)))), { class: 'recent' }),
  ];
}

/** Pause or unpause, and trigger: an operator's, each confirmed; nothing for other roles.
 * `after(message)` shows the schedule again, as the action left it. */
function actions(schedule, status, after) {
  if (!can('operator')) return null;
  const id = schedule.scheduleId;
  const act = async (action, body, done) => {
    try {
      const answer = await call(inNamespace(`/schedules/${encodeURIComponent(id)}/${action}`), { method: 'POST', body });
      await after(done(answer));
    } catch (error) {
      if (error.name !== 'AbortError') replace(status, notice(describe(error), 'error'));
    }
  };
  return el('div', { class: 'actions', id: 'schedule-actions' },
    schedule.state.paused
      ? el('button', { type: 'button', 'data-action': 'unpause', onclick: () => {
        const note = prompt(`Unpause ${id}? Its runs start again at their times. Note (optional):`, '');
        if (note !== null) act('unpause', { note }, () => 'Unpaused.');
      } }, 'Unpause')
      : el('button', { type: 'button', 'data-action': 'pause', onclick: () => {
        const note = prompt(`Pause ${id}? No run starts until it is unpaused. Note (optional):`, '');
        if (note !== null) act('pause', { note }, () => 'Paused.');
      } }, 'Pause'),
    el('button', { type: 'button', 'data-action': 'trigger', onclick: () => {
      if (confirm(`Start a run of ${id} now?`)) {
        act('trigger', {}, (answer) => `Triggered: ${answer.started.length} started, ${answer.buffered} buffered, ${answer.skipped} skipped.`);
      }
    } }, 'Trigger now'));
}
