// @ts-check
/* One plugin's CRM panel beside a ticket, a contact or an account. Each
 * section loads on its own,
 * so a slow or failing one never holds up the rest; Refresh fetches them
 * all anew from the CRM.
 */
import { api } from '../lib/api.js';
import { clear, el, loading } from '../lib/dom.js';
import { formatAge, formatDateTime, initials } from '../lib/format.js';
import { serverText, t } from '../lib/i18n.js';
import { recordActions, searchAndLink, unlinkButton } from './actions.js';
import { RENDERERS, SECTION_TITLES, emptyState } from './sections.js';

/**
 * @typedef {object} SectionBlock
 * @property {HTMLDivElement} body where the section's content goes
 * @property {HTMLSpanElement} status beside the title: how old the data is when the CRM did not answer
 * @property {AbortController | null} controller the load under way
 */

/**
 * The panel's one message when the CRM (or the plugin) failed, however
 * many sections it failed for: what happened in plain words, whether the
 * last known data is shown, and for administrators the technical cause
 * behind Details.
 * @typedef {object} PanelAlert
 * @property {HTMLDivElement} box
 * @property {() => void} reset hides it (a new load begins)
 * @property {(message: string, details?: string, staleSince?: string) => void} report a section's failure; the first one's sentence is shown
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
      el('span', { class: 'panel-sub muted' }, t(info.show === 'accounts' ? 'panel.showingAccount' : 'panel.showingContact'))),
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
    el('span', { class: 'panel-error-text' }, message || t('panel.sectionFailed')));
}

/** @returns {PanelAlert} */
function panelAlert() {
  const text = el('span', { class: 'panel-alert-text', testid: 'panel-alert-text' });
  const lastKnown = el('span', { class: 'panel-alert-stale', testid: 'panel-alert-stale', hidden: true });
  const detailsText = el('pre', { class: 'panel-alert-cause' });
  const details = el('details', { class: 'panel-alert-details', testid: 'panel-alert-details', hidden: true },
    el('summary', {}, t('panel.details')), detailsText);
  const box = el('div', { class: 'panel-alert', role: 'alert', testid: 'panel-alert', hidden: true },
    el('span', { class: 'panel-error-icon', 'aria-hidden': 'true' }, '!'),
    el('div', { class: 'panel-alert-body' }, text, lastKnown, details));
  return {
    box,
    reset() {
      box.hidden = true;
      text.textContent = '';
      lastKnown.hidden = true;
      details.hidden = true;
    },
    report(message, cause, staleSince) {
      if (box.hidden) { text.textContent = message || t('panel.sectionFailed'); box.hidden = false; }
      if (cause && details.hidden) { detailsText.textContent = cause; details.hidden = false; }
      if (staleSince && lastKnown.hidden) { lastKnown.textContent = ' ' + t('panel.showingLastKnown'); lastKnown.hidden = false; }
    },
  };
}

/**
 * Whether a failure is the CRM's or the plugin's (the panel's one
 * message says it) rather than this section's own (restricted, not found).
 * @param {any} e an ApiError
 * @returns {boolean}
 */
function crmFailure(e) {
  return !e.status || e.status >= 500;
}

/**
 * Loads one section into its block; a newer load of the same section aborts this one.
 * @param {SectionBlock} block
 * @param {string} url
 * @param {string} section
 * @param {Api.PanelInfo} info
 * @param {PanelAlert} alert where a CRM failure is told
 * @param {(data: Api.SectionData) => void} [after] runs once the section is shown
 */
async function loadSection(block, url, section, info, alert, after) {
  if (block.controller) block.controller.abort();
  const controller = new AbortController();
  block.controller = controller;
  block.status.textContent = '';
  block.status.removeAttribute('title');
  block.body.parentElement?.classList.remove('section-is-stale');
  clear(block.body).appendChild(loading({ testid: 'section-loading', 'aria-busy': 'true' }));
  try {
    /** @type {Api.SectionData} */
    const data = (await api('GET', url, undefined, { signal: controller.signal })) || {};
    if (controller.signal.aborted) return;
    const render = RENDERERS[section];
    clear(block.body).appendChild(render ? render(data, info) : emptyState(t('panel.sectionUnknown')));
    // The CRM failed: its last answer is shown, marked with its age; the
    // panel's message says why.
    if (data.notice) alert.report(serverText(data.notice_code, data.notice), data.details, data.stale_since);
    if (data.stale_since) {
      block.status.textContent = t('panel.lastKnown', { age: formatAge(data.stale_since) });
      block.status.title = formatDateTime(data.stale_since);
      block.body.parentElement?.classList.add('section-is-stale');
    }
    if (after) after(data);
  } catch (e) {
    if (e && e.name === 'AbortError') return;
    if (controller.signal.aborted) return;
    if (crmFailure(e)) {
      alert.report(e.message, e.body && e.body.details);
      clear(block.body).appendChild(el('p', { class: 'empty section-unavailable', testid: 'section-unavailable' }, t('panel.sectionUnavailable')));
    } else {
      clear(block.body).appendChild(sectionError(e.message));
    }
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
  /** @type {[string, string, string][]} the request's kind, the button's and its accessible name's catalog keys */
  const actions = [['create-contact', 'panel.createContact', 'panel.createContactIn'], ['create-lead', 'panel.createLead', 'panel.createLeadIn']];
  /** @type {HTMLButtonElement[]} */
  const buttons = actions.map(([kind, label, name]) => {
    const b = el('button', { type: 'button', class: 'btn btn-small', testid: kind, 'aria-label': t(name, { crm }) }, t(label));
    b.addEventListener('click', async () => {
      for (const x of buttons) x.disabled = true;
      status.textContent = t('common.creating');
      try {
        /** @type {{module: string, id: string}} */
        const created = await api('POST', base + '/panels/' + encodeURIComponent(info.plugin) + '/requester', { kind });
        status.textContent = t('panel.createdIn', { crm, id: created.id });
        reload();
      } catch (e) {
        status.textContent = e.message;
        for (const x of buttons) x.disabled = false;
      }
    });
    return b;
  });
  return el('div', { class: 'requester-create', testid: 'requester-create' },
    el('p', { class: 'small muted' }, t('panel.addRequester', { crm })),
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
  const refresh = el('button', { type: 'button', class: 'btn btn-ghost btn-small panel-refresh', testid: 'panel-refresh', title: t('panel.refreshTitle') }, t('panel.refresh'));
  const alert = panelAlert();
  const panel = el('section', { class: 'panel', testid: 'panel-' + info.plugin, dataset: { plugin: info.plugin }, 'aria-label': info.name || info.plugin },
    panelHead(info, refresh), alert.box);
  /** @type {Record<string, SectionBlock>} */
  const blocks = {};
  for (const section of sections) {
    const { frame, block } = sectionFrame(info, section);
    blocks[section] = block;
    panel.appendChild(frame);
  }
  if (!sections.length) panel.appendChild(emptyState(t('panel.noSections')));

  const actions = info.actions || [];
  /**
   * Under the profile: for a requester the CRM does not know, Create and
   * Search CRM to link; for a found one, Add note, Log call and Log task
   * (and Unlink, when an agent linked it).
   * @param {Api.SectionData} data
   */
  const offerActions = (data) => {
    if (!blocks.profile || data.notice) return;
    if (!data.profile) {
      blocks.profile.body.appendChild(createRequester(base, info, () => loadAll(true)));
      if (actions.includes('link')) blocks.profile.body.appendChild(searchAndLink(base, info, () => loadAll(true)));
      return;
    }
    if (data.profile.match_key === 'linked' && actions.includes('link')) {
      blocks.profile.body.querySelector('.profile-meta')?.appendChild(unlinkButton(base, info, () => loadAll(true)));
    }
    const recorded = recordActions(base, info, () => loadSome(['notes', 'activities']));
    if (recorded) blocks.profile.body.appendChild(recorded);
  };
  /** @param {boolean} fresh */
  const loadAll = (fresh) => {
    alert.reset();
    return Promise.all(sections.map((s) => loadSection(blocks[s], sectionUrl(base, info.plugin, s, fresh), s, info, alert, s === 'profile' ? offerActions : undefined)));
  };
  /**
   * Loads these sections anew from the CRM (after a note, call or task was added).
   * @param {string[]} which
   */
  const loadSome = (which) => Promise.all(sections.filter((s) => which.includes(s))
    .map((s) => loadSection(blocks[s], sectionUrl(base, info.plugin, s, true), s, info, alert)));

  // While refreshing the button is aria-disabled, not disabled: a disabled
  // button would drop keyboard focus to the page.
  refresh.addEventListener('click', async () => {
    if (refresh.getAttribute('aria-disabled') === 'true') return;
    refresh.setAttribute('aria-disabled', 'true');
    panel.classList.add('refreshing');
    try { await loadAll(true); } finally { refresh.removeAttribute('aria-disabled'); panel.classList.remove('refreshing'); }
  });
  loadAll(!!fresh);
  return panel;
}
