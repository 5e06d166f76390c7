// @ts-check
/* What the admin console's recording log and the agent's Conversation card
 * say about a contact-centre conversation and the CRM records it produced
 * (seed 004): "Lead", "created", "Web Chat", the conversation's fields.
 */
import { t } from './i18n.js';

/** @type {Record<string, string>} the contract's module -> the catalog key of one record of it */
const SINGULAR = {
  Leads: 'record.lead', Contacts: 'record.contact', Accounts: 'record.account', Cases: 'record.case', Tasks: 'record.task',
  Calls: 'record.call', Events: 'record.event', Notes: 'record.note', Potentials: 'record.potential',
};

/**
 * "Leads" -> "Lead", "Cases" -> "Case"; another module without its plural s.
 * @param {string | null | undefined} module
 * @returns {string}
 */
export function recordKind(module) {
  const m = String(module || '');
  return SINGULAR[m] ? t(SINGULAR[m]) : m.replace(/s$/, '') || t('record.record');
}

/** @type {Record<string, string>} how a record came to be linked -> its catalog key */
const HOW_KEYS = { created: 'recording.created', found: 'recording.found', updated: 'recording.updated' };

/**
 * How a record came to be linked, in words: "Created", "Found", "Updated".
 * @param {string} how
 * @returns {string}
 */
export function howLabel(how) {
  return HOW_KEYS[how] ? t(HOW_KEYS[how]) : how;
}

/**
 * A conversation field as text ("" when it has none): the contract writes
 * values as {"Text": "..."}, {"Datetime": "..."}, "Null", ...
 * @param {Api.RecordingEntry} entry
 * @param {string} name
 * @returns {string}
 */
export function conversationField(entry, name) {
  const fields = (entry.conversation && entry.conversation.fields) || [];
  const field = fields.find((f) => f.name === name);
  if (!field) return '';
  const value = field.value;
  if (value === null || value === undefined || typeof value === 'string') return '';
  const inner = Object.values(value)[0];
  return inner === null || inner === undefined ? '' : String(inner);
}

/**
 * "Web Chat" or "Inbox" (the seed's sections).
 * @param {Api.RecordingEntry} entry
 * @returns {string}
 */
export function channelLabel(entry) {
  const channel = conversationField(entry, 'channel');
  if (channel === 'inbox') return t('recording.inbox');
  if (channel === 'web_chat') return conversationField(entry, 'offline') === 'true' ? t('recording.webChatOffline') : t('recording.webChat');
  return channel || t('recording.conversation');
}

/**
 * Who the conversation was with: the visitor's name, else their email.
 * @param {Api.RecordingEntry} entry
 * @returns {string}
 */
export function visitorName(entry) {
  return conversationField(entry, 'visitor.name') || conversationField(entry, 'visitor.email') || t('recording.visitor');
}
