// @ts-check
/* "Fields recorded" (seed 004, "Web Chat/Inbox data you can get in the
 * CRM"): which of a conversation's details go to which field of the lead or
 * contact, and of the task or case. Read-only: the rules are the desk's;
 * the CRM plugin's manifest maps the fields to its API names.
 */
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';

/* The fields' names, as catalog keys. */
const CHATTED = 'admin.recordedField.agentChatted';
const CONVERSED = 'admin.recordedField.agentConversed';
const NAME = 'admin.recordedField.name';
const LAST_NAME = 'admin.recordedField.lastName';
const EMAIL_ADDRESS = 'admin.recordedField.emailAddress';
const EMAIL = 'admin.recordedField.email';
const PHONE = 'admin.recordedField.phone';
const CELL_PHONE = 'admin.recordedField.cellPhone';
const COMPANY = 'admin.recordedField.company';
const COMPANY_NAME = 'admin.recordedField.companyName';
const SUBJECT = 'admin.recordedField.subject';
const DESCRIPTION = 'admin.recordedField.description';
const START = 'admin.recordedField.startTime';
const END = 'admin.recordedField.endTime';
const TENANT = 'admin.recordedField.tenantId';
const CHANNEL = 'admin.recordedField.chatChannel';
const NOTE = 'admin.recordedField.note';
const ATTACHMENTS = 'admin.recordedField.attachments';
const LINKS = 'admin.recordedField.descriptionLinks';

/** @type {string[][]} Web Chat, Inbox, contact field, lead field ("/": not recorded) */
const PERSON_ROWS = [
  [CHATTED, CONVERSED, 'admin.recordedField.contactOwner', 'admin.recordedField.leadOwner'],
  [NAME, LAST_NAME, LAST_NAME, LAST_NAME],
  [EMAIL_ADDRESS, EMAIL_ADDRESS, EMAIL, EMAIL],
  [PHONE, CELL_PHONE, PHONE, PHONE],
  [COMPANY, COMPANY_NAME, '/', COMPANY],
];

/** @type {string[][]} Web Chat, Inbox, case field, task field ("/": not recorded) */
const ACTIVITY_ROWS = [
  [CHATTED, CONVERSED, 'admin.recordedField.caseOwner', 'admin.recordedField.taskOwner'],
  [NAME, LAST_NAME, NAME, SUBJECT],
  [EMAIL_ADDRESS, EMAIL_ADDRESS, EMAIL, '/'],
  [PHONE, CELL_PHONE, PHONE, 'admin.recordedField.phoneInContact'],
  [COMPANY, COMPANY_NAME, COMPANY, '/'],
  [TENANT, TENANT, SUBJECT, SUBJECT],
  [CHANNEL, CHANNEL, SUBJECT, SUBJECT],
  ['admin.recordedField.chatContent', 'admin.recordedField.conversationContent', DESCRIPTION, DESCRIPTION],
  ['admin.recordedField.chatId', 'admin.recordedField.conversationId', DESCRIPTION, DESCRIPTION],
  [NOTE, NOTE, DESCRIPTION, DESCRIPTION],
  ['admin.recordedField.wrapUp', '/', DESCRIPTION, DESCRIPTION],
  [START, START, DESCRIPTION, DESCRIPTION],
  [END, END, DESCRIPTION, DESCRIPTION],
  ['admin.recordedField.custom', '/', DESCRIPTION, DESCRIPTION],
  [ATTACHMENTS, ATTACHMENTS, LINKS, LINKS],
];

/**
 * One table: a caption, four columns, a row per detail ("/" = not recorded).
 * @param {string} caption
 * @param {string[]} heads
 * @param {string[][]} rows the fields' catalog keys
 * @param {string} testid
 * @returns {HTMLTableElement}
 */
function table(caption, heads, rows, testid) {
  return el('table', { class: 'table compact fields-table', testid },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, heads.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((cell, i) => (i === 0
      ? el('th', { scope: 'row' }, t(cell))
      : el('td', { class: cell === '/' ? 'muted' : '' }, cell === '/' ? el('span', { 'aria-label': t('admin.recordedField.notRecorded') }, '/') : t(cell))))))));
}

/**
 * The Fields recorded card.
 * @param {string | null} crmName the CRM records go to ("Zoho CRM"); null when none is enabled
 * @param {string} centreName the contact centre ("CloudCX")
 * @returns {HTMLElement}
 */
export function fieldsCard(crmName, centreName) {
  const crm = crmName || 'CRM';
  const chat = t('admin.recorded.chatFields', { centre: centreName });
  const inbox = t('admin.recorded.inboxFields', { centre: centreName });
  return el('section', { class: 'card', testid: 'recording-fields' },
    el('h2', { class: 'card-title' }, t('admin.recorded.title')),
    el('p', { class: 'muted' }, crmName ? t('admin.recorded.intro', { crm: crmName }) : t('admin.recorded.introNoCrm')),
    el('div', { class: 'fields-tables' },
      el('div', { class: 'fields-table-wrap' }, table(t('admin.recorded.person'),
        [chat, inbox, t('admin.recorded.contactFields', { crm }), t('admin.recorded.leadFields', { crm })], PERSON_ROWS, 'fields-person')),
      el('div', { class: 'fields-table-wrap' }, table(t('admin.recorded.activity'),
        [chat, inbox, t('admin.recorded.caseFields', { crm }), t('admin.recorded.taskFields', { crm })], ACTIVITY_ROWS, 'fields-activity'))));
}
