// @ts-check
/* A module's delete preferences: what deleting a record on one side does
 * to its counterpart on the other (never for Desk → CRM in one-way sync).
 */
import { el } from '../../lib/dom.js';
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
    const rule = el('p', { class: 'help', testid: 'sync-no-deletes-' + module },
      'Deletions are not synced with ' + crmName + ': deleting a record on one side never deletes it on the other. '
      + 'A ' + crmName + ' record updated after its Desk record was deleted comes back to Desk.');
    return { nodes: [el('h3', { class: 'subhead sync-subhead' }, 'Deletions'), rule], onCrmDelete: () => 'never', onDeskDelete: () => 'never', setOneWay: () => {} };
  }
  /** @param {string} k */
  const id = (k) => 'sync-' + module + '-' + k;
  const crmDelete = radioGroup(id, 'crm-delete', 'On deleting a ' + crmName + ' record', [
    ['always', 'Always delete the corresponding record in Desk', 'Moves it and its associates to the recycle bin.'],
    ['if-no-associates', 'Delete record in Desk if there are no associates', 'Moves it to the recycle bin only when it has no ' + ASSOCIATES[module] + '; otherwise removes the mapping.'],
    ['never', 'Never delete the corresponding record in Desk', 'Removes only the mapping between the records.'],
  ], initial.on_crm_delete || 'never', 'sync-crm-delete-' + module, changed);
  const deskDelete = radioGroup(id, 'desk-delete', 'On deleting a Desk record', [
    ['always', 'Always delete the corresponding record in ' + crmName, 'Moves it and its associates to the ' + crmName + ' recycle bin.'],
    ['never', 'Never delete the corresponding record in ' + crmName, 'Removes only the mapping between the records.'],
  ], initial.on_desk_delete || 'never', 'sync-desk-delete-' + module, changed);
  const note = el('p', { class: 'help sync-oneway-note', testid: 'sync-desk-delete-note-' + module }, 'One-way sync sends nothing to ' + crmName + ', so deleting a Desk record never deletes a ' + crmName + ' record.');

  /** @param {boolean} oneWay */
  function setOneWay(oneWay) {
    for (const input of deskDelete.inputs) input.disabled = oneWay;
    deskDelete.fieldset.classList.toggle('disabled', oneWay);
    note.hidden = !oneWay;
  }

  return {
    nodes: [el('h3', { class: 'subhead sync-subhead' }, 'Delete preferences'), crmDelete.fieldset, deskDelete.fieldset, note],
    onCrmDelete: crmDelete.value,
    onDeskDelete: deskDelete.value,
    setOneWay,
  };
}
