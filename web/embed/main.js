// @ts-check
/* The embed page (/embed/panel?ticket=ID&plugin=ID[#token=…]): one
 * plugin's panel for a ticket, for another help desk to show in an iframe.
 * Signs in with the session cookie, or with the API token in the fragment.
 */
import { api, setToken } from '../lib/api.js';
import { clear, el, loading } from '../lib/dom.js';
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
  return embedError('Sign in to Deskpane in this browser, or give an API token as #token=… in this page\u2019s address.',
    el('div', {}, el('a', { href: '/', target: '_blank', rel: 'noopener' }, 'Open Deskpane')));
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
  if (!ticket || !plugin) {
    clear(root).appendChild(el('div', { class: 'panel-error', role: 'alert' }, 'This page needs ?ticket=ID&plugin=ID in its address.'));
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
    clear(root).appendChild(embedError('The plugin \u201c' + plugin + '\u201d has no panel for you here: it is not installed, not enabled, or hidden for your profile.'));
    return;
  }
  clear(root).appendChild(renderPanel(panelsBase('tickets', ticket), info));
}

const root = document.querySelector('[data-embed-root]');
if (root instanceof HTMLElement) bootEmbed(root);
