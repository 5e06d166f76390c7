// @ts-check
/* A desk contact's or account's page (#/contacts/{id}, #/accounts/{id}):
 * the record as the desk keeps it, and beside it each CRM's profile of the
 * same person or company (seed 001: "a customer profile from within a
 * contact or account details page").
 */
import { api } from '../lib/api.js';
import { append, clear, el, loading } from '../lib/dom.js';
import { initials } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { renderPanels } from '../panel/panels.js';
import { agentPage, app, panelsLink } from './app.js';
import { requesterCard } from './requester-card.js';

/** @type {[string, string][]} an account's fields as the page shows them: catalog key, field */
const ACCOUNT_FIELDS = [
  ['field.phone', 'phone'],
  ['field.website', 'website'],
  ['field.industry', 'industry'],
  ['field.employees', 'employees'],
  ['field.city', 'city'],
  ['field.country', 'country'],
  ['field.description', 'description'],
];

/**
 * @param {Api.Record} account
 * @returns {HTMLDivElement}
 */
function accountCard(account) {
  /** @type {Record<string, any>} */
  const f = account.fields || {};
  return el('div', { class: 'card requester-card', testid: 'account-card' },
    el('h2', { class: 'card-title' }, t('record.account')),
    el('div', { class: 'profile-head' },
      el('span', { class: 'avatar avatar-lg', 'aria-hidden': 'true' }, initials(f.account_name)),
      el('div', { class: 'profile-id' }, el('h1', { class: 'profile-name', testid: 'record-name' }, f.account_name || t('common.noName')))),
    el('dl', { class: 'kv-list' }, ACCOUNT_FIELDS.filter(([, k]) => f[k] !== undefined && f[k] !== null && f[k] !== '')
      .map(([label, k]) => el('div', { class: 'kv' }, el('dt', {}, t(label)), el('dd', {}, String(f[k]))))));
}

/**
 * Renders a contact's or an account's page.
 * @param {number} seq the render
 * @param {'contacts' | 'accounts'} kind
 * @param {string} id
 */
export async function recordPage(seq, kind, id) {
  const main = agentPage();
  const left = el('div', { class: 'ticket-main', testid: 'record' }, loading());
  const right = el('aside', { class: 'ticket-panels', testid: 'panels', 'aria-label': t('agent.panels') });
  append(main,
    el('nav', { class: 'crumbs' }, el('a', { href: '#/tickets', testid: 'back-to-list' }, t('agent.allTickets')), panelsLink(right)),
    el('div', { class: 'ticket-layout' }, left, right));
  renderPanels(right, kind, id);

  /** @type {Api.Record} */
  let record;
  try {
    record = await api('GET', '/api/' + kind + '/' + encodeURIComponent(id));
  } catch (e) {
    if (!app.live(seq)) return;
    if (e.status === 401) return app.start();
    clear(left).appendChild(el('div', { class: 'panel-error', role: 'alert', testid: 'record-error' }, e.message));
    return;
  }
  if (!app.live(seq)) return;
  if (kind === 'accounts') {
    document.title = ((record.fields || {}).account_name || t('record.account')) + ' · Deskpane';
    clear(left).appendChild(accountCard(record));
    return;
  }
  /** @type {Record<string, any>} */
  const f = record.fields || {};
  const account = f.account_id ? await api('GET', '/api/accounts/' + encodeURIComponent(f.account_id)).catch(() => null) : null;
  if (!app.live(seq)) return;
  document.title = ([f.first_name, f.last_name].filter(Boolean).join(' ') || t('record.contact')) + ' · Deskpane';
  clear(left).appendChild(requesterCard(record, account, undefined, 'Contact'));
}
