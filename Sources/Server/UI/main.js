// The console's shell: signs in (when the server checks tokens), then shows the view the URL's
// hash names. Each view is its own module with `render(container, params, signal)`; `signal`
// aborts when the view is left, which ends its refreshes and long-polls.
import { APIError, describe, loadSession, namespace, session, setNamespace, setToken } from './api.js';
import { notice, replace } from './dom.js';
import * as runs from './runs.js';
import * as run from './run.js';
import * as letters from './letters.js';
import * as cost from './cost.js';
import * as schedules from './schedules.js';

const views = { runs, run, 'dead-letters': letters, schedules, cost };
const view = document.getElementById('view');
const tokenForm = document.getElementById('token-form');
let current = null;

/** `#/run/ID?runId=…` → `{name: 'run', path: ['ID'], params}`. */
function route() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const [name, ...rest] = path.split('/').map(decodeURIComponent);
  return { name: views[name] ? name : 'runs', path: rest, params: new URLSearchParams(query || '') };
}

async function show() {
  current?.abort();
  current = new AbortController();
  const { name, path, params } = route();
  for (const link of document.querySelectorAll('[data-nav]')) {
    link.classList.toggle('active', link.dataset.nav === name || (name === 'run' && link.dataset.nav === 'runs'));
  }
  replace(view);
  try {
    await views[name].render(view, { path, params }, current.signal);
  } catch (error) {
    if (error.name !== 'AbortError') view.append(notice(describe(error), 'error'));
  }
}

function showSession() {
  showChrome(true);
  const label = document.getElementById('session');
  label.textContent = session.tokenRequired ? `role: ${session.role}` : 'dev: no token needed';
  label.dataset.role = session.role;
  document.getElementById('sign-out').hidden = !session.tokenRequired;
  const field = document.getElementById('namespace');
  field.value = namespace();
  // A namespaced token sees its own namespace only.
  field.disabled = Boolean(session.namespace);
}

/** Shows the views' navigation and the namespace only once signed in. */
function showChrome(visible) {
  document.querySelector('.top nav').hidden = !visible;
  document.getElementById('namespace-form').hidden = !visible;
  if (!visible) document.getElementById('session').textContent = '';
}

function askForToken(message) {
  current?.abort();
  replace(view);
  showChrome(false);
  document.getElementById('sign-out').hidden = true;
  tokenForm.hidden = false;
  const error = document.getElementById('token-error');
  error.hidden = !message;
  error.textContent = message || '';
  document.getElementById('token').focus();
}

async function start() {
  try {
    await loadSession();
  } catch (error) {
    if (error instanceof APIError && error.status === 401) return askForToken();
    replace(view, notice(describe(error), 'error'));
    return;
  }
  tokenForm.hidden = true;
  showSession();
  await show();
}

tokenForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  setToken(document.getElementById('token').value.trim());
  try {
    await loadSession();
  } catch (error) {
    setToken(null);
    return askForToken(error instanceof APIError && error.status === 401 ? 'That token is not valid.' : describe(error));
  }
  document.getElementById('token').value = '';
  tokenForm.hidden = true;
  showSession();
  await show();
});

document.getElementById('sign-out').addEventListener('click', () => {
  setToken(null);
  session.role = null;
  session.namespace = null;
  askForToken();
});

document.getElementById('namespace-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = document.getElementById('namespace').value.trim();
  if (value) setNamespace(value);
  show();
});

window.addEventListener('reprise:unauthorized', () => { if (session.tokenRequired) askForToken('The token was refused; sign in again.'); });
window.addEventListener('hashchange', () => { if (tokenForm.hidden) show(); });
start();
