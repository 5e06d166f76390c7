// @ts-check
/* The console's pages and addresses: #plugins, #plugin=ID, #sync,
 * #sync=ID[&tab=history|failures], #recording=ID[&tab=log],
 * #permissions, #agents, #outbox.
 */
import { currentHash } from '../lib/router.js';

/** @type {[string, string][]} the side navigation: page key and the catalog key of its label */
export const NAV = [
  ['plugins', 'admin.nav.plugins'],
  ['sync', 'admin.nav.sync'],
  ['permissions', 'admin.nav.permissions'],
  ['agents', 'admin.nav.agents'],
  ['outbox', 'admin.nav.outbox'],
];

/**
 * @typedef {object} AdminRoute
 * @property {string} page plugins, plugin, sync, recording, permissions, agents or outbox
 * @property {string | null} [id] the plugin (plugin, sync and recording pages)
 * @property {string | null} [tab] the sync or recording page's tab
 */

/**
 * The page the address shows (unknown addresses: the plugins list).
 * @returns {AdminRoute}
 */
export function adminRoute() {
  const hash = currentHash();
  if (hash.includes('=')) {
    const params = new URLSearchParams(hash);
    if (params.get('plugin')) return { page: 'plugin', id: params.get('plugin') };
    if (params.has('sync')) return { page: 'sync', id: params.get('sync'), tab: params.get('tab') };
    if (params.has('recording')) return { page: 'recording', id: params.get('recording'), tab: params.get('tab') };
  }
  return { page: NAV.some(([k]) => k === hash) ? hash : 'plugins' };
}
