// @ts-check
/* The Configuration card: the settings the manifest declares (secrets are
 * never sent back: an empty field keeps the stored one), the Handshake
 * Mode customer-type field and the extra allowed hosts.
 */
import { api, formError } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { toast } from '../../lib/ui.js';
import { pluginPath } from '../app.js';
import { setFlash, takeFlash } from '../flash.js';
import { FIELD_SETTINGS, fieldPicker, fieldSource } from './field-picker.js';

/** @type {Record<string, string>} a setting's type -> the input's type */
const INPUT_TYPES = { url: 'url', integer: 'number', number: 'number', int: 'number', float: 'number', secret: 'password', password: 'password', email: 'email' };

/**
 * The input of one setting, by its type in the manifest's schema.
 * @param {string} key
 * @param {Api.ConfigSpec} spec
 * @param {unknown} value the saved value
 * @param {boolean} secretSet whether a secret setting has a stored value
 * @returns {HTMLInputElement | HTMLSelectElement}
 */
function inputFor(key, spec, value, secretSet) {
  const type = String(spec.type || 'string').toLowerCase();
  const id = 'config-' + key;
  const common = { id, name: key, testid: 'config-' + key, required: !!spec.required };
  if (type === 'bool' || type === 'boolean') {
    const on = value === undefined || value === null ? String(spec.default) === 'true' : value === true || value === 'true';
    return el('input', Object.assign({ type: 'checkbox', checked: on }, common, { required: false }));
  }
  if (Array.isArray(spec.options) || Array.isArray(spec.choices) || Array.isArray(spec.values)) {
    const options = /** @type {unknown[]} */ (spec.options || spec.choices || spec.values);
    return el('select', common, options.map((o) => el('option', { value: String(o), selected: String(o) === String(value) }, String(o))));
  }
  const inputType = INPUT_TYPES[type] || 'text';
  if (inputType === 'password') {
    // The server never sends a secret's value back; an empty field keeps the stored one.
    return el('input', Object.assign({
      type: 'password',
      value: '',
      placeholder: t(secretSet ? 'admin.config.secretSet' : 'admin.config.secretNotSet'),
      autocomplete: 'new-password',
      dataset: { secret: 'true', secretSet: String(!!secretSet) },
    }, common, { required: !!spec.required && !secretSet }));
  }
  return el('input', Object.assign({
    type: inputType,
    value: value === undefined || value === null ? '' : String(value),
    placeholder: spec.default !== undefined && spec.default !== null ? String(spec.default) : '',
    autocomplete: 'off',
    step: type === 'integer' || type === 'int' ? '1' : (inputType === 'number' ? 'any' : undefined),
  }, common));
}

/**
 * Settings are strings (booleans as "true"/"false"); an empty field is
 * left out (null), except a secret's: "" keeps the stored value.
 * @param {HTMLInputElement | HTMLSelectElement} input
 * @returns {string | null}
 */
function readInput(input) {
  if (input instanceof HTMLInputElement && input.type === 'checkbox') return input.checked ? 'true' : 'false';
  const value = input.value.trim();
  if (input.dataset.secret === 'true') return value;
  return value === '' ? null : value;
}

/**
 * One setting's field: label, input and help (its key, description and default).
 * @param {string} key
 * @param {Api.ConfigSpec} spec
 * @param {HTMLInputElement | HTMLSelectElement} input
 * @param {HTMLElement | null} [picker] a field picker for the input (field settings)
 * @returns {HTMLDivElement}
 */
function settingField(key, spec, input, picker) {
  const check = input.type === 'checkbox';
  const label = el('label', { for: 'config-' + key }, spec.label || key, spec.required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
  return el('div', { class: 'field' + (check ? ' field-check' : '') },
    check ? el('div', { class: 'check-row' }, input, label) : [label, input, picker || null],
    el('div', { class: 'help' }, el('code', {}, key), spec.description ? ' \u2014 ' + spec.description : null,
      spec.default !== undefined && spec.default !== null && spec.default !== '' ? ' ' + t('admin.config.default', { value: String(spec.default).replace(/,/g, ',\u200b') }) : null));
}

/**
 * A field with its label and help line.
 * @param {string} id the input's id
 * @param {string} label
 * @param {HTMLElement} input
 * @param {string} help
 * @returns {HTMLDivElement}
 */
function helpedField(id, label, input, help) {
  return el('div', { class: 'field' }, el('label', { for: id }, label), input, el('div', { class: 'help' }, help));
}

/**
 * The Configuration form; saving renders the page anew through `onSaved`.
 * @param {Api.Plugin} p
 * @param {(updated: Api.Plugin) => void} onSaved
 * @returns {HTMLFormElement}
 */
export function configCard(p, onSaved) {
  const schema = p.config_schema || {};
  const keys = Object.keys(schema);
  const secretsSet = p.secrets_set || [];
  /** @type {Record<string, HTMLInputElement | HTMLSelectElement>} */
  const inputs = {};
  const crmFields = fieldSource(p);
  const crm = p.name || p.id;
  const fields = keys.map((key) => {
    const spec = schema[key] || {};
    const current = p.config && Object.prototype.hasOwnProperty.call(p.config, key) ? p.config[key] : undefined;
    const input = inputFor(key, spec, current, secretsSet.includes(key));
    inputs[key] = input;
    // Profile fields are chosen from the CRM's field list (typed when it cannot be read).
    const fieldSetting = FIELD_SETTINGS[key];
    const picker = fieldSetting && input instanceof HTMLInputElement && input.type === 'text'
      ? fieldPicker(input, { ...fieldSetting, key, crm, initial: spec.default }, crmFields) : null;
    return settingField(key, spec, input, picker);
  });
  const customerType = el('input', { id: 'config-customer-type-field', type: 'text', autocomplete: 'off', testid: 'config-customer-type-field', placeholder: t('admin.config.customerTypePlaceholder'), value: p.customer_type_field || '' });
  const currency = el('input', { id: 'config-default-currency', type: 'text', autocomplete: 'off', testid: 'config-default-currency', placeholder: t('admin.config.currencyPlaceholder'), maxlength: '3', size: '5', value: p.default_currency || '' });
  const hosts = el('textarea', { id: 'config-extra-hosts', rows: '2', testid: 'config-extra-hosts', placeholder: 'https://crm.example.com' });
  hosts.value = (p.extra_hosts || []).join('\n');
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'config-error' });
  const saved = el('span', { class: 'saved-note', testid: 'config-saved', hidden: !takeFlash('config-saved') }, t('admin.saved'));
  const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'config-save' }, t('admin.config.save'));
  const form = el('form', { class: 'card', testid: 'config-form' },
    el('h2', { class: 'card-title' }, t('admin.config.title')),
    keys.length ? null : el('p', { class: 'muted' }, t('admin.config.none')),
    el('div', { class: 'form-grid' }, fields),
    helpedField('config-customer-type-field', t('admin.config.customerType'),
      el('div', {}, customerType, fieldPicker(customerType, { module: 'contacts', many: false, key: 'customer-type-field', crm, optional: t('admin.fields.handshakeOff') }, crmFields)),
      t('admin.config.customerTypeHelp')),
    helpedField('config-default-currency', t('admin.config.currency'), currency, t('admin.config.currencyHelp')),
    helpedField('config-extra-hosts', t('admin.config.extraHosts'), hosts, t('admin.config.extraHostsHelp')),
    error,
    el('div', { class: 'form-actions' }, submit, saved));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    saved.hidden = true;
    /** @type {Record<string, string>} */
    const config = {};
    for (const key of keys) {
      const value = readInput(inputs[key]);
      if (value !== null) config[key] = value;
    }
    const extra = hosts.value.split(/\s+/).map((h) => h.trim()).filter(Boolean);
    submit.disabled = true;
    try {
      /** @type {Record<string, unknown>} */
      const patch = { config, extra_hosts: extra };
      if ((p.customer_type_field || '') !== customerType.value.trim()) patch.customer_type_field = customerType.value.trim();
      if ((p.default_currency || '') !== currency.value.trim().toUpperCase()) patch.default_currency = currency.value.trim();
      /** @type {Api.Plugin} */
      const updated = await api('PATCH', pluginPath(p.id), patch);
      toast(t('admin.config.saved', { name: updated.name || p.name }));
      setFlash('config-saved');
      onSaved(updated);
    } catch (e) {
      error.textContent = formError(e);
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
