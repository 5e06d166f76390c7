// @ts-check
/* The Permissions page (#permissions): every plugin's permission matrix. */
import { api } from '../../lib/api.js';
import { append, clear, el, errorBox, loading } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { pill } from '../../lib/ui.js';
import { ADMIN_ERROR, guard, listPlugins, pluginPath } from '../app.js';
import { adminPage, pageHead } from '../layout.js';
import { permissionTable } from './matrix.js';

/**
 * A plugin's card with its matrix (or why it could not be read).
 * @param {Api.Plugin} p
 * @param {Record<string, Partial<Api.Permissions>> | Error} table
 * @returns {HTMLElement}
 */
function permissionCard(p, table) {
  return el('section', { class: 'card', testid: 'perm-card', dataset: { plugin: p.id } },
    el('div', { class: 'card-head' },
      el('h2', { class: 'card-title' }, p.name || p.id),
      el('div', { class: 'chips' }, p.enabled ? pill(t('admin.enabled'), 'ok') : pill(t('admin.disabled'), 'muted'))),
    table instanceof Error ? errorBox(table.message, ADMIN_ERROR) : permissionTable(p, table));
}

/**
 * Renders the Permissions page.
 * @param {number} seq
 */
export async function permissionsPage(seq) {
  const content = adminPage('permissions');
  const body = el('div', { class: 'stack' }, loading());
  append(content,
    pageHead(t('admin.nav.permissions'), t('admin.permissions.intro')),
    body);
  let plugins;
  try {
    plugins = await listPlugins();
  } catch (e) { guard(seq, e, body); return; }
  /** @type {(Record<string, Partial<Api.Permissions>> | Error)[]} */
  const tables = await Promise.all(plugins.map((p) => api('GET', pluginPath(p.id) + '/permissions').then((a) => a.permissions || {}, (e) => e)));
  if (guard(seq, null, body)) return;
  clear(body);
  if (!plugins.length) body.appendChild(el('div', { class: 'card' }, el('p', { class: 'empty' }, t('admin.permissions.noPlugins'))));
  plugins.forEach((p, i) => body.appendChild(permissionCard(p, tables[i])));
}
