// @ts-check
/* One integration's page (#plugin=ID): head with the Enabled switch, the
 * Sandbox card, a Connection card per credential, the portal link (OAuth),
 * Recording (contact centres), the Configuration, the permission matrix,
 * and Delete.
 */
import { api } from '../../lib/api.js';
import { append, clear, el, errorBox, loading } from '../../lib/dom.js';
import { initials } from '../../lib/format.js';
import { ADMIN_ERROR, app, guard, listPlugins, pluginPath } from '../app.js';
import { takeConnected, takeFlash } from '../flash.js';
import { t } from '../../lib/i18n.js';
import { toast } from '../../lib/ui.js';
import { adminPage } from '../layout.js';
import { permissionTable } from '../permissions/matrix.js';
import { enabledSwitch, signatureChip, statusChip } from '../plugins/chips.js';
import { healthCard } from './health-card.js';
import { recordingPath } from '../recording/plugins.js';
import { recordingSummaryCard } from '../recording/summary-card.js';
import { configCard } from './config-card.js';
import { credentialCard } from './credential-card.js';
import { dangerCard } from './danger-card.js';
import { portalLinkCard } from './portal-link-card.js';
import { sandboxCard } from './sandbox-card.js';
import { sentence } from '../sentence.js';

/**
 * The plugin, its permissions ({error} when they cannot be read) and, for
 * a contact centre, its recording configuration (null otherwise); no
 * plugin when it is not installed.
 * @param {string} id
 * @returns {Promise<{plugin: Api.Plugin | undefined, permissions: any, recording: Api.RecordingView | null}>}
 */
async function loadPlugin(id) {
  const plugin = (await listPlugins()).find((x) => x.id === id);
  if (!plugin) return { plugin, permissions: undefined, recording: null };
  const [permissions, recording] = await Promise.all([
    api('GET', pluginPath(id) + '/permissions').catch((e) => ({ error: e })),
    api('GET', recordingPath(id)).catch(() => null),
  ]);
  return { plugin, permissions, recording };
}

/**
 * The page's head: icon, name, version, publisher, id, status, and the switch.
 * @param {Api.Plugin} plugin
 * @param {(on: boolean) => void} onEnabled
 * @returns {HTMLDivElement}
 */
function pluginHead(plugin, onEnabled) {
  return el('div', { class: 'page-head plugin-page-head', testid: 'plugin-page', dataset: { plugin: plugin.id } },
    el('div', { class: 'plugin-head-main' },
      el('div', { class: 'plugin-icon', 'aria-hidden': 'true' }, initials(plugin.name || plugin.id)),
      el('div', {},
        el('h1', { testid: 'plugin-name' }, plugin.name || plugin.id),
        el('div', { class: 'muted' }, sentence('admin.plugin.meta', { id: el('code', {}, plugin.id) },
          { version: plugin.version || '', publisher: plugin.publisher || t('admin.plugin.unknownPublisher') })),
        el('div', { class: 'chips' }, statusChip(plugin), signatureChip(plugin)))),
    el('div', { class: 'plugin-actions' }, enabledSwitch(plugin, (updated) => onEnabled(updated.enabled))));
}

/**
 * Right after an install: what to do before enabling the plugin.
 * @param {Api.Plugin} plugin
 * @returns {HTMLParagraphElement | null}
 */
function installedNotice(plugin) {
  if (!takeFlash('installed')) return null;
  return el('p', { class: 'hint', role: 'status', testid: 'install-notice' }, t('admin.plugin.installedNotice', { name: plugin.name || plugin.id }));
}

/**
 * Back from the CRM's consent page with the connection made: says so
 * once, on the page and in a toast.
 * @param {Api.Plugin} plugin
 * @returns {HTMLParagraphElement | null}
 */
function connectedNotice(plugin) {
  if (!takeConnected(plugin.id)) return null;
  const text = t('admin.connect.done', { crm: plugin.name || plugin.id });
  toast(text);
  return el('p', { class: 'hint', role: 'status', testid: 'connected-notice' }, '\u2713 ' + text);
}

/**
 * The Permissions card of this plugin.
 * @param {Api.Plugin} plugin
 * @param {any} permissions the answer of .../permissions, or {error}
 * @returns {HTMLElement}
 */
function permissionsCard(plugin, permissions) {
  return el('section', { class: 'card', testid: 'plugin-permissions' },
    el('h2', { class: 'card-title' }, t('admin.nav.permissions')),
    el('p', { class: 'muted' }, t('admin.plugin.permissionsIntro')),
    permissions && permissions.error
      ? errorBox(permissions.error.message, ADMIN_ERROR)
      : permissionTable(plugin, (permissions && permissions.permissions) || {}));
}

/**
 * Renders the page of plugin `id`.
 * @param {number} seq
 * @param {string} id
 */
export async function pluginPage(seq, id) {
  const content = adminPage('plugins');
  content.appendChild(loading());
  let plugin;
  let permissions;
  let recording;
  try {
    ({ plugin, permissions, recording } = await loadPlugin(id));
  } catch (e) { guard(seq, e, content); return; }
  if (guard(seq, null, content)) return;
  clear(content);
  if (!plugin) {
    append(content, el('a', { href: '#plugins', class: 'crumb' }, t('admin.plugin.back')), errorBox(t('admin.plugin.missing', { id }), 'plugin-missing'));
    return;
  }
  document.title = t('admin.titleOf', { page: plugin.name });
  const refresh = () => { if (app.live(seq)) pluginPage(app.router.next(), id); };
  const credentials = plugin.credentials || {};
  const hasOauth = Object.values(credentials).some((c) => /oauth/i.test(String(c.kind || '')));
  const sandbox = sandboxCard(plugin, refresh);
  const notice = installedNotice(plugin) || connectedNotice(plugin);
  append(content,
    el('a', { href: '#plugins', class: 'crumb', testid: 'back-to-plugins' }, t('admin.plugin.back')),
    pluginHead(plugin, sandbox.setEnabled),
    plugin.description ? el('p', { class: 'plugin-desc' }, plugin.description) : null,
    plugin.status !== 'ok' ? errorBox(plugin.status, 'plugin-status-text') : null,
    notice,
    healthCard(plugin),
    sandbox.card,
    Object.entries(credentials).map(([name, c]) => credentialCard(/** @type {Api.Plugin} */ (plugin), name, c, refresh)),
    hasOauth ? portalLinkCard(plugin, refresh) : null,
    recording ? recordingSummaryCard(plugin, recording) : null,
    configCard(plugin, refresh),
    permissionsCard(plugin, permissions),
    dangerCard(plugin));
}
