// @ts-check
/* A module's delete preferences: what deleting a record on one side does
 * to its counterpart on the other (never for Desk → CRM in one-way sync).
 */
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { ASSOCIATES } from './constants.js';

/**
 * @typedef {object} RadioGroup
 * @property {HTMLFieldSetElement} fieldset
 * @property {() => string} value the ticked choice
 * @property {HTMLInputElement[]} inputs
 */

/**
 * A group of radio buttons, each with a title and a help line.
 * @param {(k: string) => string} id makes the module's element ids
 * @param {string} name
 * @param {string} legend
 * @param {[string, string, string][]} choices value, title, help
 * @param {string} value the saved choice
 * @param {string} testPrefix
 * @param {() => void} changed
 * @returns {RadioGroup}
 */
function radioGroup(id, name, legend, choices, value, testPrefix, changed) {
  /** @type {[HTMLInputElement, HTMLLabelElement][]} */
  const inputs = choices.map(([v, title, help]) => {
    const input = el('input', { type: 'radio', name: id(name), value: v, id: id(name + '-' + v), checked: v === value, testid: testPrefix + '-' + v });
    input.addEventListener('change', changed);
    return [input, el('label', { class: 'radio', for: id(name + '-' + v) }, input,
      el('span', {}, el('span', { class: 'radio-title' }, title), el('span', { class: 'radio-help' }, help)))];
  });
  const fieldset = el('fieldset', { class: 'radio-group', testid: testPrefix }, el('legend', {}, legend), inputs.map(([, labelEl]) => labelEl));
  return { fieldset, value: () => (inputs.find(([i]) => i.checked) || [{ value: value }])[0].value, inputs: inputs.map(([i]) => i) };
}

/**
 * @typedef {object} DeletePreferences
 * @property {HTMLElement[]} nodes the heading, both groups and the one-way note
 * @property {() => string} onCrmDelete
 * @property {() => string} onDeskDelete
 * @property {(oneWay: boolean) => void} setOneWay turns the Desk-delete choices off in one-way sync
 */

/**
 * @param {string} module
 * @param {string} crmName
 * @param {Api.SyncModule} initial the saved settings
 * @param {() => void} changed
 * @param {boolean} [propagates] false when the CRM never propagates deletions (no choice to make)
 * @returns {DeletePreferences}
 */
export function deletePreferences(module, crmName, initial, changed, propagates = true) {
  if (!propagates) {
    const rule = el('p', { class: 'help', testid: 'sync-no-deletes-' + module }, t('admin.sync.noDeletes', { crm: crmName }));
    return { nodes: [el('h3', { class: 'subhead sync-subhead' }, t('admin.sync.deletions')), rule], onCrmDelete: () => 'never', onDeskDelete: () => 'never', setOneWay: () => {} };
  }
  /** @param {string} k */
  const id = (k) => 'sync-' + module + '-' + k;
  const crm = { crm: crmName };
  const crmDelete = radioGroup(id, 'crm-delete', t('admin.sync.onCrmDelete', crm), [
    ['always', t('admin.sync.crmDeleteAlways'), t('admin.sync.crmDeleteAlwaysHelp')],
    ['if-no-associates', t('admin.sync.crmDeleteIfNoAssociates'), t(ASSOCIATES[module] || 'admin.sync.ifNoAssociatesOther')],
    ['never', t('admin.sync.crmDeleteNever'), t('admin.sync.onlyMapping')],
  ], initial.on_crm_delete || 'never', 'sync-crm-delete-' + module, changed);
  const deskDelete = radioGroup(id, 'desk-delete', t('admin.sync.onDeskDelete'), [
    ['always', t('admin.sync.deskDeleteAlways', crm), t('admin.sync.deskDeleteAlwaysHelp', crm)],
    ['never', t('admin.sync.deskDeleteNever', crm), t('admin.sync.onlyMapping')],
  ], initial.on_desk_delete || 'never', 'sync-desk-delete-' + module, changed);
  const note = el('p', { class: 'help sync-oneway-note', testid: 'sync-desk-delete-note-' + module }, t('admin.sync.oneWayNote', crm));

  /** @param {boolean} oneWay */
  function setOneWay(oneWay) {
    for (const input of deskDelete.inputs) input.disabled = oneWay;
    deskDelete.fieldset.classList.toggle('disabled', oneWay);
    note.hidden = !oneWay;
  }

  return {
    nodes: [el('h3', { class: 'subhead sync-subhead' }, t('admin.sync.deletePrefs')), crmDelete.fieldset, deskDelete.fieldset, note],
    onCrmDelete: crmDelete.value,
    onDeskDelete: deskDelete.value,
    setOneWay,
  };
}
