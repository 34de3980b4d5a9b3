// LLM cost: the namespace's budgets against their limits (`GET …/llm/budgets`), and its spend
// through the gateway by model, by day and by run (`GET …/llm/usage?groupBy=`), each as a bar
// chart drawn in SVG. Four small calls.
import { call, describe, inNamespace } from './api.js';
import { el, notice, svg, table } from './dom.js';

const GROUPS = [['model', 'By model'], ['day', 'By day'], ['run', 'By run']];
const BAR = 22;
const LABEL_WIDTH = 260;
const CHART_WIDTH = 720;

export async function render(container, _route, signal) {
  const budgets = el('section', { class: 'budgets', id: 'budgets' }, el('h2', {}, 'Budgets'),
    el('p', { class: 'muted' }, 'Each budget in its current period (UTC): what settled calls used and calls in flight hold, against its limits.'));
  container.append(el('h1', {}, 'LLM cost'), budgets, el('h2', {}, 'Spend'),
    el('p', { class: 'muted' }, 'What the gateway recorded for this namespace: settled calls, in US dollars at the configured prices.'));
  const sections = GROUPS.map(([group, title]) => {
    const section = el('section', { class: 'chart', 'data-group': group }, el('h2', {}, title));
    container.append(section);
    return [group, section];
  });
  const showBudgets = async () => {
    try {
      const answer = await call(inNamespace('/llm/budgets'), { signal });
      budgets.append(answer.budgets.length ? budgetTable(answer.budgets)
        : notice('No budgets. `reprise llm budget --database-url URL --namespace NS --model M --max-usd 5` sets one.'));
    } catch (error) {
      if (error.name !== 'AbortError') budgets.append(notice(describe(error), 'error'));
    }
  };
  await Promise.all([showBudgets(), ...sections.map(async ([group, section]) => {
    try {
      const { usage } = await call(inNamespace(`/llm/usage?groupBy=${group}`), { signal });
      section.append(...(usage.length ? chart(usage, group) : [notice("No LLM calls yet.")]));
    } catch (error) {
      if (error.name !== 'AbortError') section.append(notice(describe(error), 'error'));
    }
  })]);
}

/** Each budget's use in its current period against its limits: a meter and the figures as text.
 * A call is refused when what it might cost would pass a limit, counting the calls in flight. */
function budgetTable(budgets) {
  return table(['Model', 'Period', 'Dollars', 'Tokens'], budgets.map((b) =>
    el('tr', { 'data-budget': `${b.model}/${b.period}` },
      el('td', {}, b.model),
      el('td', {}, `${b.period === 'day' ? 'day' : 'month'} from ${b.periodStart}`),
      el('td', { 'data-field': 'usd' }, gauge(Number(b.usdUsed), Number(b.usdHeld), b.maxUSD, (v) => `$${usd(v)}`)),
      el('td', { 'data-field': 'tokens' }, gauge(Number(b.tokensUsed), Number(b.tokensHeld), b.maxTokens, (v) => `${v} tokens`)))),
  { class: 'budget-table' });
}

function gauge(used, held, limit, format) {
  const inFlight = held > 0 ? ` (+${format(held)} in flight)` : '';
  if (limit === undefined || limit === null) return el('span', { class: 'muted' }, `${format(used)} used${inFlight}, no limit`);
  const max = Number(limit);
  const spent = used + held;
  return el('span', { class: 'gauge' },
    el('meter', { min: 0, max: max || 1, low: max * 0.7, high: max * 0.9, optimum: 0, value: Math.min(spent, max) }),
    ` ${format(used)} of ${format(max)}${inFlight}`, max > 0 ? ` · ${Math.round((spent / max) * 100)}%` : '');
}

/** Horizontal bars, one a key, longest for the most spent, with the figures as text beside them. */
function chart(rows, group) {
  const sorted = group === 'day' ? rows : [...rows].sort((a, b) => Number(b.usd) - Number(a.usd));
  const most = Math.max(...sorted.map((r) => Number(r.usd)), 1e-9);
  const barSpace = CHART_WIDTH - LABEL_WIDTH - 170;
  const height = sorted.length * (BAR + 6) + 4;
  const picture = svg('svg', { viewBox: `0 0 ${CHART_WIDTH} ${height}`, width: CHART_WIDTH, height, role: 'img', 'aria-label': `LLM spend by ${group}` });
  sorted.forEach((row, index) => {
    const y = index * (BAR + 6) + 2;
    const width = Math.max(1, (Number(row.usd) / most) * barSpace);
    const label = row.key.length > 36 ? `${row.key.slice(0, 35)}…` : row.key;
    picture.append(
      svg('text', { x: 0, y: y + BAR * 0.7, class: 'chart-label' }, label),
      svg('rect', { x: LABEL_WIDTH, y, width, height: BAR, rx: 3, class: 'chart-bar' },
        svg('title', {}, `${row.key}: $${usd(row.usd)}, ${row.calls} calls, ${row.inputTokens} in / ${row.outputTokens} out tokens`)),
      svg('text', { x: LABEL_WIDTH + width + 6, y: y + BAR * 0.7, class: 'chart-value' }, `$${usd(row.usd)} · ${row.calls} calls`));
  });
  const total = sorted.reduce((sum, row) => sum + Number(row.usd), 0);
  return [picture, el('p', { class: 'muted' }, `Total $${usd(total)} over ${sorted.reduce((n, r) => n + r.calls, 0)} calls`)];
}

function usd(value) {
  const number = Number(value);
  return number < 0.01 && number > 0 ? number.toFixed(6) : number.toFixed(2);
}
