// @ts-check
/* What the sync console says about modules, directions and failures. */

/** @type {[string, string][]} the modules a plugin can sync, in order */
export const SYNC_MODULES = [
  ['contacts', 'Contacts'],
  ['accounts', 'Accounts'],
  ['products', 'Products'],
];

/** @type {Record<string, string>} */
export const MODULE_LABELS = { contacts: 'Contacts', accounts: 'Accounts', products: 'Products' };

/** @type {Record<string, string>} What a module's records are matched by before they are mapped (the seeds' duplicate check). */
export const DUPLICATE_CHECK = {
  contacts: 'Contacts are matched by email address; all contacts sync, with or without one.',
  accounts: 'Accounts are matched by account name.',
  products: 'Products are matched by product name.',
};

/** @type {Record<string, string>} The seeds' associates: what "Delete only if no associates" looks at. */
export const ASSOCIATES = {
  contacts: 'tickets, time entries, activities and attachments',
  accounts: 'tickets, contacts, contracts and attachments',
  products: 'attachments',
};

/** @type {[string, string][]} The seeds' common failure reasons and what they mean. */
export const FAILURE_HELP = [
  ['CRM ID is already mapped with another Support Entity', 'The record seems to be a duplicate: its original is already mapped with its counterpart in the other database.'],
  ['Text value is given for an Integer field', 'A Text field is mapped to an Integer field in the field mapping; fix the value or the mapping, then Try Again.'],
  ['Mandatory Field Missing', 'A field the other side requires is not mapped or is empty.'],
  ['Missing Parameter / Incorrect API parameter or Parameter Value', 'A back-end call went wrong (extremely rare); Try Again later.'],
];

/**
 * "Contacts" for contacts; the key itself for a module this page does not know.
 * @param {string} module
 * @returns {string}
 */
export function moduleLabel(module) {
  return MODULE_LABELS[module] || module;
}

/**
 * "a, b , c" -> ["a", "b", "c"].
 * @param {string | null | undefined} text
 * @returns {string[]}
 */
export function splitList(text) {
  return String(text || '').split(',').map((x) => x.trim()).filter(Boolean);
}

/**
 * "Text(40)" -> "Text", "Ref(Account)" -> "Lookup", "Choice([..])" -> "Pick list".
 * @param {string | null | undefined} type
 * @returns {string}
 */
export function deskTypeName(type) {
  const t = String(type || '');
  if (/^Text/.test(t)) return 'Text';
  if (/^Ref\(/.test(t)) return 'Lookup';
  if (/^Choice/.test(t)) return 'Pick list';
  return t.replace(/\(.*$/, '') || 'Text';
}

/**
 * "Desk → Zoho CRM" or "Zoho CRM → Desk".
 * @param {string} direction desk-to-crm or crm-to-desk
 * @param {string} crmName
 * @returns {string}
 */
export function directionText(direction, crmName) {
  return direction === 'desk-to-crm' ? 'Desk \u2192 ' + crmName : crmName + ' \u2192 Desk';
}
