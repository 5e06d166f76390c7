// @ts-check
/* A module's field mapping: rows of a Desk field (one of the desk's, or a
 * custom cf_ field) and the CRM field it syncs with, the direction arrow
 * between them, + Add field and + Add custom desk field.
 */
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { deskTypeName } from './constants.js';

/**
 * @typedef {object} FieldMapping
 * @property {HTMLTableElement} table
 * @property {HTMLButtonElement[]} addButtons + Add field, + Add custom desk field
 * @property {() => Api.FieldPair[]} read the pairs; throws Error with what to fix
 * @property {() => void} paintArrows repaints the arrows after the direction changed
 */

/**
 * The CRM field select's options (read-only fields only when already chosen).
 * @param {Api.CrmField[]} crmFields
 * @param {string} selected
 * @returns {HTMLOptionElement[]}
 */
function crmOptions(crmFields, selected) {
  const known = crmFields.filter((f) => !f.read_only || f.name === selected);
  const options = [el('option', { value: '', selected: !selected }, t('admin.mapping.choose'))];
  if (selected && !known.some((f) => f.name === selected)) options.push(el('option', { value: selected, selected: true }, selected));
  for (const f of known) {
    options.push(el('option', { value: f.name, selected: f.name === selected },
      (f.label || f.name) + (f.mandatory ? ' *' : '') + ' \u00b7 ' + f.type));
  }
  return options;
}

/**
 * The Desk field select's options.
 * @param {Api.DeskField[]} deskFields
 * @param {string} selected
 * @returns {HTMLOptionElement[]}
 */
function deskOptions(deskFields, selected) {
  const options = [el('option', { value: '', selected: !selected }, t('admin.mapping.choose'))];
  if (selected && !deskFields.some((f) => f.name === selected)) options.push(el('option', { value: selected, selected: true }, selected));
  for (const f of deskFields) {
    options.push(el('option', { value: f.name, selected: f.name === selected }, f.name + (f.required ? ' *' : '') + ' \u00b7 ' + deskTypeName(f.type)));
  }
  return options;
}

/**
 * @param {string} crmName
 * @returns {HTMLTableSectionElement}
 */
function mappingHead(crmName) {
  return el('thead', {}, el('tr', {},
    el('th', { scope: 'col' }, t('admin.mapping.deskField')),
    el('th', { scope: 'col', class: 'sync-arrow-col', 'aria-label': t('admin.mapping.direction') }, ''),
    el('th', { scope: 'col' }, t('admin.mapping.crmField', { crm: crmName })),
    el('th', { scope: 'col', class: 'sync-remove-col' }, el('span', { class: 'sr-only' }, t('admin.mapping.remove')))));
}

/**
 * @param {object} options
 * @param {string} options.module
 * @param {string} options.crmName
 * @param {Api.CrmField[]} options.crmFields
 * @param {Api.DeskField[]} options.deskFields
 * @param {Api.FieldPair[]} options.initial the saved pairs
 * @param {() => boolean} options.oneWay whether the sync type is one-way (CRM → Desk)
 * @param {() => void} options.changed marks the card as changed
 * @returns {FieldMapping}
 */
export function fieldMapping({ module, crmName, crmFields, deskFields, initial, oneWay, changed }) {
  const rows = el('tbody', {});
  const table = el('table', { class: 'table compact sync-mapping', testid: 'sync-mapping-' + module }, mappingHead(crmName), rows);
  const arrowText = () => (oneWay() ? '\u2190' : '\u21c4');

  /**
   * @param {Api.FieldPair} pair
   * @param {boolean} custom a custom (cf_) desk field, typed in
   * @returns {HTMLTableRowElement}
   */
  function mappingRow(pair, custom) {
    const deskInput = custom
      ? el('input', { type: 'text', class: 'mono', autocomplete: 'off', spellcheck: 'false', testid: 'sync-field-desk', 'aria-label': t('admin.mapping.customDeskField'), placeholder: 'cf_field_name', value: pair.desk || 'cf_' })
      : el('select', { testid: 'sync-field-desk', 'aria-label': t('admin.mapping.deskField') }, deskOptions(deskFields, pair.desk));
    const crmSelect = el('select', { testid: 'sync-field-crm', 'aria-label': t('admin.mapping.crmField', { crm: crmName }) }, crmOptions(crmFields, pair.crm));
    // Types are in the options' text; a custom desk field takes the CRM field's type.
    const deskType = custom ? el('div', { class: 'sync-type small muted' }, t('admin.mapping.customType', { crm: crmName })) : null;
    const remove = el('button', { type: 'button', class: 'btn btn-ghost btn-small sync-remove', testid: 'sync-field-remove', title: t('admin.mapping.removeRow'), 'aria-label': t('admin.mapping.removeRow') }, '\u2715');
    const row = el('tr', { testid: 'sync-field-row', dataset: { custom: String(!!custom) } },
      el('td', {}, deskInput, deskType),
      el('td', { class: 'sync-arrow', 'aria-hidden': 'true' }, arrowText()),
      el('td', {}, crmSelect),
      el('td', { class: 'sync-remove-col' }, remove));
    function types() {
      const c = crmFields.find((f) => f.name === crmSelect.value);
      crmSelect.title = c ? t(c.mandatory ? 'admin.mapping.fieldTitleMandatory' : 'admin.mapping.fieldTitle', { label: c.label || c.name, name: c.name, type: c.type }) : '';
      row.dataset.desk = deskInput.value.trim();
      row.dataset.crm = crmSelect.value;
    }
    deskInput.addEventListener(custom ? 'input' : 'change', () => { types(); changed(); });
    crmSelect.addEventListener('change', () => { types(); changed(); });
    remove.addEventListener('click', () => { row.remove(); changed(); });
    types();
    return row;
  }

  for (const pair of initial) rows.appendChild(mappingRow(pair, /^cf_/.test(pair.desk)));

  const addField = el('button', { type: 'button', class: 'btn btn-small', testid: 'sync-add-field' }, t('admin.mapping.add'));
  const addCustom = el('button', { type: 'button', class: 'btn btn-small', testid: 'sync-add-custom-field' }, t('admin.mapping.addCustom'));
  addField.addEventListener('click', () => {
    const row = mappingRow({ desk: '', crm: '' }, false);
    rows.appendChild(row);
    row.querySelector('select')?.focus();
    changed();
  });
  addCustom.addEventListener('click', () => {
    const row = mappingRow({ desk: '', crm: '' }, true);
    rows.appendChild(row);
    const input = row.querySelector('input');
    if (input) {
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    }
    changed();
  });

  function read() {
    /** @type {Api.FieldPair[]} */
    const fields = [];
    for (const row of rows.querySelectorAll('[data-testid=sync-field-row]')) {
      const desk = /** @type {HTMLInputElement | HTMLSelectElement} */ (row.querySelector('[data-testid=sync-field-desk]')).value.trim();
      const crm = /** @type {HTMLSelectElement} */ (row.querySelector('[data-testid=sync-field-crm]')).value;
      if (!desk || !crm || desk === 'cf_') throw new Error(t('admin.mapping.incomplete', { crm: crmName }));
      if (/** @type {HTMLElement} */ (row).dataset.custom === 'true' && !/^cf_[a-z0-9_]+$/.test(desk)) {
        throw new Error(t('admin.mapping.badCustom', { field: desk }));
      }
      fields.push({ desk, crm });
    }
    return fields;
  }

  function paintArrows() {
    for (const cell of rows.querySelectorAll('.sync-arrow')) cell.textContent = arrowText();
  }

  return { table, addButtons: [addField, addCustom], read, paintArrows };
}
