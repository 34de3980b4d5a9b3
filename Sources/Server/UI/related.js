// What a run started and what it belongs to, for the run view: its children and its timers, read
// from the history as it arrives (and from describe's `pendingChildren`), and its place in a
// continue-as-new chain (describe's `continuedExecutionRunId` and `newExecutionRunId`). All text.
import { el, statusBadge, table, time } from './dom.js';

/** How a child's event leaves it, by event type. */
const CHILD_OUTCOMES = {
  ChildWorkflowExecutionStarted: 'Running',
  ChildWorkflowExecutionCompleted: 'Completed',
  ChildWorkflowExecutionFailed: 'Failed',
  ChildWorkflowExecutionCanceled: 'Canceled',
  ChildWorkflowExecutionTimedOut: 'TimedOut',
  ChildWorkflowExecutionTerminated: 'Terminated',
  StartChildWorkflowExecutionFailed: 'StartFailed',
};

/** A link to a run of a workflow id (its latest run when `runId` is not known). */
export function runLink(workflowId, runId, text = workflowId) {
  const query = runId ? `?runId=${encodeURIComponent(runId)}` : '';
  return el('a', { href: `#/run/${encodeURIComponent(workflowId)}${query}`, 'data-run-id': runId || '' }, text);
}

/** The children and timers of one run, kept up to date as history events and describes arrive. */
export class Related {
  constructor() {
    this.children = new Map(); // initiated event id → {workflowId, runId, type, state}
    this.timers = new Map(); // timer id → {started, timeout, state, at}
  }

  /** Takes one history event; answers whether it changed the children or timers. */
  take({ eventId, eventType, eventTime, attributes = {} }) {
    if (eventType === 'StartChildWorkflowExecutionInitiated') {
      this.children.set(eventId, { workflowId: attributes.workflowId, type: attributes.workflowType, runId: null, state: 'Starting' });
      return true;
    }
    if (CHILD_OUTCOMES[eventType] && attributes.initiatedEventId !== undefined) {
      const child = this.children.get(attributes.initiatedEventId) ?? { workflowId: attributes.workflowId, type: attributes.workflowType };
      child.state = CHILD_OUTCOMES[eventType];
      if (attributes.runId) child.runId = attributes.runId;
      this.children.set(attributes.initiatedEventId, child);
      return true;
    }
    if (eventType === 'TimerStarted') {
      const fires = new Date(new Date(eventTime).getTime() + Number(attributes.startToFireTimeout) * 1000);
      this.timers.set(attributes.timerId, { started: eventTime, timeout: attributes.startToFireTimeout, state: 'Pending', at: fires.toISOString() });
      return true;
    }
    if ((eventType === 'TimerFired' || eventType === 'TimerCanceled') && this.timers.has(attributes.timerId)) {
      Object.assign(this.timers.get(attributes.timerId), { state: eventType === 'TimerFired' ? 'Fired' : 'Canceled', at: eventTime });
      return true;
    }
    return false;
  }

  /** Takes describe's open children and pending timers, which it may know before the history
   * is read that far (and a child's run id before its start event). */
  takePending(pendingChildren = [], pendingTimers = []) {
    for (const child of pendingChildren) {
      const known = this.children.get(child.initiatedEventId);
      if (known) known.runId = known.runId || child.runId;
      else this.children.set(child.initiatedEventId, { workflowId: child.workflowId, type: child.type, runId: child.runId, state: 'Running' });
    }
    for (const timer of pendingTimers) {
      if (!this.timers.has(timer.timerId)) this.timers.set(timer.timerId, { started: null, timeout: null, state: 'Pending', at: timer.fireAt });
    }
  }

  /** The children as a table, in the order they were started; `null` when there are none. */
  childrenView() {
    if (this.children.size === 0) return null;
    return [el('h2', {}, 'Children'), table(['Workflow ID', 'Type', 'State', 'Initiated'],
      [...this.children.entries()].sort(([a], [b]) => a - b).map(([initiated, child]) =>
        el('tr', { 'data-child-id': child.workflowId },
          el('td', {}, runLink(child.workflowId, child.runId)), el('td', {}, child.type ?? '—'),
          el('td', {}, statusBadge(child.state)), el('td', {}, `event #${initiated}`))), { class: 'children' })];
  }

  /** The timers the run started, fired, canceled or pending; `null` when there are none. */
  timersView() {
    if (this.timers.size === 0) return null;
    return [el('h2', {}, 'Timers'), table(['Timer', 'Duration', 'Started', 'State', 'Fires / ended'],
      [...this.timers.entries()].map(([id, timer]) =>
        el('tr', { 'data-timer-id': id },
          el('td', {}, id), el('td', {}, seconds(timer.timeout)), el('td', {}, time(timer.started)),
          el('td', {}, timer.state), el('td', {}, time(timer.at)))), { class: 'timers' })];
  }
}

/** The run's links in its continue-as-new chain; `null` for a run that is not in one. */
export function chain(run) {
  if (!run.continuedExecutionRunId && !run.newExecutionRunId) return null;
  return el('p', { class: 'chain', id: 'run-chain' }, 'Continue-as-new chain: ',
    run.continuedExecutionRunId ? runLink(run.workflowId, run.continuedExecutionRunId, '← the run it continued') : el('span', { class: 'muted' }, 'first run'),
    ' · this run · ',
    run.newExecutionRunId ? runLink(run.workflowId, run.newExecutionRunId, 'the run that continued it →') : el('span', { class: 'muted' }, 'latest run'));
}

function seconds(value) {
  const total = Number(value);
  if (!Number.isFinite(total)) return '—';
  if (total < 120) return `${total} s`;
  if (total < 7200) return `${(total / 60).toFixed(1)} min`;
  return `${(total / 3600).toFixed(1)} h`;
}
