// @ts-check
/* "Customize identification rules" (seed 004): for Account, Contact and
 * Lead, the visitor's details that find an existing CRM record, tried in
 * order until one finds it. Each list is edited in place: add a detail,
 * remove one, move one up or down.
 */
import { clear, el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';

/** @type {[Api.RecordingKey, string][]} the details, and the catalog keys of their names in the lists */
export const KEYS = [
  ['email', 'admin.rules.email'],
  ['phone', 'admin.rules.phone'],
  ['name', 'admin.rules.name'],
  ['company', 'admin.rules.company'],
];

/**
 * A record's list: its title, what it is used for, and what happens
 * without a rule, as catalog keys.
 * @typedef {object} RuleRecord
 * @property {'account' | 'contact' | 'lead'} record
 * @property {string} title
 * @property {string} help
 * @property {string} empty
 */

/** @type {RuleRecord[]} */
const RECORDS = [
  { record: 'account', title: 'record.account', help: 'admin.rules.accountHelp', empty: 'admin.rules.noneAccount' },
  { record: 'contact', title: 'record.contact', help: 'admin.rules.contactHelp', empty: 'admin.rules.noneContact' },
  { record: 'lead', title: 'record.lead', help: 'admin.rules.leadHelp', empty: 'admin.rules.noneLead' },
];

/**
 * "Email" for email.
 * @param {string} key
 * @returns {string}
 */
function keyLabel(key) {
  const found = KEYS.find(([k]) => k === key);
  return found ? t(found[1]) : key;
}

/**
 * A small icon button with an accessible name.
 * @param {string} text
 * @param {string} label
 * @param {string} testid
 * @param {boolean} disabled
 * @param {() => void} onClick
 * @returns {HTMLButtonElement}
 */
function iconButton(text, label, testid, disabled, onClick) {
  const b = el('button', { type: 'button', class: 'btn btn-ghost btn-small rule-btn', 'aria-label': label, title: label, testid, disabled }, text);
  b.addEventListener('click', onClick);
  return b;
}

/**
 * One record's ordered list, with its Add select.
 * @param {RuleRecord} which the record and its texts
 * @param {Api.RecordingKey[]} keys edited in place
 * @param {() => void} changed
 * @returns {HTMLElement}
 */
function ruleList(which, keys, changed) {
  const record = which.record;
  const title = t(which.title);
  const box = el('div', { class: 'rule-list', testid: 'rules-' + record, role: 'group', 'aria-labelledby': 'rules-title-' + record });
  /**
   * Repaints the list, and puts the focus back on `focus` (a testid) when given.
   * @param {string} [focus]
   */
  function paint(focus) {
    const left = KEYS.filter(([k]) => !keys.includes(k));
    const addSelect = el('select', { id: 'rules-add-' + record, testid: 'rules-add-select-' + record, 'aria-label': t('admin.rules.addLabel', { record: title }), disabled: !left.length },
      left.length ? left.map(([k]) => el('option', { value: k }, keyLabel(k))) : el('option', { value: '' }, t('admin.rules.allUsed')));
    const add = el('button', { type: 'button', class: 'btn btn-small', testid: 'rules-add-' + record, disabled: !left.length }, t('admin.rules.add'));
    add.addEventListener('click', () => {
      const key = /** @type {Api.RecordingKey} */ (addSelect.value);
      if (!key || keys.includes(key)) return;
      keys.push(key);
      changed();
      paint('rules-add-select-' + record);
    });
    clear(box).append(
      el('h4', { class: 'rule-title', id: 'rules-title-' + record }, title),
      el('p', { class: 'rule-help' }, t(which.help)),
      keys.length
        ? el('ol', { class: 'rule-keys' }, keys.map((key, i) => el('li', { class: 'rule-key', testid: 'rule-' + record, dataset: { key } },
          el('span', { class: 'rule-pos', 'aria-hidden': 'true' }, String(i + 1)),
          el('span', { class: 'rule-name', testid: 'rule-name' }, keyLabel(key)),
          el('span', { class: 'rule-actions' },
            iconButton('\u2191', t('admin.rules.up', { detail: keyLabel(key), record: title }), 'rule-up-' + record + '-' + key, i === 0, () => {
              keys.splice(i - 1, 0, keys.splice(i, 1)[0]);
              changed();
              paint(i - 1 === 0 ? 'rule-down-' + record + '-' + key : 'rule-up-' + record + '-' + key);
            }),
            iconButton('\u2193', t('admin.rules.down', { detail: keyLabel(key), record: title }), 'rule-down-' + record + '-' + key, i === keys.length - 1, () => {
              keys.splice(i + 1, 0, keys.splice(i, 1)[0]);
              changed();
              paint(i + 1 === keys.length - 1 ? 'rule-up-' + record + '-' + key : 'rule-down-' + record + '-' + key);
            }),
            iconButton('\u2715', t('admin.rules.remove', { detail: keyLabel(key), record: title }), 'rule-remove-' + record + '-' + key, false, () => {
              keys.splice(i, 1);
              changed();
              paint('rules-add-select-' + record);
            })))))
        : el('p', { class: 'rule-empty', testid: 'rules-empty-' + record }, t(which.empty)),
      el('div', { class: 'rule-add' }, addSelect, add));
    if (focus) {
      const target = /** @type {HTMLElement | null} */ (box.querySelector('[data-testid="' + focus + '"]'));
      if (target) target.focus();
    }
  }
  paint();
  return box;
}

/**
 * The identification rules editor; `value()` answers the lists as edited.
 * @param {Api.RecordingSettings['identification']} initial
 * @param {() => void} changed
 * @returns {{node: HTMLElement, value: () => Api.RecordingSettings['identification']}}
 */
export function identificationEditor(initial, changed) {
  /** @type {Api.RecordingSettings['identification']} */
  const lists = { account: [...(initial.account || [])], contact: [...(initial.contact || [])], lead: [...(initial.lead || [])] };
  const node = el('div', { class: 'rule-grid', testid: 'identification-rules' },
    RECORDS.map((which) => ruleList(which, lists[which.record], changed)));
  return { node, value: () => ({ account: [...lists.account], contact: [...lists.contact], lead: [...lists.lead] }) };
}

/**
 * "Email, then Phone" for a summary line; "none" for an empty list.
 * @param {Api.RecordingKey[]} keys
 * @returns {string}
 */
export function rulesSummary(keys) {
  if (!keys.length) return t('admin.rules.summaryNone');
  return keys.map(keyLabel).reduce((first, next) => t('admin.rules.then', { first, next }));
}
