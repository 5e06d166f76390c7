// @ts-check
/* What the sync console says about modules, directions and failures. */
import { t } from '../../lib/i18n.js';

/** @type {string[]} the modules a plugin can sync, in order */
export const SYNC_MODULES = ['contacts', 'accounts', 'products'];

/** @type {Record<string, string>} a module -> the catalog key of its name */
const MODULE_LABELS = { contacts: 'admin.sync.contacts', accounts: 'admin.sync.accounts', products: 'admin.sync.products' };

/** @type {Record<string, string>} What a module's records are matched by before they are mapped (the seeds' duplicate check), as catalog keys. */
export const DUPLICATE_CHECK = {
  contacts: 'admin.sync.matchContacts',
  accounts: 'admin.sync.matchAccounts',
  products: 'admin.sync.matchProducts',
};

/** @type {Record<string, string>} The seeds' associates: what "Delete only if no associates" looks at, in the catalog key of its help. */
export const ASSOCIATES = {
  contacts: 'admin.sync.ifNoAssociatesContacts',
  accounts: 'admin.sync.ifNoAssociatesAccounts',
  products: 'admin.sync.ifNoAssociatesProducts',
};

/**
 * The seeds' common failure reasons (as the server words them in the log)
 * and the catalog keys of what they mean.
 * @type {[string, string][]}
 */
export const FAILURE_HELP = [
  ['CRM ID is already mapped with another Support Entity', 'admin.sync.reasonDuplicate'],
  ['Text value is given for an Integer field', 'admin.sync.reasonType'],
  ['Mandatory Field Missing', 'admin.sync.reasonMandatory'],
  ['Missing Parameter / Incorrect API parameter or Parameter Value', 'admin.sync.reasonParameter'],
];

/**
 * "Contacts" for contacts; the key itself for a module this page does not know.
 * @param {string} module
 * @returns {string}
 */
export function moduleLabel(module) {
  return MODULE_LABELS[module] ? t(MODULE_LABELS[module]) : module;
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
  const name = String(type || '');
  if (/^Text/.test(name)) return t('admin.sync.typeText');
  if (/^Ref\(/.test(name)) return t('admin.sync.typeLookup');
  if (/^Choice/.test(name)) return t('admin.sync.typePickList');
  return name.replace(/\(.*$/, '') || t('admin.sync.typeText');
}

/**
 * "Desk → Zoho CRM" or "Zoho CRM → Desk".
 * @param {string} direction desk-to-crm or crm-to-desk
 * @param {string} crmName
 * @returns {string}
 */
export function directionText(direction, crmName) {
  return t(direction === 'desk-to-crm' ? 'admin.sync.toCrm' : 'admin.sync.toDesk', { crm: crmName });
}
