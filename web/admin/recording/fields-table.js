// @ts-check
/* "Fields recorded" (seed 004, "Web Chat/Inbox data you can get in the
 * CRM"): which of a conversation's details go to which field of the lead or
 * contact, and of the task or case. Read-only: the rules are the desk's;
 * the CRM plugin's manifest maps the fields to its API names.
 */
import { el } from '../../lib/dom.js';

/** @type {string[][]} Web Chat, Inbox, contact field, lead field */
const PERSON_ROWS = [
  ['Agent who chatted with the contact/lead', 'Agent who conversed with the contact/lead', 'Contact Owner', 'Lead Owner'],
  ['Name', 'Last Name', 'Last Name', 'Last Name'],
  ['Email Address', 'Email Address', 'Email', 'Email'],
  ['Phone', 'Cell Phone', 'Phone', 'Phone'],
  ['Company', 'Company Name', '/', 'Company'],
];

/** @type {string[][]} Web Chat, Inbox, case field, task field */
const ACTIVITY_ROWS = [
  ['Agent who chatted with the contact/lead', 'Agent who conversed with the contact/lead', 'Case Owner', 'Task Owner'],
  ['Name', 'Last Name', 'Name', 'Subject'],
  ['Email Address', 'Email Address', 'Email', '/'],
  ['Phone', 'Cell Phone', 'Phone', 'Phone in Contact Fields'],
  ['Company', 'Company Name', 'Company', '/'],
  ['Tenant ID', 'Tenant ID', 'Subject', 'Subject'],
  ['Chat Channel', 'Chat Channel', 'Subject', 'Subject'],
  ['Chat Content', 'Conversation Content', 'Description', 'Description'],
  ['Chat ID', 'Conversation ID', 'Description', 'Description'],
  ['Note', 'Note', 'Description', 'Description'],
  ['Agent Wrap-up', '/', 'Description', 'Description'],
  ['Start Time', 'Start Time', 'Description', 'Description'],
  ['End Time', 'End Time', 'Description', 'Description'],
  ['Custom Fields and Custom Variables', '/', 'Description', 'Description'],
  ['Attachments', 'Attachments', 'Description (attachment links)', 'Description (attachment links)'],
];

/**
 * One table: a caption, four columns, a row per detail ("/" = not recorded).
 * @param {string} caption
 * @param {string[]} heads
 * @param {string[][]} rows
 * @param {string} testid
 * @returns {HTMLTableElement}
 */
function table(caption, heads, rows, testid) {
  return el('table', { class: 'table compact fields-table', testid },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, heads.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((cell, i) => (i === 0
      ? el('th', { scope: 'row' }, cell)
      : el('td', { class: cell === '/' ? 'muted' : '' }, cell === '/' ? el('span', { 'aria-label': 'not recorded' }, '/') : cell)))))));
}

/**
 * The Fields recorded card.
 * @param {string} crmName the CRM records go to ("Zoho CRM"), or "the CRM"
 * @param {string} centreName the contact centre ("CloudCX")
 * @returns {HTMLElement}
 */
export function fieldsCard(crmName, centreName) {
  const chat = centreName + ' fields in Web Chat';
  const inbox = centreName + ' fields in Inbox';
  return el('section', { class: 'card', testid: 'recording-fields' },
    el('h2', { class: 'card-title' }, 'Fields recorded'),
    el('p', { class: 'muted' }, 'The Web Chat and Inbox data you get in ' + crmName + '. The owner of a new record is the ' + crmName
      + ' user with the chatting agent\u2019s email address; when there is none, the user whose account connected ' + crmName + '.'),
    el('div', { class: 'fields-tables' },
      el('div', { class: 'fields-table-wrap' }, table('Contact and lead details', [chat, inbox, crmName + ' contact fields', crmName + ' lead fields'], PERSON_ROWS, 'fields-person')),
      el('div', { class: 'fields-table-wrap' }, table('Case and task details', [chat, inbox, crmName + ' case fields', crmName + ' task fields'], ACTIVITY_ROWS, 'fields-activity'))));
}
