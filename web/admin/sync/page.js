// @ts-check
/* The sync page (#sync=ID[&tab=history|failures]) of a plugin whose
 * manifest lists modules to sync: status and actions on top, then the
 * Configuration (a card per module), Sync History and Failure Log tabs.
 */
import { api } from '../../lib/api.js';
import { append, clear, el, errorBox, loading } from '../../lib/dom.js';
import { initials } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
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
    pageHead(t('admin.nav.sync'), t('admin.sync.introNone')),
    id && !plugin ? errorBox(t('admin.plugin.missing', { id }), 'sync-missing')
      : el('div', { class: 'card' }, el('p', { class: 'empty', testid: 'sync-none' }, id
        ? t('admin.sync.notSyncing', { name: (plugin && plugin.name) || id })
        : t('admin.sync.noPlugin'))));
}

/**
 * What the page shows of a plugin from what the desk stores (overview with
 * the settings, history, failures): nothing here waits on the CRM. The
 * CRM's fields and list views come after the page is drawn (loadCatalog).
 * @param {string} base the plugin's sync API path
 */
async function loadSync(base) {
  /** @type {[Api.SyncOverview, any, any]} */
  const [overview, historyAnswer, failures] = await Promise.all([api('GET', base), api('GET', base + '/history'), api('GET', base + '/failures')]);
  const modules = SYNC_MODULES.filter((m) => overview.settings.modules[m]);
  return {
    overview,
    modules,
    /** @type {Api.SyncHistoryEntry[]} */
    history: historyAnswer.entries || [],
    /** @type {Api.SyncFailure[]} */
    failures: failures.failures || [],
  };
}

/** How long the page waits for one of the CRM's answers (the server gives up on the CRM sooner). */
const CATALOG_WAIT_MS = 10000;

/**
 * One of the CRM's answers for the page, or an Error saying why not (in
 * time). The server waits a few seconds for the CRM; this is a backstop.
 * @param {SyncUI.Context} ctx
 * @param {string} path
 * @returns {Promise<any>}
 */
async function askCrm(ctx, path) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), CATALOG_WAIT_MS);
  try {
    return await api('GET', ctx.base + path, undefined, { signal: controller.signal });
  } catch (e) {
    if (e && e.name === 'AbortError') return new Error(t('admin.sync.crmSilent', { crm: ctx.crmName }));
    return e;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The page's one message when the CRM could not give its fields or list
 * views: the first sentence the server gave, and the technical causes
 * behind Details.
 * @param {string} crmName
 * @returns {{box: HTMLDivElement, report: (message: string, details?: string) => void}}
 */
function crmMessage(crmName) {
  const text = el('p', { class: 'sync-crm-text', testid: 'sync-crm-text' });
  const causes = el('pre', { class: 'sync-crm-cause' });
  const details = el('details', { class: 'sync-crm-details', testid: 'sync-crm-details', hidden: true }, el('summary', {}, t('panel.details')), causes);
  const box = el('div', { class: 'notice-banner sync-crm-unavailable', role: 'alert', testid: 'sync-crm-unavailable', hidden: true },
    text,
    el('p', { class: 'small' }, t('admin.sync.savedShown', { crm: crmName })),
    details);
  /** @type {Set<string>} */
  const seen = new Set();
  return {
    box,
    report(message, cause) {
      if (box.hidden) { text.textContent = message; box.hidden = false; }
      if (cause && !seen.has(cause)) {
        seen.add(cause);
        causes.textContent = [...seen].join('\n');
        details.hidden = false;
      }
    },
  };
}

/**
 * Asks for each module's fields and list views, and draws each card's CRM
 * parts as the answers come; a CRM that does not answer is told once, in
 * `message`.
 * @param {SyncUI.Context} ctx
 * @param {SyncUI.ModuleCard[]} cards in ctx.modules' order
 * @param {ReturnType<typeof crmMessage>} message
 */
function loadCatalog(ctx, cards, message) {
  ctx.modules.forEach((m, i) => {
    const fields = askCrm(ctx, '/fields/' + m).then((answer) => { ctx.fields[m] = answer || {}; });
    const views = askCrm(ctx, '/list-views/' + m).then((answer) => { ctx.listViews[m] = answer || { list_views: [] }; });
    for (const loaded of [fields, views]) {
      loaded.then(() => {
        if (!ctx.live()) return;
        for (const answer of [ctx.fields[m], ctx.listViews[m]]) {
          if (answer instanceof Error) {
            if (/** @type {any} */ (answer).status === 401) { app.start(); return; }
            message.report(answer.message, /** @type {any} */ (answer).body && /** @type {any} */ (answer).body.details);
          } else if (answer && 'notice' in answer && answer.notice) {
            message.report(answer.notice, answer.details);
          }
        }
        cards[i].paintCatalog();
      });
    }
  });
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
        el('h1', {}, t('admin.sync.heading', { crm: crmName })),
        el('p', { class: 'muted' }, t('admin.sync.intro', { crm: crmName })))),
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
      el('a', { href: '#plugin=' + encodeURIComponent(plugin.id), class: 'small' }, t('admin.settingsAndConnection', { name: crmName }))));
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
  document.title = t('admin.titleOf', { page: t('admin.sync.heading', { crm: plugin.name || plugin.id }) });
  renderSync(seq, content, plugin, base, data, tab);
}

/**
 * Renders the page into `content` from the stored settings, starts
 * polling, and then loads what comes from the CRM.
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
    fields: {},
    listViews: {},
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

  const message = crmMessage(crmName);
  const notices = syncNotices(plugin, crmName);
  append(content,
    syncHead(plugin, crmName, controls.buttons),
    notices,
    message.box,
    controls.banner,
    statusCard(plugin, crmName, progress.box),
    tabs.bar,
    settings, history.panel, failures.panel);
  controls.paint();
  progress.paint();
  paintTables();
  tabs.show(tab && TABS.some(([key]) => key === tab) ? tab : 'settings');
  poller.start();
  // A disabled or unconnected plugin is not asked (the notices above say
  // so): the saved settings show, list views named by id.
  if (!notices.length) loadCatalog(ctx, cards, message);
  else {
    for (const m of ctx.modules) { ctx.fields[m] = new Error(notices[0].textContent || ''); ctx.listViews[m] = ctx.fields[m]; }
    cards.forEach((c) => c.paintCatalog());
  }
}
