// @ts-check
/* The embed page (/embed/panel?ticket=ID&plugin=ID[&lang=pt-BR][#token=…]):
 * one plugin's panel for a ticket, for another help desk to show in an
 * iframe. Signs in with the session cookie, or with the API token in the
 * fragment. Its language is the agent's, else `lang` (the embedding help
 * desk's), else the browser's.
 */
import { api, setToken } from '../lib/api.js';
import { clear, el, loading } from '../lib/dom.js';
import { setLanguage, t } from '../lib/i18n.js';
import { panelsBase, renderPanel } from '../panel/panel.js';

/**
 * The red box of the embed page.
 * @param {...import('../lib/dom.js').Child} children
 * @returns {HTMLDivElement}
 */
function embedError(...children) {
  return el('div', { class: 'panel-error', role: 'alert', testid: 'embed-error' }, ...children);
}

/**
 * What the page says when the panel list cannot be read.
 * @param {any} e the ApiError
 * @returns {HTMLDivElement}
 */
function listError(e) {
  if (e.status !== 401) return embedError(e.message);
  return embedError(t('embed.signIn'),
    el('div', {}, el('a', { href: '/', target: '_blank', rel: 'noopener' }, t('embed.open'))));
}

/**
 * Renders the panel the address names into `root`.
 * @param {HTMLElement} root
 */
export async function bootEmbed(root) {
  const params = new URLSearchParams(location.search);
  const ticket = params.get('ticket');
  const plugin = params.get('plugin');
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  if (fragment.get('token')) setToken(fragment.get('token'));
  const agentLanguage = await api('GET', '/api/me').then((answer) => answer && answer.agent && answer.agent.language, () => null);
  await setLanguage(agentLanguage || params.get('lang'));
  if (!ticket || !plugin) {
    clear(root).appendChild(el('div', { class: 'panel-error', role: 'alert' }, t('embed.needsAddress')));
    return;
  }
  clear(root).appendChild(loading());
  let answer;
  try {
    answer = await api('GET', '/api/tickets/' + encodeURIComponent(ticket) + '/panels');
  } catch (e) {
    clear(root).appendChild(listError(e));
    return;
  }
  /** @type {Api.PanelInfo | undefined} */
  const info = ((answer && answer.panels) || []).find((/** @type {Api.PanelInfo} */ p) => p.plugin === plugin);
  if (!info) {
    clear(root).appendChild(embedError(t('embed.noPanel', { plugin })));
    return;
  }
  clear(root).appendChild(renderPanel(panelsBase('tickets', ticket), info));
}

const root = document.querySelector('[data-embed-root]');
if (root instanceof HTMLElement) bootEmbed(root);
