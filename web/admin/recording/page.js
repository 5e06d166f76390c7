// @ts-check
/* The Recording page of a contact centre (#recording=ID[&tab=log], seed
 * 004): its conversations recorded in the CRM. Tabs: Configuration (the
 * settings and the fields recorded) and Recording Log.
 */
import { api } from '../../lib/api.js';
import { append, clear, el, errorBox, loading } from '../../lib/dom.js';
import { initials } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
import { app, guard, listPlugins } from '../app.js';
import { adminPage, pageHead } from '../layout.js';
import { tabBar } from '../tabs.js';
import { fieldsCard } from './fields-table.js';
import { logPanel } from './log.js';
import { knownContactCentres, loadContactCentres, paintRecordingNav, recordingPath } from './plugins.js';
import { settingsForm } from './settings-form.js';

/** @type {[string, string][]} the page's tabs: key and the catalog key of its name */
const TABS = [
  ['settings', 'admin.config.title'],
  ['log', 'admin.recording.logTab'],
];

/**
 * What the page shows without a contact centre to configure.
 * @param {HTMLElement} content
 * @param {string | null | undefined} id the plugin asked for
 * @param {Api.Plugin | undefined} plugin
 */
function noRecordingPage(content, id, plugin) {
  append(clear(content),
    pageHead(t('admin.nav.recording'), t('admin.recording.introNone')),
    id && !plugin ? errorBox(t('admin.plugin.missing', { id }), 'recording-missing')
      : el('div', { class: 'card' }, el('p', { class: 'empty', testid: 'recording-none' }, id
        ? t('admin.recording.notCentre', { name: (plugin && plugin.name) || id })
        : t('admin.recording.noCentre'))));
}

/**
 * The page's head: icon, "Recording · CloudCX", what recording does, and the links.
 * @param {Api.Plugin} plugin
 * @param {Api.RecordingView} view
 * @returns {HTMLDivElement}
 */
function recordingHead(plugin, view) {
  const name = plugin.name || plugin.id;
  const s = view.settings;
  const state = !s.enabled ? [t('admin.disabled'), 'warn'] : s.mode === 'manually' ? [t('admin.recording.stateManual'), 'muted'] : [t('admin.recording.stateAutomatic'), 'ok'];
  return el('div', { class: 'page-head plugin-page-head recording-page-head', testid: 'recording-page', dataset: { plugin: plugin.id } },
    el('div', { class: 'plugin-head-main' },
      el('div', { class: 'plugin-icon', 'aria-hidden': 'true' }, initials(name)),
      el('div', {},
        el('h1', {}, t('admin.recording.heading', { name })),
        el('p', { class: 'muted' }, t('admin.recording.intro', { name })),
        el('div', { class: 'chips' }, el('span', { class: 'pill pill-' + state[1], testid: 'recording-state' }, state[0])))),
    el('div', { class: 'plugin-actions' },
      el('a', { class: 'btn', href: '#plugin=' + encodeURIComponent(plugin.id), testid: 'recording-plugin-link' }, t('admin.settingsAndConnection', { name }))));
}

/**
 * Renders the Recording page of contact centre `id` (the first one when none).
 * @param {number} seq
 * @param {string | null | undefined} id
 * @param {string | null | undefined} tab
 */
export async function recordingPage(seq, id, tab) {
  const content = adminPage('recording');
  content.appendChild(loading());
  let plugins;
  try {
    plugins = await listPlugins();
    await loadContactCentres(plugins);
  } catch (e) { guard(seq, e, content); return; }
  if (guard(seq, null, content)) return;
  const centres = knownContactCentres();
  if (!id && centres.length) id = centres[0].id;
  const plugin = plugins.find((p) => p.id === id);
  if (!id || !plugin || !centres.some((p) => p.id === id)) { noRecordingPage(content, id, plugin); return; }
  paintRecordingNav();
  let view;
  let log;
  try {
    [view, log] = await Promise.all([api('GET', recordingPath(id)), api('GET', recordingPath(id) + '/log')]);
  } catch (e) { guard(seq, e, content); return; }
  if (guard(seq, null, content)) return;
  clear(content);
  document.title = t('admin.titleOf', { page: t('admin.recording.heading', { name: plugin.name || plugin.id }) });
  renderRecording(seq, content, plugin, plugins, view, (log && log.entries) || [], tab);
}

/**
 * @param {number} seq
 * @param {HTMLElement} content
 * @param {Api.Plugin} plugin
 * @param {Api.Plugin[]} plugins every installed plugin (for the CRMs' names)
 * @param {Api.RecordingView} view
 * @param {Api.RecordingEntry[]} entries
 * @param {string | null | undefined} tab
 */
function renderRecording(seq, content, plugin, plugins, view, entries, tab) {
  /** @type {Record<string, string>} */
  const names = Object.fromEntries(plugins.map((p) => [p.id, p.name || p.id]));
  const target = view.settings.crm || view.crms[0];
  const crmName = target ? names[target] || target : null;
  const id = plugin.id;
  const rerender = () => { if (app.live(seq)) recordingPage(app.router.next(), id, 'settings'); };
  const log = logPanel(plugin, entries, view.queued);
  const failures = log.failures();
  const failureCount = el('span', { class: 'tab-count', testid: 'recording-failure-count', hidden: !failures, title: t('admin.recording.failedConversations') }, failures ? String(failures) : '');
  const settings = el('div', { role: 'tabpanel', id: 'recording-panel-settings', 'aria-labelledby': 'recording-tab-settings', testid: 'recording-settings' },
    settingsForm(plugin, view, names, rerender),
    fieldsCard(crmName, plugin.name || plugin.id));
  const logTab = el('div', { role: 'tabpanel', id: 'recording-panel-log', 'aria-labelledby': 'recording-tab-log' }, log.panel);
  const tabs = tabBar({ prefix: 'recording', label: t('admin.nav.recording'), tabs: TABS.map(([key, text]) => [key, t(text)]), panels: { settings, log: logTab }, extras: { log: failureCount }, hash: '#recording=' + encodeURIComponent(id) });
  append(content,
    recordingHead(plugin, view),
    tabs.bar,
    settings,
    logTab);
  tabs.show(tab || 'settings');
}
