// @ts-check
/* The Failure Log tab: records that could not be synced and why, filtered
 * by record type, each with Try Again; and what the common reasons mean.
 */
import { api } from '../../lib/api.js';
import { clear, el } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
import { toast } from '../../lib/ui.js';
import { FAILURE_HELP, directionText, moduleLabel } from './constants.js';

/**
 * Try Again: syncs the record once more, then reloads the tables.
 * @param {SyncUI.Context} ctx
 * @param {Api.SyncFailure} f
 * @returns {HTMLButtonElement}
 */
function retryButton(ctx, f) {
  const retry = el('button', { type: 'button', class: 'btn btn-small', testid: 'sync-retry' }, t('admin.tryAgain'));
  retry.addEventListener('click', async () => {
    retry.disabled = true;
    retry.textContent = t('admin.trying');
    try {
      const answer = await api('POST', ctx.base + '/failures/' + encodeURIComponent(f.id) + '/retry');
      if (answer && answer.synced) toast(t('admin.sync.retried', { record: f.record }));
      else toast(t('admin.sync.failedAgain', { record: f.record }), 'error');
    } catch (e) {
      toast(e.message, 'error');
    }
    ctx.reload();
  });
  return retry;
}

/**
 * @param {SyncUI.Context} ctx
 * @param {Api.SyncFailure} f
 * @returns {HTMLTableRowElement}
 */
function failureRow(ctx, f) {
  const ids = [f.desk_id ? t('admin.sync.deskId', { id: String(f.desk_id) }) : null, f.crm_id ? t('admin.sync.crmId', { crm: ctx.crmName, id: String(f.crm_id) }) : null].filter(Boolean).join(' \u00b7 ');
  return el('tr', { testid: 'sync-failure-row', dataset: { id: f.id, module: f.module, direction: f.direction } },
    el('td', { class: 'nowrap muted' }, formatDateTime(f.at)),
    el('td', {},
      el('div', { class: 'sync-record', testid: 'sync-failure-record' }, f.record),
      el('div', { class: 'muted small' }, moduleLabel(f.module) + (ids ? ' \u00b7 ' + ids : ''))),
    el('td', { class: 'nowrap' }, directionText(f.direction, ctx.crmName)),
    el('td', { class: 'sync-reason', testid: 'sync-failure-reason' }, f.reason),
    el('td', { class: 'right' }, retryButton(ctx, f)));
}

/**
 * The failures of one record type ('all': every failure), or why there are none.
 * @param {SyncUI.Context} ctx
 * @param {string} filter
 * @returns {HTMLElement}
 */
function failureTable(ctx, filter) {
  const shown = ctx.failures.filter((f) => filter === 'all' || f.module === filter);
  if (!shown.length) {
    return el('p', { class: 'empty', testid: 'sync-failures-empty' }, t(ctx.failures.length ? 'admin.sync.noFailuresOfType' : 'admin.sync.noFailures'));
  }
  return el('table', { class: 'table sync-table', testid: 'sync-failures' },
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, t('admin.sync.failedAt')),
      el('th', { scope: 'col' }, t('record.record')),
      el('th', { scope: 'col' }, t('admin.nav.sync')),
      el('th', { scope: 'col' }, t('admin.sync.reason')),
      el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, t('admin.tryAgain'))))),
    el('tbody', {}, shown.map((f) => failureRow(ctx, f))));
}

/** @returns {HTMLDetailsElement} "What do these reasons mean?" */
function failureHelp() {
  return el('details', { class: 'sync-help' }, el('summary', {}, t('admin.sync.reasonsHelp')),
    el('dl', {}, FAILURE_HELP.map(([m, d]) => [el('dt', {}, m), el('dd', {}, t(d))])));
}

/**
 * The tab's panel; `paint()` repaints the filter, the table and the tab's
 * count (`count`, beside the tab's name) from ctx.failures.
 * @param {SyncUI.Context} ctx
 * @param {HTMLSpanElement} count
 * @returns {{panel: HTMLDivElement, paint: () => void}}
 */
export function failurePanel(ctx, count) {
  let filter = 'all';
  const filterBar = el('div', { class: 'segmented', role: 'group', 'aria-label': t('admin.sync.recordType'), testid: 'sync-failure-filter' });
  const body = el('div', { class: 'sync-table-wrap' });
  const panel = el('div', { role: 'tabpanel', id: 'sync-panel-failures', 'aria-labelledby': 'sync-tab-failures' },
    el('section', { class: 'card table-card' },
      el('div', { class: 'card-head sync-card-head' },
        el('div', {}, el('h2', { class: 'card-title' }, t('admin.sync.failuresTitle')),
          el('p', { class: 'muted small' }, t('admin.sync.failuresIntro'))),
        filterBar),
      body,
      el('div', { class: 'sync-help-wrap' }, failureHelp())));

  function paint() {
    /** @type {Record<string, number>} */
    const counts = { all: ctx.failures.length };
    for (const m of ctx.modules) counts[m] = ctx.failures.filter((f) => f.module === m).length;
    clear(filterBar);
    for (const key of ['all'].concat(ctx.modules)) {
      const b = el('button', { type: 'button', class: 'seg' + (filter === key ? ' on' : ''), 'aria-pressed': String(filter === key), testid: 'sync-failure-filter-' + key },
        t('admin.sync.filterCount', { what: key === 'all' ? t('admin.sync.all') : moduleLabel(key), count: counts[key] }));
      b.addEventListener('click', () => { filter = key; paint(); });
      filterBar.appendChild(b);
    }
    clear(body).appendChild(failureTable(ctx, filter));
    count.textContent = ctx.failures.length ? String(ctx.failures.length) : '';
    count.hidden = !ctx.failures.length;
  }
  return { panel, paint };
}
