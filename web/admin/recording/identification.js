// @ts-check
/* "Customize identification rules" (seed 004): for Account, Contact and
 * Lead, the visitor's details that find an existing CRM record, tried in
 * order until one finds it. Each list is edited in place: add a detail,
 * remove one, move one up or down.
 */
import { clear, el } from '../../lib/dom.js';

/** @type {[Api.RecordingKey, string][]} the details, as the lists name them */
export const KEYS = [
  ['email', 'Email'],
  ['phone', 'Phone'],
  ['name', 'Name'],
  ['company', 'Company'],
];

/** @type {['account' | 'contact' | 'lead', string, string][]} record, title, what it is used for */
const RECORDS = [
  ['account', 'Account', 'The account a new contact goes under.'],
  ['contact', 'Contact', 'An existing contact (For Support).'],
  ['lead', 'Lead', 'An existing lead (For Sales).'],
];

/**
 * "Email" for email.
 * @param {string} key
 * @returns {string}
 */
function keyLabel(key) {
  const found = KEYS.find(([k]) => k === key);
  return found ? found[1] : key;
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
 * @param {'account' | 'contact' | 'lead'} record
 * @param {string} title
 * @param {string} help
 * @param {Api.RecordingKey[]} keys edited in place
 * @param {() => void} changed
 * @returns {HTMLElement}
 */
function ruleList(record, title, help, keys, changed) {
  const box = el('div', { class: 'rule-list', testid: 'rules-' + record, role: 'group', 'aria-labelledby': 'rules-title-' + record });
  /**
   * Repaints the list, and puts the focus back on `focus` (a testid) when given.
   * @param {string} [focus]
   */
  function paint(focus) {
    const left = KEYS.filter(([k]) => !keys.includes(k));
    const addSelect = el('select', { id: 'rules-add-' + record, testid: 'rules-add-select-' + record, 'aria-label': 'Detail to add to the ' + title + ' rules', disabled: !left.length },
      left.length ? left.map(([k, label]) => el('option', { value: k }, label)) : el('option', { value: '' }, 'All details used'));
    const add = el('button', { type: 'button', class: 'btn btn-small', testid: 'rules-add-' + record, disabled: !left.length }, 'Add');
    add.addEventListener('click', () => {
      const key = /** @type {Api.RecordingKey} */ (addSelect.value);
      if (!key || keys.includes(key)) return;
      keys.push(key);
      changed();
      paint('rules-add-select-' + record);
    });
    clear(box).append(
      el('h4', { class: 'rule-title', id: 'rules-title-' + record }, title),
      el('p', { class: 'rule-help' }, help),
      keys.length
        ? el('ol', { class: 'rule-keys' }, keys.map((key, i) => el('li', { class: 'rule-key', testid: 'rule-' + record, dataset: { key } },
          el('span', { class: 'rule-pos', 'aria-hidden': 'true' }, String(i + 1)),
          el('span', { class: 'rule-name', testid: 'rule-name' }, keyLabel(key)),
          el('span', { class: 'rule-actions' },
            iconButton('\u2191', 'Move ' + keyLabel(key) + ' up in the ' + title + ' rules', 'rule-up-' + record + '-' + key, i === 0, () => {
              keys.splice(i - 1, 0, keys.splice(i, 1)[0]);
              changed();
              paint(i - 1 === 0 ? 'rule-down-' + record + '-' + key : 'rule-up-' + record + '-' + key);
            }),
            iconButton('\u2193', 'Move ' + keyLabel(key) + ' down in the ' + title + ' rules', 'rule-down-' + record + '-' + key, i === keys.length - 1, () => {
              keys.splice(i + 1, 0, keys.splice(i, 1)[0]);
              changed();
              paint(i + 1 === keys.length - 1 ? 'rule-up-' + record + '-' + key : 'rule-down-' + record + '-' + key);
            }),
            iconButton('\u2715', 'Remove ' + keyLabel(key) + ' from the ' + title + ' rules', 'rule-remove-' + record + '-' + key, false, () => {
              keys.splice(i, 1);
              changed();
              paint('rules-add-select-' + record);
            })))))
        : el('p', { class: 'rule-empty', testid: 'rules-empty-' + record }, 'No rule: a new ' + title.toLowerCase() + ' is created for every visitor.'),
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
    RECORDS.map(([record, title, help]) => ruleList(record, title, help, lists[record], changed)));
  return { node, value: () => ({ account: [...lists.account], contact: [...lists.contact], lead: [...lists.lead] }) };
}

/**
 * "Email, then Phone" for a summary line; "none" for an empty list.
 * @param {Api.RecordingKey[]} keys
 * @returns {string}
 */
export function rulesSummary(keys) {
  return keys.length ? keys.map(keyLabel).join(', then ') : 'none';
}
