// @ts-check
/* On a contact centre's plugin page: the Recording card, saying how its
 * conversations are recorded, with the way to the Recording page.
 */
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { pill } from '../../lib/ui.js';

/** @type {Record<string, string>} web chats' and the inbox's purposes -> the catalog key of the sentence */
const RECORDED_AS = {
  'sales/sales': 'admin.recording.summarySalesSales',
  'sales/support': 'admin.recording.summarySalesSupport',
  'support/sales': 'admin.recording.summarySupportSales',
  'support/support': 'admin.recording.summarySupportSupport',
};

/**
 * @param {Api.Plugin} plugin
 * @param {Api.RecordingView} view
 * @returns {HTMLElement}
 */
export function recordingSummaryCard(plugin, view) {
  const s = view.settings;
  const line = !s.enabled
    ? t('admin.recording.summaryOff')
    : s.mode === 'manually'
      ? t('admin.recording.summaryManual')
      : t(RECORDED_AS[s.web_chat + '/' + s.inbox] || 'admin.recording.summarySalesSupport');
  return el('section', { class: 'card', testid: 'recording-card' },
    el('div', { class: 'card-head' },
      el('h2', { class: 'card-title' }, t('admin.plugins.recording')),
      s.enabled ? pill(t(s.mode === 'manually' ? 'admin.recording.manual' : 'admin.recording.automatic'), 'ok', 'recording-card-state') : pill(t('admin.disabled'), 'warn', 'recording-card-state')),
    el('p', { class: 'muted' }, line),
    el('div', { class: 'form-actions' },
      el('a', { class: 'btn btn-primary', href: '#recording=' + encodeURIComponent(plugin.id), testid: 'recording-open' }, t('admin.recording.configure')),
      el('a', { class: 'btn', href: '#recording=' + encodeURIComponent(plugin.id) + '&tab=log', testid: 'recording-open-log' }, t('admin.log.title'))));
}
