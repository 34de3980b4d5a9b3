// Live views: a list fetched again every few seconds while its "Live" box is ticked, until the
// view is left. The runs list and the dead-letter list share it.
import { describe } from './api.js';
import { el, notice, replace } from './dom.js';

export const REFRESH_MS = 3000;

/**
 * Runs `fetchAndShow` now and, while `live` (a checkbox) is ticked and `signal` has not aborted,
 * again every `REFRESH_MS`. `status` shows when the list was last fetched, or why it was not.
 * Returns `reload()`, which fetches at once (a page turned) and restarts the wait.
 */
export function keepFresh(fetchAndShow, { live, status, signal }) {
  let timer = null;
  async function reload() {
    clearTimeout(timer);
    try {
      await fetchAndShow();
      replace(status, el('span', { class: 'muted' }, `updated ${new Date().toLocaleTimeString()}`));
    } catch (error) {
      if (error.name === 'AbortError') return;
      replace(status, notice(describe(error), 'error'));
    }
    if (live.checked && !signal.aborted) timer = setTimeout(reload, REFRESH_MS);
  }
  live.addEventListener('change', () => reload());
  signal.addEventListener('abort', () => clearTimeout(timer));
  return reload;
}
