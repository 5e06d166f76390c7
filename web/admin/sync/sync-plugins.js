// @ts-check
/* Which installed plugins sync records (their manifests list modules), and
 * the side navigation's links to them under Sync.
 */
import { clear, el } from '../../lib/dom.js';
import { listPlugins, pluginsAnswering } from '../app.js';
import { adminRoute } from '../nav.js';

/** @type {{id: string, name: string}[] | null} the syncing plugins, once known */
let syncPlugins = null;

/**
 * The syncing plugins found by the last loadSyncPlugins() ([] before).
 * @returns {{id: string, name: string}[]}
 */
export function knownSyncPlugins() {
  return syncPlugins || [];
}

/**
 * Finds which plugins sync records (asks each for its sync settings) and repaints the side navigation.
 * @param {Api.Plugin[]} [plugins] the installed plugins, when already loaded
 * @returns {Promise<{id: string, name: string}[]>}
 */
export async function loadSyncPlugins(plugins) {
  const all = plugins || await listPlugins();
  const list = await pluginsAnswering(all, '/sync', (o) => Object.keys((o && o.settings && o.settings.modules) || {}).length > 0);
  syncPlugins = list;
  paintSyncNav();
  return list;
}

/** The side navigation's links under Sync, one per plugin that syncs records. */
export function paintSyncNav() {
  const box = document.getElementById('sync-subnav');
  if (!box) return;
  const where = adminRoute();
  const current = where.page === 'sync' ? (where.id || (syncPlugins && syncPlugins[0] && syncPlugins[0].id)) : null;
  clear(box);
  for (const p of syncPlugins || []) {
    box.appendChild(el('a', { href: '#sync=' + encodeURIComponent(p.id), class: current === p.id ? 'active' : '', testid: 'sync-nav-plugin', dataset: { plugin: p.id } }, p.name));
  }
}
