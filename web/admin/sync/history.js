// @ts-check
/* The Sync History tab: what was synced in the last 7 days, newest first. */
import { clear, el } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
import { directionText, moduleLabel } from './constants.js';

/** @type {[string, string][]} the columns: the catalog key of the heading, and its class */
const COLUMNS = [['admin.sync.date', ''], ['admin.nav.sync', ''], ['admin.sync.recordType', ''], ['admin.sync.added', 'num'], ['admin.sync.updated', 'num'], ['admin.sync.failed', 'num']];

/**
 * @param {SyncUI.Context} ctx
 * @param {Api.SyncHistoryEntry} h
 * @returns {HTMLTableRowElement}
 */
function historyRow(ctx, h) {
  return el('tr', { testid: 'sync-history-row', dataset: { direction: h.direction, module: h.module } },
    el('td', { class: 'nowrap', testid: 'sync-history-at' }, formatDateTime(h.at)),
    el('td', { class: 'nowrap', testid: 'sync-history-direction' }, directionText(h.direction, ctx.crmName)),
    el('td', { testid: 'sync-history-module' }, moduleLabel(h.module)),
    el('td', { class: 'num', testid: 'sync-history-added' }, String(h.added)),
    el('td', { class: 'num', testid: 'sync-history-updated' }, String(h.updated)),
    el('td', { class: 'num' + (h.failed ? ' sync-failed-count' : ''), testid: 'sync-history-failed' }, String(h.failed)));
}

/**
 * The history table, or "No records were synced in the last 7 days."
 * @param {SyncUI.Context} ctx
 * @returns {HTMLElement}
 */
function historyTable(ctx) {
  if (!ctx.history.length) {
    return el('p', { class: 'empty', testid: 'sync-history-empty' }, t('admin.sync.noHistory'));
  }
  return el('table', { class: 'table sync-table', testid: 'sync-history' },
    el('thead', {}, el('tr', {}, COLUMNS.map(([text, cls]) => el('th', { scope: 'col', class: cls || null }, t(text))))),
    el('tbody', {}, ctx.history.map((h) => historyRow(ctx, h))));
}

/**
 * The tab's panel; `paint()` repaints the table from ctx.history.
 * @param {SyncUI.Context} ctx
 * @returns {{panel: HTMLDivElement, paint: () => void}}
 */
export function historyPanel(ctx) {
  const body = el('div', { class: 'sync-table-wrap' });
  const refresh = el('button', { type: 'button', class: 'btn btn-small', testid: 'sync-history-refresh' }, t('admin.sync.refresh'));
  refresh.addEventListener('click', () => ctx.reload());
  const panel = el('div', { role: 'tabpanel', id: 'sync-panel-history', 'aria-labelledby': 'sync-tab-history' },
    el('section', { class: 'card table-card' },
      el('div', { class: 'card-head sync-card-head' },
        el('div', {}, el('h2', { class: 'card-title' }, t('admin.sync.historyTitle')),
          el('p', { class: 'muted small' }, t('admin.sync.historyIntro'))),
        refresh),
      body));
  return { panel, paint: () => { clear(body).appendChild(historyTable(ctx)); } };
}
