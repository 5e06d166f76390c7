// @ts-check
/* What the admin console's recording log and the agent's Conversation card
 * say about a contact-centre conversation and the CRM records it produced
 * (seed 004): "Lead", "created", "Web Chat", the conversation's fields.
 */

/** @type {Record<string, string>} the contract's module -> one record of it */
const SINGULAR = { Leads: 'Lead', Contacts: 'Contact', Accounts: 'Account', Cases: 'Case', Tasks: 'Task', Calls: 'Call', Events: 'Event', Notes: 'Note', Potentials: 'Potential' };

/**
 * "Leads" -> "Lead", "Cases" -> "Case"; another module without its plural s.
 * @param {string | null | undefined} module
 * @returns {string}
 */
export function recordKind(module) {
  const m = String(module || '');
  return SINGULAR[m] || m.replace(/s$/, '') || 'Record';
}

/** @type {Record<string, string>} how a record came to be linked */
export const HOW_LABELS = { created: 'Created', found: 'Found', updated: 'Updated' };

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
  if (channel === 'inbox') return 'Inbox';
  if (channel === 'web_chat') return conversationField(entry, 'offline') === 'true' ? 'Web Chat (offline message)' : 'Web Chat';
  return channel || 'Conversation';
}

/**
 * Who the conversation was with: the visitor's name, else their email.
 * @param {Api.RecordingEntry} entry
 * @returns {string}
 */
export function visitorName(entry) {
  return conversationField(entry, 'visitor.name') || conversationField(entry, 'visitor.email') || 'Visitor';
}
