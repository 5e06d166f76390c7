// @ts-check
/* A Connection card per credential: its state, and by its kind the OAuth
 * client and then Connect / Reconnect (OAuth: Connect is disabled until
 * the client is saved), the API key form (API key), and Disconnect once
 * connected (after OK in a confirmation, seed 004).
 */
import { api } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { safeHref } from '../../lib/links.js';
import { t } from '../../lib/i18n.js';
import { confirmDialog, pill, toast } from '../../lib/ui.js';
import { pluginPath } from '../app.js';
import { apiKeyForm, isApiKey } from './api-key-form.js';
import { oauthClientSettings } from './oauth-client-form.js';

/**
 * Whether the credential is connected through an OAuth round trip.
 * @param {Api.Credential} c
 * @returns {boolean}
 */
function isOauth(c) {
  const kind = String(c.kind || '').toLowerCase();
  return kind.replace(/[-_]/g, '') === 'oauth2' || kind === 'oauth';
}

/**
 * Connected / Not connected, since when, and whether the OAuth client is set.
 * @param {string} name
 * @param {Api.Credential} c
 * @param {boolean} oauth
 * @returns {HTMLDivElement}
 */
function credentialStatus(name, c, oauth) {
  return el('div', { class: 'cred-status' },
    el('span', { class: 'cred-state', testid: 'credential-state-' + name, dataset: { connected: String(!!c.connected) } },
      el('span', { class: 'pill ' + (c.connected ? 'pill-ok' : 'pill-warn'), testid: 'credential-status', dataset: { credential: name, connected: String(!!c.connected) } }, t(c.connected ? 'admin.connect.connected' : 'admin.connect.notConnected'))),
    c.connected && c.connected_at ? el('span', { class: 'muted small' }, t('admin.connect.since', { time: formatDateTime(c.connected_at) })) : null,
    oauth ? pill(t(c.oauth_configured ? 'admin.connect.clientSet' : 'admin.connect.clientNotSet'), c.oauth_configured ? 'muted' : 'warn', 'oauth-configured') : null);
}

/**
 * Connect / Reconnect: asks the server for the CRM's consent page and goes there.
 * @param {Api.Plugin} p
 * @param {string} name
 * @param {Api.Credential} c
 * @returns {HTMLButtonElement}
 */
function connectButton(p, name, c) {
  const connect = el('button', { type: 'button', class: 'btn btn-primary', testid: 'connect' }, t(c.connected ? 'admin.connect.reconnect' : 'admin.connect.connect'));
  connect.addEventListener('click', async () => {
    connect.disabled = true;
    try {
      const answer = await api('POST', pluginPath(p.id) + '/connect', { credential: name });
      const target = safeHref(answer.authorize_url, true);
      if (!target) throw new Error(t('admin.connect.noAddress'));
      location.assign(target);
    } catch (e) {
      toast(e.message, 'error');
      connect.disabled = false;
    }
  });
  return connect;
}

/**
 * @param {Api.Plugin} p
 * @param {(updated: Api.Plugin) => void} onChange
 * @returns {HTMLButtonElement}
 */
function disconnectButton(p, onChange) {
  const disconnect = el('button', { type: 'button', class: 'btn', testid: 'disconnect' }, t('admin.connect.disconnect'));
  disconnect.addEventListener('click', async () => {
    const name = p.name || p.id;
    const yes = await confirmDialog(t('admin.connect.disconnectTitle', { name }), t('admin.connect.disconnectText', { name }), t('admin.connect.ok'));
    if (!yes) return;
    disconnect.disabled = true;
    try {
      /** @type {Api.Plugin} */
      const updated = await api('POST', pluginPath(p.id) + '/disconnect');
      toast(t('admin.connect.disconnected', { name: updated.name || p.name }));
      onChange(updated);
    } catch (e) {
      toast(e.message, 'error');
      disconnect.disabled = false;
    }
  });
  return disconnect;
}

/**
 * Step two of an OAuth credential, below the OAuth client form: Connect
 * (or Reconnect) and Disconnect. Until the client is saved Connect is
 * disabled, and a sentence says why.
 * @param {Api.Plugin} p
 * @param {string} name the credential's name
 * @param {Api.Credential} c
 * @param {(updated?: Api.Plugin) => void} onChange
 * @returns {HTMLDivElement}
 */
function connectStep(p, name, c, onChange) {
  const crm = p.name || p.id;
  const connect = connectButton(p, name, c);
  const ready = !!c.oauth_configured;
  const why = el('p', { class: 'muted small', id: 'connect-why-' + name, testid: 'connect-why' },
    ready
      ? t(c.connected ? 'admin.connect.reconnectHelp' : 'admin.connect.help', { crm })
      : t('admin.connect.needsClient', { crm }));
  connect.setAttribute('aria-describedby', why.id);
  if (!ready) connect.disabled = true;
  return el('div', { class: 'connect-step', testid: 'connect-step' },
    why,
    el('div', { class: 'form-actions' }, connect, c.connected ? disconnectButton(p, onChange) : null));
}

/**
 * The Connection card of one credential.
 * @param {Api.Plugin} p
 * @param {string} name the credential's name
 * @param {Api.Credential} c
 * @param {(updated?: Api.Plugin) => void} onChange renders the page anew
 * @returns {HTMLElement}
 */
export function credentialCard(p, name, c, onChange) {
  const oauth = isOauth(c);
  const apiKey = !oauth && isApiKey(c);
  const card = el('section', { class: 'card credential-card', testid: 'credential-' + name, dataset: { credential: name } },
    el('div', { class: 'card-head' },
      el('h2', { class: 'card-title' }, t('admin.connect.title'), el('span', { class: 'muted small' }, ' \u00b7 ' + t('admin.connect.which', {
        name, kind: oauth ? t('admin.connect.kindOauth') : apiKey ? t('admin.connect.kindApiKey') : (c.kind || t('admin.connect.kindOther')) }))),
      credentialStatus(name, c, oauth)));

  if (oauth) {
    // First the OAuth client Connect needs, then Connect.
    card.appendChild(oauthClientSettings(p, name, c, onChange));
    card.appendChild(connectStep(p, name, c, onChange));
    return card;
  }
  const actions = el('div', { class: 'form-actions' },
    c.connected ? disconnectButton(p, onChange) : null);
  if (!apiKey && !c.connected) {
    card.appendChild(el('p', { class: 'muted' }, t('admin.connect.notYet')));
  }
  if (apiKey) card.appendChild(apiKeyForm(p, name, c, onChange));
  if (actions.childNodes.length) card.appendChild(actions);
  return card;
}
