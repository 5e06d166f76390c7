// @ts-check
/* The ticket list (#/tickets[?order=customer-type&customer_type=X]):
 * newest first, or ordered and filtered by the requesters' customer types
 * from the CRM (Handshake Mode).
 */
import { api } from '../lib/api.js';
import { append, clear, el, loading } from '../lib/dom.js';
import { formatDateTime, initials } from '../lib/format.js';
import { formatList, t } from '../lib/i18n.js';
import { agentPage, app } from './app.js';
import { customerTypeBadge, priorityBadge, statusBadge } from './badges.js';

/** The columns' catalog keys. */
const COLUMNS = ['tickets.subject', 'agent.requester', 'tickets.status', 'tickets.priority', 'tickets.customerType', 'ticket.created'];

/**
 * A table row of one cell across every column.
 * @param {import('../lib/dom.js').Child} content
 * @returns {HTMLTableRowElement}
 */
function wideRow(content) {
  return el('tr', {}, el('td', { colspan: '6' }, content));
}

/**
 * Goes to the list in this order, filtered by this customer type.
 * @param {string} order
 * @param {string} type
 */
function go(order, type) {
  const q = new URLSearchParams();
  if (order !== 'newest') q.set('order', order);
  if (type) q.set('customer_type', type);
  const s = q.toString();
  location.hash = '#/tickets' + (s ? '?' + s : '');
}

/**
 * The "Order by" and "Customer type" selects; changing either changes the address.
 * @param {string} order
 * @returns {{orderSelect: HTMLSelectElement, typeSelect: HTMLSelectElement}}
 */
function toolbarSelects(order) {
  const orderSelect = el('select', { id: 'order-select', testid: 'order-select' },
    el('option', { value: 'newest', selected: order === 'newest' }, t('tickets.newest')),
    el('option', { value: 'customer-type', selected: order === 'customer-type' }, t('tickets.customerType')));
  const typeSelect = el('select', { id: 'customer-type-filter', testid: 'customer-type-filter' },
    el('option', { value: '' }, t('tickets.allCustomerTypes')));
  orderSelect.addEventListener('change', () => go(orderSelect.value, typeSelect.value));
  typeSelect.addEventListener('change', () => go(orderSelect.value, typeSelect.value));
  return { orderSelect, typeSelect };
}

/**
 * @param {HTMLTableSectionElement} body
 * @returns {HTMLTableElement}
 */
function ticketTable(body) {
  return el('table', { class: 'table tickets-table', testid: 'ticket-table' },
    el('thead', {}, el('tr', {}, COLUMNS.map((c) => el('th', { scope: 'col' }, t(c))))),
    body);
}

/**
 * One ticket of the list; a click anywhere on it opens the ticket.
 * @param {Api.TicketSummary} ticket
 * @returns {HTMLTableRowElement}
 */
function ticketRow(ticket) {
  const href = '#/tickets/' + encodeURIComponent(ticket.id);
  const row = el('tr', { class: 'ticket-row', testid: 'ticket-row', dataset: { id: ticket.id } },
    el('td', { class: 'cell-subject' }, el('a', { href, testid: 'ticket-subject' }, ticket.subject || t('common.noSubject'))),
    el('td', {}, el('div', { class: 'cell-requester' },
      el('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' }, initials(ticket.requester || ticket.email)),
      el('span', { class: 'requester' },
        el('span', { testid: 'ticket-requester' }, ticket.requester || ticket.email || '—'),
        ticket.requester && ticket.email ? el('span', { class: 'muted small' }, ticket.email) : null))),
    el('td', {}, statusBadge(ticket.status, 'ticket-status')),
    el('td', {}, priorityBadge(ticket.priority, 'ticket-priority')),
    el('td', {}, customerTypeBadge(ticket.customer_type)),
    el('td', { class: 'muted nowrap', testid: 'ticket-created' }, formatDateTime(ticket.created_at)));
  row.addEventListener('click', (event) => {
    if (/** @type {Element} */ (event.target).closest('a')) return;
    location.hash = href;
  });
  return row;
}

/**
 * Fills the customer-type filter with the types the answer lists (and the chosen one).
 * @param {HTMLSelectElement} typeSelect
 * @param {string[]} types
 * @param {string} type the chosen type
 */
function fillTypes(typeSelect, types, type) {
  for (const each of types) typeSelect.appendChild(el('option', { value: each, selected: each === type }, each));
  if (type && !types.includes(type)) typeSelect.appendChild(el('option', { value: type, selected: true }, type));
}

/**
 * Renders the ticket list.
 * @param {number} seq the render
 * @param {URLSearchParams} params the hash's query
 */
export async function ticketListPage(seq, params) {
  const order = params.get('order') === 'customer-type' ? 'customer-type' : 'newest';
  const type = params.get('customer_type') || '';
  const main = agentPage();
  const { orderSelect, typeSelect } = toolbarSelects(order);
  const count = el('span', { class: 'muted', testid: 'ticket-count' });
  const hint = el('p', { class: 'hint', testid: 'handshake-hint', hidden: true });
  const banner = el('p', { class: 'notice-banner', role: 'status', testid: 'customer-types-unavailable', hidden: true });
  const body = el('tbody', {}, wideRow(loading()));

  append(main,
    el('div', { class: 'page-head' },
      el('div', {}, el('h1', {}, t('shell.tickets')), count),
      el('div', { class: 'toolbar' },
        el('label', { class: 'field-inline', for: 'order-select' }, el('span', {}, t('tickets.orderBy')), orderSelect),
        el('label', { class: 'field-inline', for: 'customer-type-filter' }, el('span', {}, t('tickets.customerType')), typeSelect))),
    hint,
    banner,
    el('div', { class: 'card table-card' }, ticketTable(body)));

  const q = new URLSearchParams({ order });
  if (type) q.set('customer_type', type);
  let answer;
  try {
    answer = await api('GET', '/api/ticket-list?' + q.toString());
  } catch (e) {
    if (!app.live(seq)) return;
    if (e.status === 401) return app.start();
    clear(body).appendChild(wideRow(el('div', { class: 'panel-error', role: 'alert', testid: 'ticket-list-error' }, e.message)));
    return;
  }
  if (!app.live(seq)) return;
  fillTypes(typeSelect, answer.customer_types || [], type);
  if (!(answer.customer_type_sources || []).length) {
    hint.textContent = t('tickets.handshakeHint');
    hint.hidden = false;
  }
  const unavailable = answer.customer_types_unavailable || [];
  if (unavailable.length) {
    banner.textContent = t(type ? 'tickets.typesUnavailableFiltered' : 'tickets.typesUnavailable', { crms: formatList(unavailable) });
    banner.hidden = false;
  }

  /** @type {Api.TicketSummary[]} */
  const tickets = answer.tickets || [];
  count.textContent = t('tickets.count', { count: tickets.length });
  clear(body);
  if (!tickets.length) {
    body.appendChild(wideRow(el('p', { class: 'empty', testid: 'no-tickets' }, type ? t('tickets.noneOfType', { type }) : t('tickets.none'))));
  }
  for (const ticket of tickets) body.appendChild(ticketRow(ticket));
}
