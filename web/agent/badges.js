// @ts-check
/* Status, priority and customer-type badges of tickets. */
import { el } from '../lib/dom.js';

/** @type {Record<string, string>} */
const STATUS_CLASS = { 'Open': 'status-open', 'On Hold': 'status-hold', 'Escalated': 'status-escalated', 'Closed': 'status-closed' };
/** @type {Record<string, string>} */
const PRIORITY_CLASS = { 'Low': 'prio-low', 'Medium': 'prio-medium', 'High': 'prio-high', 'Urgent': 'prio-urgent' };

/**
 * @param {string | null | undefined} status
 * @param {string} testid
 * @returns {HTMLSpanElement}
 */
export function statusBadge(status, testid) {
  if (!status) return el('span', { class: 'muted' }, '—');
  return el('span', { class: 'badge ' + (STATUS_CLASS[status] || ''), testid }, status);
}

/**
 * @param {string | null | undefined} priority
 * @param {string} testid
 * @returns {HTMLSpanElement}
 */
export function priorityBadge(priority, testid) {
  if (!priority) return el('span', { class: 'muted' }, '—');
  return el('span', { class: 'prio ' + (PRIORITY_CLASS[priority] || ''), testid }, el('span', { class: 'prio-dot', 'aria-hidden': 'true' }), priority);
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
