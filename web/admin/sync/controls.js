// @ts-check
/* The sync page's actions: Refresh CRM fields, Pause Sync / Resume Sync
 * and Start Sync; and the notices when the plugin cannot sync yet.
 */
import { api } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { toast } from '../../lib/ui.js';
import { app } from '../app.js';
import { anyEnabled } from './progress.js';

/**
 * Refresh CRM fields: fields and list views are what the CRM said recently; ask it again.
 * @param {SyncUI.Context} ctx
 * @returns {HTMLButtonElement}
 */
function refreshButton(ctx) {
  const button = el('button', { type: 'button', class: 'btn', testid: 'sync-refresh-fields', title: t('admin.sync.refreshFieldsTitle', { crm: ctx.crmName }) }, t('admin.sync.refreshFields'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const answers = await Promise.all(ctx.modules.flatMap((m) => [api('GET', ctx.base + '/fields/' + m + '?refresh=true'), api('GET', ctx.base + '/list-views/' + m + '?refresh=true')]));
      // The CRM did not answer, and the list views are as it last listed them.
      const stale = answers.find((a) => a && a.notice);
      if (stale) toast(stale.notice, 'error');
      else toast(t('admin.sync.fieldsReloaded', { crm: ctx.crmName }));
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      toast(e.message, 'error');
    }
    if (ctx.live()) app.router.route();
  });
  return button;
}

/**
 * @typedef {object} SyncControls
 * @property {HTMLButtonElement[]} buttons Refresh CRM fields, Pause, Resume, Start, in order
 * @property {HTMLDivElement} banner shown while paused
 * @property {() => void} paint shows Pause or Resume, the banner, and whether Start may be clicked
 */

/**
 * @param {SyncUI.Context} ctx
 * @param {HTMLDivElement} banner the paused banner
 * @returns {SyncControls}
 */
export function syncControls(ctx, banner) {
  const startButton = el('button', { type: 'button', class: 'btn btn-primary', testid: 'sync-start' }, t('admin.sync.start'));
  const pauseButton = el('button', { type: 'button', class: 'btn', testid: 'sync-pause' }, t('admin.sync.pause'));
  const resumeButton = el('button', { type: 'button', class: 'btn btn-primary', testid: 'sync-resume' }, t('admin.sync.resume'));

  function paint() {
    const paused = !!ctx.settings.paused;
    const running = !!(ctx.overview.progress && ctx.overview.progress.running);
    pauseButton.hidden = paused;
    resumeButton.hidden = !paused;
    banner.hidden = !paused;
    startButton.disabled = paused || running || !anyEnabled(ctx);
    startButton.title = paused ? t('admin.sync.resumeFirst') : (!anyEnabled(ctx) ? t('admin.sync.enableFirst') : '');
  }

  startButton.addEventListener('click', async () => {
    startButton.disabled = true;
    try {
      const answer = await api('POST', ctx.base + '/run');
      if (answer && answer.progress) ctx.overview.progress = answer.progress;
      ctx.requested = true;
      toast(t('admin.sync.started'));
      ctx.expectRun();
      ctx.paintProgress();
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      toast(e.message, 'error');
    } finally {
      paint();
    }
  });

  /** @param {boolean} paused */
  async function setPaused(paused) {
    const button = paused ? pauseButton : resumeButton;
    button.disabled = true;
    try {
      const answer = await api('POST', ctx.base + (paused ? '/pause' : '/resume'));
      ctx.settings = Object.assign({}, ctx.settings, { paused: answer && answer.settings ? answer.settings.paused : paused });
      ctx.overview.settings = ctx.settings;
      toast(t(paused ? 'admin.sync.paused' : 'admin.sync.resumed'));
      if (!paused) ctx.expectRun();
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      toast(e.message, 'error');
    } finally {
      button.disabled = false;
      ctx.onSettings();
      ctx.paintProgress();
    }
  }
  pauseButton.addEventListener('click', () => setPaused(true));
  resumeButton.addEventListener('click', () => setPaused(false));

  return { buttons: [refreshButton(ctx), pauseButton, resumeButton, startButton], banner, paint };
}

/**
 * Why the plugin cannot sync yet: disabled, or a credential not connected.
 * @param {Api.Plugin} plugin
 * @param {string} crmName
 * @returns {HTMLDivElement[]}
 */
export function syncNotices(plugin, crmName) {
  const notice = [];
  if (!plugin.enabled) notice.push(t('admin.sync.noticeDisabled', { crm: crmName }));
  for (const [name, c] of Object.entries(plugin.credentials || {})) {
    if (!c.connected) notice.push(t('admin.sync.noticeNotConnected', { name, crm: crmName }));
  }
  return notice.map((n) => el('div', { class: 'hint sync-notice', testid: 'sync-notice' }, n));
}
