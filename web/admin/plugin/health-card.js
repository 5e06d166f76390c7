// @ts-check
/* The integration's health: when a call last got an answer, the last
 * failure and when (the CRM down or refusing, the plugin crashing), and
 * Test connection, which asks the CRM once more through the plugin.
 */
import { api } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { pill } from '../../lib/ui.js';
import { app, pluginPath } from '../app.js';

/** @type {{[state: string]: [string, string]}} a state's chip: text, kind */
const STATES = {
  healthy: ['Working', 'ok'],
  failing: ['Failing', 'error'],
  untested: ['No calls yet', 'muted'],
};

/**
 * What the health says, as definition rows.
 * @param {Api.Health} h
 * @returns {HTMLElement}
 */
function facts(h) {
  const [text, kind] = STATES[h.state] || [h.state, 'muted'];
  return el('dl', { class: 'kv-list', testid: 'health-facts', dataset: { state: h.state } },
    el('div', { class: 'kv' }, el('dt', {}, 'State'), el('dd', {}, pill(text, kind, 'health-state'))),
    el('div', { class: 'kv' }, el('dt', {}, 'Last answer'),
      el('dd', { testid: 'health-last-success' }, h.last_success_at ? formatDateTime(h.last_success_at) : 'None since the plugin loaded')),
    h.last_failure
      ? el('div', { class: 'kv' }, el('dt', {}, 'Last error'),
        el('dd', {},
          el('div', { class: 'muted small' }, h.last_failure_at ? formatDateTime(h.last_failure_at) : ''),
          el('div', { class: 'health-error', testid: 'health-last-failure' }, h.last_failure)))
      : null);
}

/**
 * @param {Api.Plugin} p
 * @returns {HTMLElement | null}
 */
export function healthCard(p) {
  if (!p.health) return null;
  let shown = facts(p.health);
  const result = el('p', { class: 'small', role: 'status', 'aria-live': 'polite', testid: 'health-test-result' });
  const test = el('button', { type: 'button', class: 'btn', testid: 'test-connection', disabled: !p.enabled }, 'Test connection');
  test.addEventListener('click', async () => {
    test.disabled = true;
    test.textContent = 'Testing\u2026';
    result.textContent = '';
    try {
      /** @type {Api.ConnectionTest} */
      const t = await api('POST', pluginPath(p.id) + '/test');
      const fresh = facts(t.health);
      shown.replaceWith(fresh);
      shown = fresh;
      result.textContent = t.ok ? (p.name || p.id) + ' answered.' : 'The test failed: ' + (t.error || 'no answer');
      result.className = t.ok ? 'small health-ok' : 'form-error';
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      result.textContent = e.message;
      result.className = 'form-error';
    } finally {
      test.disabled = false;
      test.textContent = 'Test connection';
    }
  });
  return el('section', { class: 'card', testid: 'health-card', 'aria-labelledby': 'health-title' },
    el('h2', { class: 'card-title', id: 'health-title' }, 'Health'),
    el('p', { class: 'muted small' }, p.enabled
      ? 'From the calls agents and sync made since the plugin loaded. Test connection asks the CRM once more.'
      : 'Enable the integration to test its connection.'),
    shown,
    el('div', { class: 'form-actions' }, test),
    result);
}
