// @ts-check
/* Choosing CRM fields from the plugin's field metadata instead of typing
 * API names: the settings that name profile fields (contact-fields,
 * account-fields, lead-fields: a comma-separated list; the customer type
 * field, secondary-email-field: one field) get a picker filled from
 * GET /api/admin/plugins/{id}/sync/fields/{module} (the sync page's field
 * list). The setting's text input stays the value that is saved: the
 * picker writes into it, and when the CRM cannot be reached (or has no
 * list for that module) the text input is shown as it was, with a
 * sentence saying why.
 */
import { api } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { pluginPath } from '../app.js';

/**
 * The settings that name CRM fields: which module's fields, and whether
 * they take several (comma-separated, in order) or one.
 * @type {Record<string, {module: string, many: boolean}>}
 */
export const FIELD_SETTINGS = {
  'contact-fields': { module: 'contacts', many: true },
  'account-fields': { module: 'accounts', many: true },
  'lead-fields': { module: 'leads', many: true },
  'secondary-email-field': { module: 'contacts', many: false },
};

/** @typedef {{name: string, label: string, type?: string}} CrmField */

/**
 * Asks for each module's CRM fields once per rendering of the card.
 * @param {Api.Plugin} p
 * @returns {(module: string) => Promise<CrmField[]>}
 */
export function fieldSource(p) {
  /** @type {Map<string, Promise<CrmField[]>>} */
  const asked = new Map();
  return (module) => {
    let answer = asked.get(module);
    if (!answer) {
      answer = api('GET', pluginPath(p.id) + '/sync/fields/' + encodeURIComponent(module))
        .then((/** @type {{crm?: CrmField[]}} */ a) => {
          const fields = (a && a.crm) || [];
          if (!fields.length) throw new Error(t('admin.fields.none'));
          return fields;
        }, (e) => {
          // 404: the desk has no field list of that module; 409: the plugin is disabled.
          if (e && e.status === 404) throw Object.assign(new Error(e.message), { unlisted: true });
          if (e && e.status === 409) throw new Error(t('admin.fields.disabled'));
          throw e;
        });
      asked.set(module, answer);
    }
    return answer;
  };
}

/**
 * The names in a comma-separated setting, trimmed, without empties.
 * @param {string} text
 * @returns {string[]}
 */
function names(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * "Label (API_Name)" of a field, or the bare name when the CRM does not list it.
 * @param {Map<string, CrmField>} byName
 * @param {string} name
 * @returns {string}
 */
function fieldText(byName, name) {
  const f = byName.get(name);
  return f && f.label && f.label !== name ? f.label + ' (' + name + ')' : name;
}

/**
 * Turns the text input of a field setting into a picker once the CRM's
 * fields are known; leaves it (with a sentence) when they are not.
 * @param {HTMLInputElement} input the setting's text input (its value is what is saved)
 * @param {{module: string, many: boolean, key: string, crm: string, optional?: string, initial?: unknown}} what
 *   `key` names the picker (testids), `crm` the CRM, `optional` the "none" choice of a single field,
 *   `initial` the setting's default (what applies while the input is empty)
 * @param {(module: string) => Promise<CrmField[]>} source
 * @returns {HTMLDivElement} where the picker (or the sentence) goes, right after the input
 */
export function fieldPicker(input, what, source) {
  const slot = el('div', { class: 'field-picker', testid: 'field-picker-' + what.key, dataset: { state: 'loading' } });
  source(what.module).then((fields) => {
    if (!input.isConnected && !slot.isConnected) return;
    const byName = new Map(fields.map((f) => [f.name, f]));
    const label = (input.labels && input.labels[0]) || undefined;
    slot.dataset.state = 'ready';
    input.hidden = true;
    // An empty setting means its default: the picker starts from what applies.
    if (what.many && !input.value.trim() && what.initial) input.value = String(what.initial);
    if (what.many) manyPicker(input, slot, fields, byName, label);
    else onePicker(input, slot, fields, byName, label, what);
  }, (e) => {
    slot.dataset.state = 'fallback';
    const text = e && e.unlisted
      ? t(what.many ? 'admin.fields.typeMany' : 'admin.fields.typeOne', { crm: what.crm })
      : t(what.many ? 'admin.fields.fallbackMany' : 'admin.fields.fallbackOne', { crm: what.crm, reason: String((e && e.message) || e) });
    slot.appendChild(el('p', { class: 'help field-picker-fallback', testid: 'field-picker-fallback' }, text));
  });
  return slot;
}

/**
 * Several fields in order: the chosen ones as removable chips, and
 * "Add a field" listing the rest.
 * @param {HTMLInputElement} input
 * @param {HTMLDivElement} slot
 * @param {CrmField[]} fields
 * @param {Map<string, CrmField>} byName
 * @param {HTMLLabelElement | undefined} label
 */
function manyPicker(input, slot, fields, byName, label) {
  const chosen = el('ul', { class: 'field-chips', testid: 'field-chosen' });
  const add = el('select', { id: input.id + '-add', testid: 'field-add' });
  if (label) label.htmlFor = add.id;
  const render = () => {
    const picked = names(input.value);
    chosen.replaceChildren(...picked.map((name) => {
      const remove = el('button', { type: 'button', class: 'chip-remove', testid: 'field-remove', 'aria-label': t('admin.fields.remove', { field: fieldText(byName, name) }) }, '\u00d7');
      remove.addEventListener('click', () => {
        input.value = names(input.value).filter((n) => n !== name).join(',');
        render();
        add.focus();
      });
      return el('li', { class: 'chip field-chip', testid: 'field-chip', dataset: { field: name } },
        el('span', {}, fieldText(byName, name)), remove);
    }));
    if (!picked.length) chosen.appendChild(el('li', { class: 'muted small' }, t('admin.fields.noneChosen')));
    add.replaceChildren(
      el('option', { value: '' }, t('admin.fields.add')),
      ...fields.filter((f) => !picked.includes(f.name)).map((f) => el('option', { value: f.name }, fieldText(byName, f.name))));
  };
  add.addEventListener('change', () => {
    if (!add.value) return;
    input.value = [...names(input.value), add.value].join(',');
    render();
    add.focus();
  });
  render();
  slot.append(chosen, add);
}

/**
 * One field (or none): a select of the module's fields.
 * @param {HTMLInputElement} input
 * @param {HTMLDivElement} slot
 * @param {CrmField[]} fields
 * @param {Map<string, CrmField>} byName
 * @param {HTMLLabelElement | undefined} label
 * @param {{optional?: string}} what
 */
function onePicker(input, slot, fields, byName, label, what) {
  const current = input.value.trim();
  const select = el('select', { id: input.id + '-choose', testid: 'field-choose' },
    el('option', { value: '', selected: !current }, what.optional || t('admin.fields.noField')),
    current && !byName.has(current) ? el('option', { value: current, selected: true }, t('admin.fields.unknown', { field: current })) : null,
    fields.map((f) => el('option', { value: f.name, selected: f.name === current }, fieldText(byName, f.name))));
  if (label) label.htmlFor = select.id;
  select.addEventListener('change', () => { input.value = select.value; });
  slot.appendChild(select);
}
