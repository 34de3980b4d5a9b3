// Dead letters: activities that used up their attempts and wait for a person. The list (live), one
// letter's failure and input, and the operator's three answers: retry (with the input edited in
// place), fail it into the workflow, or resolve it with a result.
import { call, can, describe, inNamespace } from './api.js';
import { el, failure, notice, payload, replace, table, time } from './dom.js';
import { keepFresh } from './live.js';

const STATES = ['Pending', 'Retried', 'Failed', 'Resolved', 'All'];

export async function render(container, { params }, signal) {
  const state = params.get('state') || 'Pending';
  const chosen = params.get('id');
  const picker = el('select', { name: 'state', 'aria-label': 'State', onchange: () => { location.hash = `#/dead-letters?state=${picker.value}`; } },
    STATES.map((s) => el('option', { value: s, selected: s === state }, s)));
  const live = el('input', { type: 'checkbox', name: 'live', checked: true });
  const list = el('div', { id: 'dead-letters-list' });
  const status = el('div', { class: 'status-line' });
  const detail = el('section', { id: 'dead-letter' });
  container.append(el('h1', {}, 'Dead letters'), el('form', { class: 'filters' }, picker, el('label', { class: 'live' }, live, ' Live')),
    status, list, detail);

  // The list is fetched again every few seconds while "Live" is ticked; the letter shown below it
  // is not, so an input being edited for a retry stays as typed.
  await keepFresh(async () => {
    const { deadLetters } = await call(inNamespace(`/dead-letters?state=${state}&limit=100`), { signal });
    replace(list, rows(deadLetters, state, chosen));
  }, { live, status, signal })();

  if (chosen) {
    const letter = await call(inNamespace(`/dead-letters/${encodeURIComponent(chosen)}`), { signal });
    replace(detail, letterView(letter, state));
  }
}

function rows(deadLetters, state, chosen) {
  if (deadLetters.length === 0) return notice(`No ${state === 'All' ? '' : `${state.toLowerCase()} `}dead letters.`);
  return table(['Activity', 'Workflow', 'Attempts', 'Failure', 'Dead since', 'State'], deadLetters.map((letter) =>
    el('tr', { 'data-dead-letter-id': letter.id, class: letter.id === chosen ? 'selected' : '' },
      el('td', {}, el('a', { href: `#/dead-letters?state=${state}&id=${encodeURIComponent(letter.id)}` }, letter.activityType)),
      el('td', {}, el('a', { href: `#/run/${encodeURIComponent(letter.workflowId)}?runId=${encodeURIComponent(letter.runId)}` }, letter.workflowId)),
      el('td', {}, String(letter.attempts)),
      el('td', {}, `${letter.lastFailure.type}: ${letter.lastFailure.message}`),
      el('td', {}, time(letter.deadAt)),
      el('td', {}, letter.state))), { class: 'dead-letters' });
}

function letterView(letter, state) {
  const status = el('div', { class: 'status-line' });
  const parts = [
    el('h2', {}, `${letter.activityType} in ${letter.workflowId}`),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Activity ID'), el('dd', {}, letter.activityId),
      el('dt', {}, 'Workflow type'), el('dd', {}, letter.workflowType),
      el('dt', {}, 'Attempts'), el('dd', {}, String(letter.attempts)),
      el('dt', {}, 'Dead since'), el('dd', {}, time(letter.deadAt)),
      el('dt', {}, 'State'), el('dd', { 'data-field': 'state' }, letter.state)),
    el('h3', {}, 'Last failure'), el('div', { 'data-field': 'failure' }, failure(letter.lastFailure)),
    status,
  ];
  if (letter.state !== 'Pending' || !can('operator')) {
    parts.push(el('h3', {}, 'Input'), payload(letter.input, { 'data-field': 'input' }));
    return parts;
  }
  const input = el('textarea', { name: 'input', rows: 8, spellcheck: 'false', 'aria-label': 'Input for the retry' });
  input.value = JSON.stringify(letter.input ?? null, null, 2);
  const result = el('textarea', { name: 'result', rows: 3, spellcheck: 'false', 'aria-label': 'Result to resolve with', placeholder: 'result (JSON)' });
  const parse = (text, what) => {
    try { return { value: JSON.parse(text) }; } catch { replace(status, notice(`The ${what} is not JSON.`, 'error')); return null; }
  };
  const act = async (action, body) => {
    try {
      await call(inNamespace(`/dead-letters/${encodeURIComponent(letter.id)}/${action}`), { method: 'POST', body });
      // The view loads again and shows the letter's new state.
      location.hash = `#/dead-letters?state=${state}&id=${encodeURIComponent(letter.id)}&done=${action}`;
    } catch (error) {
      replace(status, notice(describe(error), 'error'));
    }
  };
  parts.push(
    el('h3', {}, 'Input (edit it to retry with another)'), input,
    el('div', { class: 'actions' },
      el('button', { type: 'button', 'data-action': 'retry', onclick: () => {
        const parsed = parse(input.value, 'input');
        if (parsed && confirm(`Retry ${letter.activityType} with fresh attempts?`)) act('retry', { input: parsed.value });
      } }, 'Retry'),
      el('button', { type: 'button', 'data-action': 'fail', onclick: () => {
        const message = prompt('Fail the activity into the workflow. Message:');
        if (message !== null) act('fail', { message });
      } }, 'Fail')),
    el('h3', {}, 'Resolve with a result'), result,
    el('div', { class: 'actions' },
      el('button', { type: 'button', 'data-action': 'resolve', onclick: () => {
        const parsed = parse(result.value, 'result');
        if (parsed && confirm(`Complete ${letter.activityType} with this result?`)) act('resolve', { result: parsed.value });
      } }, 'Resolve')));
  return parts;
}
