// @ts-check
/* The API key form of an API-key credential (`kind = "api-key"` in the
 * manifest): a password field and Save. The key goes to the server once
 * and is never shown again (the server does not return it); the field is
 * emptied once it is saved.
 */
import { api, formError } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { toast } from '../../lib/ui.js';
import { app, pluginPath } from '../app.js';
import { setFlash, takeFlash } from '../flash.js';

/**
 * Whether the admin connects this credential by pasting a key.
 * @param {Api.Credential} c
 * @returns {boolean}
 */
export function isApiKey(c) {
  return String(c.kind || '').toLowerCase().replace(/[-_ ]/g, '') === 'apikey';
}

/**
 * @param {Api.Plugin} p
 * @param {string} name the credential's name
 * @param {Api.Credential} c
 * @param {(updated: Api.Plugin) => void} onChange runs once the key is saved
 * @returns {HTMLFormElement}
 */
export function apiKeyForm(p, name, c, onChange) {
  const inputId = 'api-key-' + name;
  const crmName = p.name || p.id;
  const input = el('input', { id: inputId, type: 'password', autocomplete: 'new-password', spellcheck: 'false', testid: 'api-key-input-' + name,
    placeholder: c.connected ? t('admin.apiKey.stored') : t('admin.apiKey.paste', { crm: crmName }) });
  const save = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'api-key-save-' + name }, t('admin.save'));
  const error = el('p', { class: 'form-error', role: 'alert', hidden: true, testid: 'api-key-error-' + name });
  const savedFlash = 'api-key-saved-' + name;
  const saved = el('span', { class: 'saved-note', testid: savedFlash, hidden: !takeFlash(savedFlash) }, t('admin.saved'));
  const form = el('form', { class: 'subform api-key-form', testid: 'api-key-form-' + name, autocomplete: 'off' },
    el('div', { class: 'field' },
      el('label', { for: inputId }, t('admin.apiKey.label')),
      el('div', { class: 'api-key-row' }, input, save, saved),
      el('div', { class: 'help' }, t('admin.apiKey.help', { crm: crmName }))),
    error);
  input.addEventListener('input', () => { error.hidden = true; saved.hidden = true; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    saved.hidden = true;
    save.disabled = true;
    try {
      // Sent as typed: the server trims it and says when it is empty.
      /** @type {Api.Plugin} */
      const updated = await api('PUT', pluginPath(p.id) + '/credentials/' + encodeURIComponent(name), { api_key: input.value });
      input.value = '';
      toast(t('admin.apiKey.savedToast', { crm: updated.name || crmName }));
      setFlash(savedFlash);
      onChange(updated);
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      error.textContent = formError(e);
      error.hidden = false;
      input.focus();
    } finally {
      save.disabled = false;
    }
  });
  return form;
}
