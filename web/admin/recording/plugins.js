// @ts-check
/* Which installed plugins are contact centres (their recording
 * configuration answers; a CRM's answers 404), and the side navigation's
 * Recording link, shown only when there is one.
 */
import { clear, el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { listPlugins, pluginPath, pluginsAnswering } from '../app.js';
import { adminRoute } from '../nav.js';

/** @type {{id: string, name: string}[] | null} the contact centres, once known */
let contactCentres = null;

/**
 * The contact centres found by the last loadContactCentres() ([] before).
 * @returns {{id: string, name: string}[]}
 */
export function knownContactCentres() {
  return contactCentres || [];
}

/**
 * /api/admin/plugins/{id}/recording
 * @param {string} id
 * @returns {string}
 */
export function recordingPath(id) {
  return pluginPath(id) + '/recording';
}

/**
 * Finds the contact centres (asks each plugin for its recording
 * configuration) and repaints the side navigation.
 * @param {Api.Plugin[]} [plugins] the installed plugins, when already loaded
 * @returns {Promise<{id: string, name: string}[]>}
 */
export async function loadContactCentres(plugins) {
  const all = plugins || await listPlugins();
  const list = await pluginsAnswering(all, '/recording', () => true);
  contactCentres = list;
  paintRecordingNav();
  return list;
}

/** The side navigation's Recording link (and one per contact centre under it), when any is installed. */
export function paintRecordingNav() {
  const box = document.getElementById('recording-nav');
  if (!box) return;
  const where = adminRoute();
  const list = contactCentres || [];
  const current = where.page === 'recording' ? (where.id || (list[0] && list[0].id)) : null;
  clear(box);
  if (!list.length) return;
  box.appendChild(el('a', { href: '#recording=' + encodeURIComponent(list[0].id), class: current ? 'active' : '', testid: 'nav-recording' }, t('admin.nav.recording')));
  box.appendChild(el('div', { class: 'sidenav-sub' }, list.map((p) => el('a', {
    href: '#recording=' + encodeURIComponent(p.id), class: current === p.id ? 'active' : '', testid: 'recording-nav-plugin', dataset: { plugin: p.id },
  }, p.name))));
}
