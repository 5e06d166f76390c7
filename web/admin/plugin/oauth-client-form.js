// @ts-check
/* The OAuth client of an OAuth credential: the client id and secret the
 * admin registered in the CRM's developer console, and optional
 * authorization and token URLs, folded in "OAuth client settings".
 */
import { api, formError } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { toast } from '../../lib/ui.js';
import { pluginPath } from '../app.js';

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
  const secret = el('input', { id: id('client-secret'), type: 'password', autocomplete: 'new-password', required: true, testid: 'oauth-client-secret', placeholder: c.oauth_configured ? 'Stored; type it again to change the client' : '' });
  const authorize = el('input', { id: id('authorize-url'), type: 'url', autocomplete: 'off', testid: 'oauth-authorize-url', placeholder: 'Leave empty to use the plugin\u2019s own', value: known.authorize_url || '' });
  const token = el('input', { id: id('token-url'), type: 'url', autocomplete: 'off', testid: 'oauth-token-url', placeholder: 'Leave empty to use the plugin\u2019s own', value: known.token_url || '' });
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'oauth-error' });
  const save = el('button', { type: 'submit', class: 'btn', testid: 'oauth-save' }, 'Save OAuth client');
  const form = el('form', { class: 'subform', testid: 'oauth-form' },
    el('h3', { class: 'subhead' }, 'OAuth client'),
    el('p', { class: 'muted small' }, 'In the CRM\u2019s developer console, register the help desk as an app (an OAuth \u201cclient\u201d) and give it this address to send you back to (its redirect URI): ',
      el('code', { testid: 'oauth-redirect' }, location.origin + '/oauth/callback'), '. Then copy the client ID and secret the CRM shows you into the fields below and save them.'),
    el('div', { class: 'form-grid' },
      field(id('client-id'), 'Client ID', clientId),
      field(id('client-secret'), 'Client secret', secret),
      field(id('authorize-url'), 'Authorization URL (optional)', authorize),
      field(id('token-url'), 'Token URL (optional)', token)),
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
      toast('OAuth client saved. Click Connect to authorize.');
      onChange(updated);
    } catch (e) {
      error.textContent = formError(e);
      error.hidden = false;
      save.disabled = false;
    }
  });
  return el('details', { class: 'oauth-details', open: !c.oauth_configured }, el('summary', {}, 'OAuth client settings'), form);
}
