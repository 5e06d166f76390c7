// @ts-check
/* The recording log: a row per conversation, newest first, with the lead
 * or contact and the task or case it produced in the CRM (and whether each
 * was created, found or updated), its desk ticket, and why it failed, with
 * Try Again.
 */
import { api } from '../../lib/api.js';
import { clear, el } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { locale, t } from '../../lib/i18n.js';
import { channelLabel, conversationField, howLabel, recordKind, visitorName } from '../../lib/recording.js';
import { pill, toast } from '../../lib/ui.js';
import { app } from '../app.js';
import { recordingPath } from './plugins.js';

/**
 * A CRM record of the log: its kind, name, id and how it came to be linked; "—" for none.
 * @param {Api.LinkedRecord | null | undefined} linked
 * @param {string} testid
 * @returns {HTMLElement}
 */
function linkedCell(linked, testid) {
  if (!linked) return el('span', { class: 'muted', testid, dataset: { empty: 'true' } }, '\u2014');
  const r = linked.record;
  return el('div', { class: 'log-record', testid, dataset: { module: r.module, id: r.id, how: linked.how } },
    el('div', {},
      el('span', { class: 'tag' }, recordKind(r.module)), ' ',
      el('span', { class: 'log-record-name' }, r.name || t('common.noName'))),
    el('div', { class: 'log-meta muted small' },
      el('span', { class: 'how how-' + linked.how, testid: testid + '-how' }, howLabel(linked.how)),
      el('code', { testid: testid + '-id' }, r.id)));
}

/**
 * The conversation's files under its task or case: attached, or why not.
 * @param {Api.AttachedFile[] | undefined} files
 * @returns {HTMLElement | null}
 */
function filesList(files) {
  if (!files || !files.length) return null;
  return el('ul', { class: 'log-files small', testid: 'log-files' },
    ...files.map((f) => el('li', { testid: 'log-file', dataset: { attached: String(!!f.crm_id) } },
      el('span', { class: 'log-file-name' }, f.name),
      f.crm_id ? el('span', { class: 'muted' }, ' ' + t('conversation.attached')) : el('span', { class: 'muted' }, ' — ' + (f.skipped || t('conversation.notAttachedYet'))))));
}

/**
 * The conversation: channel, visitor and id.
 * @param {Api.RecordingEntry} e
 * @returns {HTMLElement}
 */
function conversationCell(e) {
  return el('div', {},
    el('div', { class: 'log-visitor' }, visitorName(e)),
    el('div', { class: 'log-meta muted small' }, el('span', {}, channelLabel(e)), el('code', { testid: 'log-conversation-id' }, e.conversation_id)));
}

/**
 * The row's outcome: Recorded, Ticket only (manual mode), Not recorded, or the failure with Try Again.
 * @param {Api.Plugin} plugin
 * @param {Api.RecordingEntry} e
 * @param {(updated: Api.RecordingEntry) => void} repaint
 * @returns {HTMLElement}
 */
function outcomeCell(plugin, e, repaint) {
  if (!e.failure) {
    if (e.person && e.activity) return pill(t('admin.log.recorded'), 'ok', 'log-status');
    if (e.person || e.activity) return pill(t('admin.log.partly'), 'muted', 'log-status');
    return pill(t('admin.log.ticketOnly'), 'muted', 'log-status');
  }
  const retry = el('button', { type: 'button', class: 'btn btn-small', testid: 'log-retry' }, t('admin.tryAgain'));
  const failure = el('p', { class: 'log-failure', testid: 'log-failure' }, e.failure);
  const again = el('p', { class: 'log-again', role: 'alert', testid: 'log-retry-error', hidden: true });
  retry.addEventListener('click', async () => {
    retry.disabled = true;
    retry.textContent = t('admin.trying');
    again.hidden = true;
    try {
      /** @type {Api.RecordingEntry} */
      const updated = await api('POST', recordingPath(plugin.id) + '/log/' + encodeURIComponent(e.conversation_id) + '/retry');
      toast(t('admin.log.retried', { visitor: visitorName(updated) }));
      repaint(updated);
    } catch (err) {
      if (err.status === 401) { app.start(); return; }
      failure.textContent = err.message;
      again.textContent = t('admin.log.failedAgain', { time: new Date().toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit' }) });
      again.hidden = false;
      retry.disabled = false;
      retry.textContent = t('admin.tryAgain');
    }
  });
  return el('div', { class: 'log-outcome' }, failure, again, retry);
}

/**
 * One conversation's row; Try Again repaints it in place.
 * @param {Api.Plugin} plugin
 * @param {Api.RecordingEntry} e
 * @returns {HTMLTableRowElement}
 */
function logRow(plugin, e) {
  const ticket = e.ticket
    ? el('a', { href: '/#/tickets/' + encodeURIComponent(e.ticket), testid: 'log-ticket' }, t('ticket.number', { id: String(e.ticket) }))
    : el('span', { class: 'muted', testid: 'log-ticket' }, '\u2014');
  const started = conversationField(e, 'started_at');
  const row = el('tr', { testid: 'log-row', class: e.failure ? 'log-row-failed' : '', dataset: { conversation: e.conversation_id, failed: String(!!e.failure) } },
    el('td', {},
      el('div', { testid: 'log-time' }, formatDateTime(e.updated_at)),
      started ? el('div', { class: 'muted small' }, t('admin.log.started', { time: formatDateTime(started) })) : null),
    el('td', {}, conversationCell(e)),
    el('td', {}, linkedCell(e.person, 'log-person')),
    el('td', {}, linkedCell(e.activity, 'log-activity'), filesList(e.files)),
    el('td', { class: 'nowrap' }, ticket),
    el('td', {}, outcomeCell(plugin, e, (updated) => {
      const fresh = logRow(plugin, updated);
      row.replaceWith(fresh);
      const focus = /** @type {HTMLElement | null} */ (fresh.querySelector('a, button'));
      if (focus) focus.focus();
    })));
  return row;
}

/**
 * The log's panel; `paint(entries)` shows them, `reload()` fetches them again.
 * @param {Api.Plugin} plugin
 * @param {Api.RecordingEntry[]} entries
 * @param {number} queued events received and not yet applied
 * @returns {{panel: HTMLElement, reload: () => Promise<void>, failures: () => number}}
 */
export function logPanel(plugin, entries, queued) {
  let shown = entries;
  const body = el('div', { class: 'sync-table-wrap' });
  const note = el('span', { class: 'muted small', testid: 'log-queued' });
  const refresh = el('button', { type: 'button', class: 'btn btn-small', testid: 'log-refresh' }, t('panel.refresh'));
  const panel = el('section', { class: 'card table-card', testid: 'recording-log' },
    el('div', { class: 'card-head sync-card-head' },
      el('div', {},
        el('h2', { class: 'card-title' }, t('admin.log.title')),
        el('p', { class: 'muted small' }, t('admin.log.intro'))),
      el('div', { class: 'toolbar' }, note, refresh)));
  panel.appendChild(body);

  /** @param {number} waiting */
  function paint(waiting) {
    note.textContent = waiting ? t('admin.log.queued', { count: waiting }) : '';
    clear(body);
    if (!shown.length) {
      body.appendChild(el('p', { class: 'empty', testid: 'log-empty' }, t('admin.log.none', { centre: plugin.name || plugin.id })));
      return;
    }
    body.appendChild(el('div', { class: 'log-scroll' }, el('table', { class: 'table sync-table log-table', testid: 'log-table' },
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col', class: 'log-col-time' }, t('admin.log.time')),
        el('th', { scope: 'col', class: 'log-col-conversation' }, t('recording.conversation')),
        el('th', { scope: 'col', class: 'log-col-record' }, t('conversation.person')),
        el('th', { scope: 'col', class: 'log-col-record' }, t('conversation.activity')),
        el('th', { scope: 'col', class: 'log-col-ticket' }, t('ticket.ticket')),
        el('th', { scope: 'col', class: 'log-col-outcome' }, t('admin.log.outcome')))),
      el('tbody', {}, shown.map((e) => logRow(plugin, e))))));
  }

  async function reload() {
    refresh.disabled = true;
    try {
      const [log, view] = await Promise.all([api('GET', recordingPath(plugin.id) + '/log'), api('GET', recordingPath(plugin.id))]);
      shown = (log && log.entries) || [];
      paint(view ? view.queued : 0);
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      toast(e.message, 'error');
    } finally {
      refresh.disabled = false;
    }
  }
  refresh.addEventListener('click', () => { reload(); });
  paint(queued);
  return { panel, reload, failures: () => shown.filter((e) => e.failure).length };
}
