// @ts-check
/* One plugin's CRM panel beside a ticket, a contact or an account. Each
 * section loads on its own,
 * so a slow or failing one never holds up the rest; Refresh fetches them
 * all anew from the CRM.
 */
import { api } from '../lib/api.js';
import { clear, el, loading } from '../lib/dom.js';
import { initials } from '../lib/format.js';
import { RENDERERS, SECTION_TITLES, emptyState } from './sections.js';

/**
 * @typedef {object} SectionBlock
 * @property {HTMLDivElement} body where the section's content goes
 * @property {HTMLSpanElement} status "cached" beside the title
 * @property {AbortController | null} controller the load under way
 */

/**
 * The panels' address beside a desk record: `/api/tickets/7`, `/api/contacts/3`.
 * @param {string} kind tickets, contacts or accounts
 * @param {string | number} id
 * @returns {string}
 */
export function panelsBase(kind, id) {
  return '/api/' + kind + '/' + encodeURIComponent(id);
}

/**
 * @param {string} base from panelsBase
 * @param {string} plugin
 * @param {string} section
 * @param {boolean} refresh
 * @returns {string}
 */
function sectionUrl(base, plugin, section, refresh) {
  return base + '/panels/' + encodeURIComponent(plugin) + '/' + encodeURIComponent(section) + (refresh ? '?refresh=1' : '');
}

/**
 * The panel's head: icon, name, what it shows, and the Refresh button.
 * @param {Api.PanelInfo} info
 * @param {HTMLButtonElement} refresh
 * @returns {HTMLElement}
 */
function panelHead(info, refresh) {
  return el('header', { class: 'panel-head' },
    el('span', { class: 'panel-icon', 'aria-hidden': 'true' }, initials(info.name || info.plugin)),
    el('div', { class: 'panel-heading' },
      el('h2', { class: 'panel-title', testid: 'panel-title' }, info.name || info.plugin),
      el('span', { class: 'panel-sub muted' }, info.show === 'accounts' ? 'Showing the account' : 'Showing the contact')),
    refresh);
}

/**
 * A section's frame (title and body) and its block.
 * @param {Api.PanelInfo} info
 * @param {string} section
 * @returns {{frame: HTMLDivElement, block: SectionBlock}}
 */
function sectionFrame(info, section) {
  const body = el('div', { class: 'section-body' });
  const status = el('span', { class: 'section-status muted' });
  const frame = el('div', { class: 'panel-section section-' + section, testid: 'section-' + section, dataset: { section } },
    el('h3', { class: 'section-title' }, SECTION_TITLES[section] ? SECTION_TITLES[section](info) : section, status),
    body);
  return { frame, block: { body, status, controller: null } };
}

/**
 * The red box a section shows when it could not be loaded.
 * @param {string} message
 * @returns {HTMLDivElement}
 */
function sectionError(message) {
  return el('div', { class: 'panel-error', role: 'alert', testid: 'panel-error' },
    el('span', { class: 'panel-error-icon', 'aria-hidden': 'true' }, '!'),
    el('span', { class: 'panel-error-text' }, message || 'This section could not be loaded.'));
}

/**
 * Loads one section into its block; a newer load of the same section aborts this one.
 * @param {SectionBlock} block
 * @param {string} url
 * @param {string} section
 * @param {Api.PanelInfo} info
 * @param {(data: Api.SectionData) => void} [after] runs once the section is shown
 */
async function loadSection(block, url, section, info, after) {
  if (block.controller) block.controller.abort();
  const controller = new AbortController();
  block.controller = controller;
  block.status.textContent = '';
  clear(block.body).appendChild(loading({ testid: 'section-loading', 'aria-busy': 'true' }));
  try {
    const data = await api('GET', url, undefined, { signal: controller.signal });
    if (controller.signal.aborted) return;
    const render = RENDERERS[section];
    clear(block.body).appendChild(render ? render(data || {}, info) : emptyState('This section cannot be shown.'));
    // The CRM failed: its last answer is shown, with why.
    if (data && data.notice) block.body.prepend(el('p', { class: 'section-stale', role: 'status', testid: 'section-stale' }, data.notice));
    if (after) after(data || {});
    if (data && data.cached) { block.status.textContent = 'cached'; block.status.title = 'From the panel cache; Refresh fetches it anew from the CRM'; }
  } catch (e) {
    if (e && e.name === 'AbortError') return;
    if (controller.signal.aborted) return;
    clear(block.body).appendChild(sectionError(e.message));
  } finally {
    if (block.controller === controller) block.controller = null;
  }
}

/**
 * For a requester the CRM does not know: create them there as a contact or
 * a lead, from what the desk knows of them; then the panel loads anew.
 * @param {string} base from panelsBase
 * @param {Api.PanelInfo} info
 * @param {() => void} reload
 * @returns {HTMLElement}
 */
function createRequester(base, info, reload) {
  const crm = info.name || info.plugin;
  const status = el('p', { class: 'small', role: 'status', 'aria-live': 'polite', testid: 'requester-create-status' });
  /** @type {HTMLButtonElement[]} */
  const buttons = [['create-contact', 'Create contact'], ['create-lead', 'Create lead']].map(([kind, label]) => {
    const b = el('button', { type: 'button', class: 'btn btn-small', testid: kind, 'aria-label': label + ' in ' + crm }, label);
    b.addEventListener('click', async () => {
      for (const x of buttons) x.disabled = true;
      status.textContent = 'Creating\u2026';
      try {
        /** @type {{module: string, id: string}} */
        const created = await api('POST', base + '/panels/' + encodeURIComponent(info.plugin) + '/requester', { kind });
        status.textContent = 'Created in ' + crm + ' (' + created.id + ').';
        reload();
      } catch (e) {
        status.textContent = e.message;
        for (const x of buttons) x.disabled = false;
      }
    });
    return b;
  });
  return el('div', { class: 'requester-create', testid: 'requester-create' },
    el('p', { class: 'small muted' }, 'Add this requester to ' + crm + ':'),
    el('div', { class: 'requester-create-actions' }, buttons), status);
}

/**
 * One plugin's panel: `info` is an entry of GET {base}/panels.
 * @param {string} base from panelsBase
 * @param {Api.PanelInfo} info
 * @param {boolean} [fresh] fetch the sections anew from the CRM rather than from the panel cache
 * @returns {HTMLElement}
 */
export function renderPanel(base, info, fresh) {
  const sections = info.sections || [];
  const refresh = el('button', { type: 'button', class: 'btn btn-ghost btn-small panel-refresh', testid: 'panel-refresh', title: 'Fetch fresh data from the CRM' }, '↻ Refresh');
  const panel = el('section', { class: 'panel', testid: 'panel-' + info.plugin, dataset: { plugin: info.plugin }, 'aria-label': info.name || info.plugin },
    panelHead(info, refresh));
  /** @type {Record<string, SectionBlock>} */
  const blocks = {};
  for (const section of sections) {
    const { frame, block } = sectionFrame(info, section);
    blocks[section] = block;
    panel.appendChild(frame);
  }
  if (!sections.length) panel.appendChild(emptyState('Your profile may not read any part of this panel.'));

  /** @param {Api.SectionData} data */
  const offerCreate = (data) => {
    if (!data.profile && !data.notice && blocks.profile) blocks.profile.body.appendChild(createRequester(base, info, () => loadAll(true)));
  };
  /** @param {boolean} fresh */
  const loadAll = (fresh) => Promise.all(sections.map((s) => loadSection(blocks[s], sectionUrl(base, info.plugin, s, fresh), s, info, s === 'profile' ? offerCreate : undefined)));

  refresh.addEventListener('click', async () => {
    refresh.disabled = true;
    panel.classList.add('refreshing');
    try { await loadAll(true); } finally { refresh.disabled = false; panel.classList.remove('refreshing'); }
  });
  loadAll(!!fresh);
  return panel;
}
