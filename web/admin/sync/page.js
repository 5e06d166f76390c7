// @ts-check
/* The sync page (#sync=ID[&tab=history|failures]) of a plugin whose
 * manifest lists modules to sync: status and actions on top, then the
 * Configuration (a card per module), Sync History and Failure Log tabs.
 */
import { api } from '../../lib/api.js';
import { append, clear, el, errorBox, loading } from '../../lib/dom.js';
import { initials } from '../../lib/format.js';
import { app, guard, listPlugins, pluginPath } from '../app.js';
import { adminPage, pageHead } from '../layout.js';
import { SYNC_MODULES } from './constants.js';
import { syncControls, syncNotices } from './controls.js';
import { failurePanel } from './failures.js';
import { historyPanel } from './history.js';
import { moduleCard } from './module-card.js';
import { createPoller } from './poller.js';
import { pausedBanner, progressBox } from './progress.js';
import { knownSyncPlugins, loadSyncPlugins, paintSyncNav } from './sync-plugins.js';
import { TABS, syncTabs } from './tabs.js';

/**
 * What the page shows for a plugin that does not sync (or none at all).
 * @param {HTMLElement} content
 * @param {string | null | undefined} id the plugin asked for
 * @param {Api.Plugin | undefined} plugin
 */
function noSyncPage(content, id, plugin) {
  append(clear(content),
    pageHead('Sync', 'Keep contacts, accounts and products the same in Deskpane and a CRM.'),
    id && !plugin ? errorBox('No plugin \u201c' + id + '\u201d is installed.', 'sync-missing')
      : el('div', { class: 'card' }, el('p', { class: 'empty', testid: 'sync-none' }, id
        ? ((plugin && plugin.name) || id) + ' does not sync records: its manifest lists none of contacts, accounts and products.'
        : 'No installed plugin syncs records. Install a CRM plugin whose manifest lists modules (contacts, accounts, products) under Integrations.')));
}

/**
 * Everything the page shows of a plugin: overview, history, failures, and
 * each module's fields and list views (an Error where the CRM could not say).
 * @param {string} base the plugin's sync API path
 */
async function loadSync(base) {
  /** @type {[Api.SyncOverview, any, any]} */
  const [overview, historyAnswer, failures] = await Promise.all([api('GET', base), api('GET', base + '/history'), api('GET', base + '/failures')]);
  const modules = SYNC_MODULES.map(([m]) => m).filter((m) => overview.settings.modules[m]);
  const [fieldList, viewList] = await Promise.all([
    Promise.all(modules.map((m) => api('GET', base + '/fields/' + m).catch((e) => e))),
    Promise.all(modules.map((m) => api('GET', base + '/list-views/' + m).then((a) => (a && a.list_views) || [], (e) => e))),
  ]);
  return {
    overview,
    modules,
    /** @type {Api.SyncHistoryEntry[]} */
    history: historyAnswer.entries || [],
    /** @type {Api.SyncFailure[]} */
    failures: failures.failures || [],
    fields: Object.fromEntries(modules.map((m, i) => [m, fieldList[i]])),
    listViews: Object.fromEntries(modules.map((m, i) => [m, viewList[i]])),
  };
}

/**
 * The page's head: icon, "Sync · CRM", what sync does, and the actions.
 * @param {Api.Plugin} plugin
 * @param {string} crmName
 * @param {HTMLButtonElement[]} buttons
 * @returns {HTMLDivElement}
 */
function syncHead(plugin, crmName, buttons) {
  return el('div', { class: 'page-head sync-page-head', testid: 'sync-page', dataset: { plugin: plugin.id } },
    el('div', { class: 'plugin-head-main' },
      el('div', { class: 'plugin-icon', 'aria-hidden': 'true' }, initials(crmName)),
      el('div', {},
        el('h1', {}, 'Sync \u00b7 ' + crmName),
        el('p', { class: 'muted' }, 'Keep contacts, accounts and products the same in Deskpane and ' + crmName + '. Creating, updating or deleting records on either side starts a sync.'))),
    el('div', { class: 'plugin-actions' }, buttons));
}

/**
 * The status card: the progress box and the link to the plugin's page.
 * @param {Api.Plugin} plugin
 * @param {string} crmName
 * @param {HTMLElement} progress
 * @returns {HTMLElement}
 */
function statusCard(plugin, crmName, progress) {
  return el('section', { class: 'card sync-status-card' }, progress,
    el('div', { class: 'sync-status-links' },
      el('a', { href: '#plugin=' + encodeURIComponent(plugin.id), class: 'small' }, crmName + ' settings and connection')));
}

/**
 * Renders the sync page of plugin `id` (the first syncing plugin when none).
 * @param {number} seq
 * @param {string | null | undefined} id
 * @param {string | null | undefined} tab
 */
export async function syncPage(seq, id, tab) {
  const content = adminPage('sync');
  content.appendChild(loading());
  let plugins;
  try {
    plugins = await listPlugins();
    await loadSyncPlugins(plugins);
  } catch (e) { guard(seq, e, content); return; }
  if (guard(seq, null, content)) return;
  const syncing = knownSyncPlugins();
  if (!id && syncing.length) id = syncing[0].id;
  const plugin = plugins.find((p) => p.id === id);
  if (!id || !plugin || !syncing.some((p) => p.id === id)) { noSyncPage(content, id, plugin); return; }
  paintSyncNav();
  const base = pluginPath(id) + '/sync';
  let data;
  try {
    data = await loadSync(base);
  } catch (e) { guard(seq, e, content); return; }
  if (guard(seq, null, content)) return;
  clear(content);
  document.title = 'Sync \u00b7 ' + (plugin.name || plugin.id) + ' \u00b7 Deskpane admin';
  renderSync(seq, content, plugin, base, data, tab);
}

/**
 * Renders the loaded page into `content` and starts polling.
 * @param {number} seq
 * @param {HTMLElement} content
 * @param {Api.Plugin} plugin
 * @param {string} base
 * @param {Awaited<ReturnType<typeof loadSync>>} data
 * @param {string | null | undefined} tab
 */
function renderSync(seq, content, plugin, base, data, tab) {
  const crmName = plugin.name || plugin.id;
  /** @type {SyncUI.Context} */
  const ctx = {
    plugin,
    crmName,
    base,
    modules: data.modules,
    overview: data.overview,
    settings: data.overview.settings,
    history: data.history,
    failures: data.failures,
    fields: data.fields,
    listViews: data.listViews,
    requested: false,
    live: () => app.live(seq),
    onSettings: () => {},
    expectRun: () => {},
    reload: async () => {},
    paintProgress: () => {},
  };

  const progress = progressBox(ctx);
  const controls = syncControls(ctx, pausedBanner(crmName));
  const failureCount = el('span', { class: 'tab-count', testid: 'sync-failure-count' });
  const cards = ctx.modules.map((m) => moduleCard(ctx, m));
  const history = historyPanel(ctx);
  const failures = failurePanel(ctx, failureCount);
  const paintTables = () => { history.paint(); failures.paint(); };
  const poller = createPoller(ctx, paintTables);
  ctx.paintProgress = progress.paint;
  ctx.onSettings = () => { controls.paint(); progress.paint(); cards.forEach((c) => c.paintStatus()); };
  ctx.expectRun = poller.expectRun;
  ctx.reload = poller.reload;

  const settings = el('div', { role: 'tabpanel', id: 'sync-panel-settings', 'aria-labelledby': 'sync-tab-settings', testid: 'sync-settings' },
    cards.map((c) => c.form));
  const tabs = syncTabs(plugin.id, { settings, history: history.panel, failures: failures.panel }, failureCount);

  append(content,
    syncHead(plugin, crmName, controls.buttons),
    syncNotices(plugin, crmName),
    controls.banner,
    statusCard(plugin, crmName, progress.box),
    tabs.bar,
    settings, history.panel, failures.panel);
  controls.paint();
  progress.paint();
  paintTables();
  tabs.show(tab && TABS.some(([key]) => key === tab) ? tab : 'settings');
  poller.start();
}
