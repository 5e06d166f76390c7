// @ts-check
/* The ticket's requester as the desk knows them: contact and account. */
import { api } from '../lib/api.js';
import { el } from '../lib/dom.js';
import { initials } from '../lib/format.js';
import { t } from '../lib/i18n.js';

/**
 * The requester's contact and account, or nulls when they cannot be read.
 * @param {Api.TicketFields} f the ticket's fields
 * @returns {Promise<{contact: Api.Record | null, account: Api.Record | null}>}
 */
export async function loadRequester(f) {
  let contact = null;
  let account = null;
  try {
    if (f.contact_id) contact = await api('GET', '/api/contacts/' + encodeURIComponent(f.contact_id));
    const accountId = f.account_id || (contact && contact.fields && contact.fields.account_id);
    if (accountId) account = await api('GET', '/api/accounts/' + encodeURIComponent(accountId)).catch(() => null);
  } catch (e) {
    contact = null;
  }
  return { contact, account };
}

/**
 * The Requester card (the Contact card on a contact's page); the name and
 * the account lead to their pages, where each CRM's profile shows too.
 * @param {Api.Record | null} contact
 * @param {Api.Record | null} account
 * @param {string | undefined} fallbackEmail the ticket's email, when there is no contact
 * @param {'Requester' | 'Contact'} [title] which card (shown in the pages' language)
 * @returns {HTMLDivElement}
 */
export function requesterCard(contact, account, fallbackEmail, title = 'Requester') {
  /** @type {Record<string, any>} */
  const f = (contact && contact.fields) || {};
  const name = [f.first_name, f.last_name].filter(Boolean).join(' ');
  /** @type {[string, any, string | null][]} catalog key of the label, value, testid */
  const rows = [
    ['field.email', f.email || fallbackEmail, 'requester-email'],
    ['field.secondaryEmail', f.secondary_email, null],
    ['field.phone', f.phone, 'requester-phone'],
    ['field.mobile', f.mobile, null],
    ['field.title', f.title, null],
    ['field.account', account && account.fields && account.fields.account_name
      ? el('a', { href: '#/accounts/' + encodeURIComponent(String(account.id)), testid: 'account-link' }, account.fields.account_name) : null, 'requester-account'],
    ['field.city', [f.city, f.country].filter(Boolean).join(', '), null],
  ];
  return el('div', { class: 'card requester-card', testid: 'requester-card' },
    el('h2', { class: 'card-title' }, t(title === 'Requester' ? 'agent.requester' : 'record.contact')),
    el('div', { class: 'profile-head' },
      el('span', { class: 'avatar avatar-lg', 'aria-hidden': 'true' }, initials(name || fallbackEmail)),
      el('div', { class: 'profile-id' },
        el(title === 'Requester' ? 'div' : 'h1', { class: 'profile-name', testid: 'requester-name' }, contact && title === 'Requester'
          ? el('a', { href: '#/contacts/' + encodeURIComponent(String(contact.id)), testid: 'contact-link' }, name || f.email || t('record.contact'))
          : name || fallbackEmail || t('agent.unknownRequester')),
        f.title ? el('div', { class: 'muted' }, f.title) : null)),
    el('dl', { class: 'kv-list' }, rows.filter(([, v]) => v).map(([label, value, testid]) => el('div', { class: 'kv' }, el('dt', {}, t(label)), el('dd', { testid }, value)))));
}
