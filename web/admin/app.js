// @ts-check
/* The admin console's App (the signed-in Administrator, the router) and
 * what every admin page uses: guard() and the plugins' API paths.
 */
import { api } from '../lib/api.js';
import { byId, clear, errorBox } from '../lib/dom.js';
import { App } from '../lib/shell.js';

// In the signed-in agent's language (else the browser's), as the agent app.
export const app = new App({ root: byId('app'), signInSubtitle: 'shell.adminSubtitle', errorTestid: 'admin-error' });

/** The testid of the console's error boxes. */
export const ADMIN_ERROR = 'admin-error';

/**
 * After a page's request: true when the page must stop (a newer render took
 * over, the session is gone and sign-in starts again, or `e` is an error now
 * shown in `content`).
 * @param {number} seq the page's render
 * @param {any} e the request's error, or null
 * @param {HTMLElement} content where to show the error
 * @returns {boolean}
 */
export function guard(seq, e, content) {
  if (!app.live(seq)) return true;
  if (e && e.status === 401) { app.start(); return true; }
  if (e) { clear(content).appendChild(errorBox(e.message, ADMIN_ERROR)); return true; }
  return false;
}

/**
 * /api/admin/plugins/{id}
 * @param {string} id
 * @returns {string}
 */
export function pluginPath(id) { return '/api/admin/plugins/' + encodeURIComponent(id); }

/**
 * The installed plugins.
 * @returns {Promise<Api.Plugin[]>}
 */
export async function listPlugins() {
  return (await api('GET', '/api/admin/plugins')).plugins || [];
}

/**
 * The plugins whose API path `suffix` (e.g. "/sync") answers, and answers
 * what `accept` takes; as {id, name}, in the plugins' order.
 * @param {Api.Plugin[]} plugins
 * @param {string} suffix
 * @param {(answer: any) => boolean} accept
 * @returns {Promise<{id: string, name: string}[]>}
 */
export async function pluginsAnswering(plugins, suffix, accept) {
  const found = await Promise.all(plugins.map((p) => api('GET', pluginPath(p.id) + suffix).then(
    (answer) => (accept(answer) ? { id: p.id, name: p.name || p.id } : null),
    () => null)));
  return found.filter((x) => x !== null);
}
