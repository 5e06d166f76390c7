// @ts-check
/* The ticket's requester as the desk knows them: contact and account. */
import { api } from '../lib/api.js';
import { el } from '../lib/dom.js';
import { initials } from '../lib/format.js';

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
 * @param {string} [title]
 * @returns {HTMLDivElement}
 */
export function requesterCard(contact, account, fallbackEmail, title = 'Requester') {
  /** @type {Record<string, any>} */
  const f = (contact && contact.fields) || {};
  const name = [f.first_name, f.last_name].filter(Boolean).join(' ');
  /** @type {[string, any, string | null][]} */
  const rows = [
    ['Email', f.email || fallbackEmail, 'requester-email'],
    ['Secondary email', f.secondary_email, null],
    ['Phone', f.phone, 'requester-phone'],
    ['Mobile', f.mobile, null],
    ['Title', f.title, null],
    ['Account', account && account.fields && account.fields.account_name
      ? el('a', { href: '#/accounts/' + encodeURIComponent(String(account.id)), testid: 'account-link' }, account.fields.account_name) : null, 'requester-account'],
    ['City', [f.city, f.country].filter(Boolean).join(', '), null],
  ];
  return el('div', { class: 'card requester-card', testid: 'requester-card' },
    el('h3', { class: 'card-title' }, title),
    el('div', { class: 'profile-head' },
      el('span', { class: 'avatar avatar-lg', 'aria-hidden': 'true' }, initials(name || fallbackEmail)),
      el('div', { class: 'profile-id' },
        el('div', { class: 'profile-name', testid: 'requester-name' }, contact && title === 'Requester'
          ? el('a', { href: '#/contacts/' + encodeURIComponent(String(contact.id)), testid: 'contact-link' }, name || f.email || 'Contact')
          : name || fallbackEmail || 'Unknown requester'),
        f.title ? el('div', { class: 'muted' }, f.title) : null)),
    el('dl', { class: 'kv-list' }, rows.filter(([, v]) => v).map(([label, value, testid]) => el('div', { class: 'kv' }, el('dt', {}, label), el('dd', { testid }, value)))));
}
