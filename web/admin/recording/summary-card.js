// @ts-check
/* On a contact centre's plugin page: the Recording card, saying how its
 * conversations are recorded, with the way to the Recording page.
 */
import { el } from '../../lib/dom.js';
import { pill } from '../../lib/ui.js';

/** @type {Record<string, string>} */
const PURPOSE = { sales: 'leads and tasks', support: 'contacts and cases' };

/**
 * @param {Api.Plugin} plugin
 * @param {Api.RecordingView} view
 * @returns {HTMLElement}
 */
export function recordingSummaryCard(plugin, view) {
  const s = view.settings;
  const line = !s.enabled
    ? 'Recording is off: conversations are neither recorded nor turned into tickets.'
    : s.mode === 'manually'
      ? 'Conversations become tickets; agents create leads, contacts, cases and tasks from them.'
      : 'Web chats are recorded as ' + PURPOSE[s.web_chat] + ', inbox conversations as ' + PURPOSE[s.inbox] + '.';
  return el('section', { class: 'card', testid: 'recording-card' },
    el('div', { class: 'card-head' },
      el('h2', { class: 'card-title' }, 'Recording'),
      s.enabled ? pill(s.mode === 'manually' ? 'Manual' : 'Automatic', 'ok', 'recording-card-state') : pill('Disabled', 'warn', 'recording-card-state')),
    el('p', { class: 'muted' }, line),
    el('div', { class: 'form-actions' },
      el('a', { class: 'btn btn-primary', href: '#recording=' + encodeURIComponent(plugin.id), testid: 'recording-open' }, 'Configure recording'),
      el('a', { class: 'btn', href: '#recording=' + encodeURIComponent(plugin.id) + '&tab=log', testid: 'recording-open-log' }, 'Recording log')));
}
