// @ts-check
/* The Outbox page (#outbox): the emails the desk sent, newest first. */
import { api } from '../../lib/api.js';
import { append, clear, el, loading } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
import { guard } from '../app.js';
import { adminPage, pageHead } from '../layout.js';
import { sentence } from '../sentence.js';

/**
 * @param {Api.Email} m
 * @returns {HTMLElement}
 */
function emailCard(m) {
  return el('article', { class: 'card email', testid: 'outbox-email' },
    el('div', { class: 'email-head' },
      el('div', {}, el('div', { class: 'email-subject', testid: 'outbox-subject' }, m.subject),
        el('div', { class: 'muted small' }, sentence('admin.outbox.to', { to: el('span', { testid: 'outbox-to' }, m.to) }))),
      el('span', { class: 'muted small nowrap' }, formatDateTime(m.sent_at))),
    el('div', { class: 'email-body', testid: 'outbox-body' }, m.body));
}

/**
 * Renders the Outbox page.
 * @param {number} seq
 */
export async function outboxPage(seq) {
  const content = adminPage('outbox');
  const list = el('div', { class: 'stack', testid: 'outbox' }, loading());
  append(content,
    pageHead(t('admin.nav.outbox'), t('admin.outbox.intro')),
    list);
  /** @type {Api.Email[]} */
  let emails;
  try { emails = (await api('GET', '/api/admin/outbox')).emails || []; } catch (e) { guard(seq, e, list); return; }
  if (guard(seq, null, list)) return;
  clear(list);
  if (!emails.length) list.appendChild(el('div', { class: 'card' }, el('p', { class: 'empty', testid: 'outbox-empty' }, t('admin.outbox.none'))));
  for (const m of emails.slice().reverse()) list.appendChild(emailCard(m));
}
