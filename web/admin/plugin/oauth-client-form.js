// @ts-check
/* The OAuth client of an OAuth credential: the client id and secret the
 * admin registered in the CRM's developer console, and optional
 * authorization and token URLs, folded in "OAuth client settings".
 */
import { api, formError } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { toast } from '../../lib/ui.js';
import { pluginPath } from '../app.js';
import { sentence } from '../sentence.js';

/**
 * @param {string} id the input's id
 * @param {string} label
 * @param {HTMLInputElement} input
 * @returns {HTMLDivElement}
 */
function field(id, label, input) {
  return el('div', { class: 'field' }, el('label', { for: id }, label), input);
}

/**
 * @param {Api.Plugin} p
 * @param {string} name the credential's name
 * @param {Api.Credential} c
 * @param {(updated: Api.Plugin) => void} onChange runs once the client is saved
 * @returns {HTMLDetailsElement}
 */
export function oauthClientSettings(p, name, c, onChange) {
  /** @param {string} k */
  const id = (k) => 'oauth-' + name + '-' + k;
  const known = (p.oauth && p.oauth[name]) || {};
  const clientId = el('input', { id: id('client-id'), type: 'text', autocomplete: 'off', required: true, testid: 'oauth-client-id', value: known.client_id || '' });
  const secret = el('input', { id: id('client-secret'), type: 'password', autocomplete: 'new-password', required: true, testid: 'oauth-client-secret', placeholder: c.oauth_configured ? t('admin.oauth.secretStored') : '' });
  const authorize = el('input', { id: id('authorize-url'), type: 'url', autocomplete: 'off', testid: 'oauth-authorize-url', placeholder: t('admin.oauth.pluginDefault'), value: known.authorize_url || '' });
  const token = el('input', { id: id('token-url'), type: 'url', autocomplete: 'off', testid: 'oauth-token-url', placeholder: t('admin.oauth.pluginDefault'), value: known.token_url || '' });
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'oauth-error' });
  const save = el('button', { type: 'submit', class: 'btn', testid: 'oauth-save' }, t('admin.oauth.save'));
  const form = el('form', { class: 'subform', testid: 'oauth-form' },
    el('h3', { class: 'subhead' }, t('admin.oauth.title')),
    el('p', { class: 'muted small' }, sentence('admin.oauth.help', { redirect: el('code', { testid: 'oauth-redirect' }, location.origin + '/oauth/callback') })),
    el('div', { class: 'form-grid' },
      field(id('client-id'), t('admin.oauth.clientId'), clientId),
      field(id('client-secret'), t('admin.oauth.clientSecret'), secret),
      field(id('authorize-url'), t('admin.oauth.authorizeUrl'), authorize),
      field(id('token-url'), t('admin.oauth.tokenUrl'), token)),
    error,
    el('div', { class: 'form-actions' }, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    /** @type {Record<string, string>} */
    const client = { client_id: clientId.value.trim(), client_secret: secret.value };
    if (authorize.value.trim()) client.authorize_url = authorize.value.trim();
    if (token.value.trim()) client.token_url = token.value.trim();
    save.disabled = true;
    try {
      /** @type {Api.Plugin} */
      const updated = await api('PATCH', pluginPath(p.id), { oauth: { [name]: client } });
      toast(t('admin.oauth.saved'));
      onChange(updated);
    } catch (e) {
      error.textContent = formError(e);
      error.hidden = false;
      save.disabled = false;
    }
  });
  return el('details', { class: 'oauth-details', open: !c.oauth_configured }, el('summary', {}, t('admin.oauth.settings')), form);
}
