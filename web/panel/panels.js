// @ts-check
/* The panels column of a ticket, contact or account: fetches which panels the agent may see,
 * then renders each (every panel loads its sections on its own).
 */
import { api } from '../lib/api.js';
import { clear, el, loading } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { panelsBase, renderPanel } from './panel.js';

/**
 * Fills `container` with the panels beside a desk record; resolves with their list ([] on error).
 * @param {HTMLElement} container
 * @param {string} kind tickets, contacts or accounts
 * @param {string | number} id
 * @param {{fresh?: boolean}} [options] fresh: fetch every section anew from the CRM (after a change there)
 * @returns {Promise<Api.PanelInfo[]>}
 */
export function renderPanels(container, kind, id, options) {
  const base = panelsBase(kind, id);
  clear(container).appendChild(loading({ testid: 'panels-loading' }));
  return api('GET', base + '/panels').then((answer) => {
    /** @type {Api.PanelInfo[]} */
    const panels = (answer && answer.panels) || [];
    clear(container);
    if (!panels.length) {
      container.appendChild(el('div', { class: 'panel panel-none', testid: 'no-panels' },
        el('p', { class: 'muted' }, t('panel.none'))));
    }
    for (const info of panels) container.appendChild(renderPanel(base, info, !!(options && options.fresh)));
    return panels;
  }, (e) => {
    clear(container).appendChild(el('div', { class: 'panel-error', role: 'alert', testid: 'panels-error' }, e.message));
    return [];
  });
}
