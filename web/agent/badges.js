// @ts-check
/* Status, priority and customer-type badges of tickets. */
import { el } from '../lib/dom.js';
import { t } from '../lib/i18n.js';

/** @type {Record<string, string>} */
const STATUS_CLASS = { 'Open': 'status-open', 'On Hold': 'status-hold', 'Escalated': 'status-escalated', 'Closed': 'status-closed' };
/** @type {Record<string, string>} */
const PRIORITY_CLASS = { 'Low': 'prio-low', 'Medium': 'prio-medium', 'High': 'prio-high', 'Urgent': 'prio-urgent' };
/** @type {Record<string, string>} the desk's statuses and priorities -> their catalog keys (others show as they are) */
const VALUE_KEYS = {
  'Open': 'ticket.status.open', 'On Hold': 'ticket.status.onHold', 'Escalated': 'ticket.status.escalated', 'Closed': 'ticket.status.closed',
  'Low': 'ticket.priority.low', 'Medium': 'ticket.priority.medium', 'High': 'ticket.priority.high', 'Urgent': 'ticket.priority.urgent',
};

/**
 * A status or priority in the pages' language.
 * @param {string} value
 * @returns {string}
 */
function valueLabel(value) {
  return VALUE_KEYS[value] ? t(VALUE_KEYS[value]) : value;
}

/**
 * @param {string | null | undefined} status
 * @param {string} testid
 * @returns {HTMLSpanElement}
 */
export function statusBadge(status, testid) {
  if (!status) return el('span', { class: 'muted' }, '—');
  return el('span', { class: 'badge ' + (STATUS_CLASS[status] || ''), testid, dataset: { value: status } }, valueLabel(status));
}

/**
 * @param {string | null | undefined} priority
 * @param {string} testid
 * @returns {HTMLSpanElement}
 */
export function priorityBadge(priority, testid) {
  if (!priority) return el('span', { class: 'muted' }, '—');
  return el('span', { class: 'prio ' + (PRIORITY_CLASS[priority] || ''), testid, dataset: { value: priority } }, el('span', { class: 'prio-dot', 'aria-hidden': 'true' }), valueLabel(priority));
}

/**
 * @param {string | null | undefined} type the requester's customer type (Handshake Mode)
 * @returns {HTMLSpanElement}
 */
export function customerTypeBadge(type) {
  if (!type) return el('span', { class: 'muted', testid: 'ticket-customer-type' }, '—');
  const slug = String(type).toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return el('span', { class: 'ctype ctype-' + slug, testid: 'ticket-customer-type' }, type);
}
