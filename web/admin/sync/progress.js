// @ts-check
/* Where the sync stands, at the top of the sync page: running (phase,
 * module, records, first sync), paused, failed, or idle; and the banner
 * while the sync is paused.
 */
import { append, clear, el } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
import { sentence } from '../sentence.js';
import { moduleLabel } from './constants.js';

/**
 * Whether any module is enabled (in the saved settings).
 * @param {SyncUI.Context} ctx
 * @returns {boolean}
 */
export function anyEnabled(ctx) {
  return Object.values(ctx.settings.modules || {}).some((m) => m.enabled);
}

/**
 * @param {SyncUI.Context} ctx
 * @returns {string} what the running sync is doing
 */
function phaseText(ctx) {
  const p = ctx.overview.progress || {};
  if (p.phase === 'import') return t('admin.sync.importing', { crm: ctx.crmName });
  if (p.phase === 'export') return t('admin.sync.exporting', { crm: ctx.crmName });
  return t('admin.sync.starting');
}

/**
 * The running sync: spinner, phase, module, records done, first sync.
 * @param {SyncUI.Context} ctx
 * @param {Api.SyncProgress} p
 * @returns {HTMLElement[]}
 */
function runningState(ctx, p) {
  return [
    el('span', { class: 'spinner', 'aria-hidden': 'true' }),
    el('div', { class: 'sync-progress-main' },
      el('div', { class: 'sync-progress-title' },
        el('strong', {}, t('admin.sync.syncing')),
        p.first_sync ? el('span', { class: 'pill pill-warn', testid: 'sync-first-sync' }, t('admin.sync.firstSync')) : null),
      el('div', { class: 'sync-progress-facts' },
        el('span', { testid: 'sync-progress-phase' }, phaseText(ctx)),
        p.module ? el('span', { testid: 'sync-progress-module' }, moduleLabel(p.module)) : null,
        el('span', { testid: 'sync-progress-done' }, t('admin.sync.recordsDone', { count: p.done || 0 }))),
      p.first_sync ? el('div', { class: 'muted small' }, t('admin.sync.firstSyncHelp')) : null),
  ];
}

/**
 * Not running: paused, the last sync failed, up to date, or not syncing.
 * @param {SyncUI.Context} ctx
 * @param {Api.SyncProgress} p
 * @param {string} state paused, error or idle
 * @returns {HTMLElement[]}
 */
function restingState(ctx, p, state) {
  const paused = state === 'paused';
  const last = ctx.history[0];
  const enabled = anyEnabled(ctx);
  // Nothing to sync is not a success: a neutral dash, not a green tick.
  const icon = el('span', { class: 'sync-state-icon', 'aria-hidden': 'true', testid: 'sync-state-icon' },
    paused ? '\u275a\u275a' : (state === 'error' ? '!' : (enabled ? '\u2713' : '\u2013')));
  const title = t(paused ? 'admin.sync.statePaused' : (state === 'error' ? 'admin.sync.stateFailed' : (enabled ? 'admin.sync.stateUpToDate' : 'admin.sync.stateNotSyncing')));
  return [icon,
    el('div', { class: 'sync-progress-main' },
      el('div', { class: 'sync-progress-title' }, el('strong', { testid: 'sync-progress-state' }, title)),
      el('div', { class: 'sync-progress-facts muted' },
        last ? el('span', { testid: 'sync-last-run' }, t('admin.sync.lastRun', { time: formatDateTime(last.at) })) : el('span', {}, t(enabled ? 'admin.sync.noRecentRun' : 'admin.sync.enableToStart')),
        p.done ? el('span', { testid: 'sync-progress-done' }, t('admin.sync.recordsHandled', { count: p.done })) : null,
        ctx.requested && !p.done && !last ? el('span', {}, t('admin.sync.nothing')) : null),
      state === 'error' ? el('div', { class: 'sync-last-error', testid: 'sync-last-error' }, p.last_error) : null,
      state === 'error' && p.last_error_details
        ? el('details', { class: 'sync-crm-details', testid: 'sync-last-error-details' }, el('summary', {}, t('panel.details')), el('pre', { class: 'sync-crm-cause' }, p.last_error_details))
        : null)];
}

/**
 * The progress box; `paint()` repaints it from ctx.
 * @param {SyncUI.Context} ctx
 * @returns {{box: HTMLDivElement, paint: () => void}}
 */
export function progressBox(ctx) {
  const box = el('div', { class: 'sync-progress', role: 'status', 'aria-live': 'polite', testid: 'sync-progress' });
  function paint() {
    const p = ctx.overview.progress || {};
    const paused = !!ctx.settings.paused;
    const state = p.running ? 'running' : (paused ? 'paused' : (p.last_error ? 'error' : 'idle'));
    box.dataset.state = state;
    box.className = 'sync-progress sync-progress-' + state + (state === 'idle' && !anyEnabled(ctx) ? ' sync-progress-off' : '');
    append(clear(box), p.running ? runningState(ctx, p) : restingState(ctx, p, state));
  }
  return { box, paint };
}

/**
 * The banner shown while the sync is paused.
 * @param {string} crmName
 * @returns {HTMLDivElement}
 */
export function pausedBanner(crmName) {
  return el('div', { class: 'sync-paused', role: 'status', testid: 'sync-paused', hidden: true },
    sentence('admin.sync.pausedBanner', { paused: el('strong', {}, t('admin.sync.paused')) }, { crm: crmName }));
}
