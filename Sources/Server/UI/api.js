// The console's only way to the server: the public /api/v1 routes, with the token kept for the
// browser tab (sessionStorage) on a server that checks tokens.

const TOKEN_KEY = 'reprise.token';
const NAMESPACE_KEY = 'reprise.namespace';
const LADDER = ['reader', 'writer', 'operator', 'admin'];

/** An error answer of the API: `{"error":{"code","message"}}`, or a network failure. */
export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** What `GET /api/v1/whoami` said: `{role, namespace, tokenRequired}`, once signed in. */
export const session = { role: null, namespace: null, tokenRequired: false };

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** The namespace the console shows: the token's own, or the one chosen, or `default`. */
export function namespace() {
  return session.namespace || sessionStorage.getItem(NAMESPACE_KEY) || 'default';
}
export function setNamespace(value) { sessionStorage.setItem(NAMESPACE_KEY, value); }

/** Whether the session's role includes `needed` (`writer`, `operator`…): what actions to offer. */
export function can(needed) {
  if (session.role === 'admin') return true;
  const held = LADDER.indexOf(session.role);
  return held >= 0 && held >= LADDER.indexOf(needed);
}

/** Calls a route. `path` is under /api/v1; a body is sent as JSON. Resolves to the parsed answer. */
export async function call(path, { method = 'GET', body, signal } = {}) {
  const headers = {};
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  // Every write is JSON: `reprise dev` takes no other kind (docs/api.md).
  if (method !== 'GET') headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method, headers, signal, body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
      credentials: 'omit', cache: 'no-store',
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new APIError(0, 'Unreachable', 'the server did not answer; is it running?');
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    const error = json && json.error ? json.error : { code: `HTTP${response.status}`, message: text.slice(0, 200) };
    if (response.status === 401) window.dispatchEvent(new CustomEvent('reprise:unauthorized'));
    throw new APIError(response.status, error.code, error.message);
  }
  return json;
}

/** `/namespaces/{ns}` + `rest`, with the namespace escaped. */
export function inNamespace(rest) {
  return `/namespaces/${encodeURIComponent(namespace())}${rest}`;
}

/** Loads the session from `whoami`; rejects with a 401 APIError when a token is needed. */
export async function loadSession() {
  const answer = await call('/whoami');
  session.role = answer.role;
  session.namespace = answer.namespace;
  session.tokenRequired = answer.tokenRequired;
  return session;
}

/** An error as one line a person can act on. */
export function describe(error) {
  return error instanceof APIError ? `${error.code}: ${error.message}` : String(error.message || error);
}
