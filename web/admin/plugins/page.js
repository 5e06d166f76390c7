// @ts-check
/* The Integrations page (#plugins): a card per installed plugin (with
 * Recording beside Manage for a contact centre), the install form, and the
 * Trusted publishers card.
 */
import { append, clear, el, loading } from '../../lib/dom.js';
import { initials } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
import { app, guard, listPlugins } from '../app.js';
import { adminPage, pageHead } from '../layout.js';
import { loadContactCentres } from '../recording/plugins.js';
import { loadSyncPlugins } from '../sync/sync-plugins.js';
import { credentialChips, enabledSwitch, limitsChip, signatureChip, statusChip } from './chips.js';
import { installForm } from './install-form.js';
import { publishersCard } from './publishers-card.js';

/**
 * A plugin's card: name, version, publisher, chips (status, signature,
 * credentials, limits), the switch and Manage.
 * @param {Api.Plugin} p
 * @returns {HTMLElement}
 */
function pluginCard(p) {
  return el('article', { class: 'card plugin-card', testid: 'plugin-card', dataset: { plugin: p.id } },
    el('div', { class: 'plugin-icon', 'aria-hidden': 'true' }, initials(p.name || p.id)),
    el('div', { class: 'plugin-body' },
      el('div', { class: 'plugin-title-row' },
        el('h2', { class: 'plugin-name', testid: 'plugin-name' }, p.name || p.id),
        el('span', { class: 'muted small', testid: 'plugin-version' }, t('admin.plugins.version', { version: p.version || '' })),
        el('span', { class: 'muted small', testid: 'plugin-publisher' }, p.publisher ? t('admin.plugins.by', { publisher: p.publisher }) : t('admin.plugins.byUnknown'))),
      p.description ? el('p', { class: 'plugin-desc' }, p.description) : null,
      el('div', { class: 'chips' }, statusChip(p), signatureChip(p), credentialChips(p), limitsChip(p)),
      p.status !== 'ok' ? el('p', { class: 'plugin-status-text', testid: 'plugin-status-text' }, p.status) : null),
    el('div', { class: 'plugin-actions' },
      enabledSwitch(p),
      el('span', { class: 'recording-link-slot' }),
      el('a', { class: 'btn', href: '#plugin=' + encodeURIComponent(p.id), testid: 'plugin-manage' }, t('admin.plugins.manage'))));
}

/**
 * Renders the Integrations page.
 * @param {number} seq
 */
export async function pluginsPage(seq) {
  const content = adminPage('plugins');
  const list = el('div', { class: 'plugin-list', testid: 'plugin-list' }, loading());
  append(content,
    pageHead(t('admin.nav.plugins'), t('admin.plugins.intro')),
    list,
    installForm((installed) => { location.hash = '#plugin=' + encodeURIComponent(installed.id); }),
    publishersCard(seq));
  let plugins;
  try { plugins = await listPlugins(); } catch (e) { guard(seq, e, list); return; }
  if (guard(seq, null, list)) return;
  clear(list);
  loadSyncPlugins(plugins).catch(() => {});
  loadContactCentres(plugins).then((centres) => {
    if (!app.live(seq)) return;
    for (const c of centres) {
      const slot = list.querySelector('[data-plugin="' + CSS.escape(c.id) + '"] .recording-link-slot');
      if (slot) slot.replaceWith(el('a', { class: 'btn', href: '#recording=' + encodeURIComponent(c.id), testid: 'plugin-recording' }, t('admin.plugins.recording')));
    }
  }, () => {});
  if (!plugins.length) list.appendChild(el('div', { class: 'card empty-card' }, el('p', { class: 'empty' }, t('admin.plugins.none'))));
  for (const p of plugins) list.appendChild(pluginCard(p));
}
