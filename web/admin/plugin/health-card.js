// @ts-check
/* The integration's health: when a call last got an answer, the last
 * failure and when (the CRM down or refusing, the plugin crashing), and
 * Test connection, which asks the CRM once more through the plugin.
 */
import { api } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
import { pill } from '../../lib/ui.js';
import { app, pluginPath } from '../app.js';

/** @type {{[state: string]: [string, string]}} a state's chip: catalog key of its text, kind */
const STATES = {
  healthy: ['admin.health.working', 'ok'],
  failing: ['admin.health.failing', 'error'],
  untested: ['admin.health.untested', 'muted'],
};

/**
 * What the health says, as definition rows.
 * @param {Api.Health} h
 * @returns {HTMLElement}
 */
function facts(h) {
  const [key, kind] = STATES[h.state] || ['', 'muted'];
  return el('dl', { class: 'kv-list', testid: 'health-facts', dataset: { state: h.state } },
    el('div', { class: 'kv' }, el('dt', {}, t('admin.health.state')), el('dd', {}, pill(key ? t(key) : h.state, kind, 'health-state'))),
    el('div', { class: 'kv' }, el('dt', {}, t('admin.health.lastAnswer')),
      el('dd', { testid: 'health-last-success' }, h.last_success_at ? formatDateTime(h.last_success_at) : t('admin.health.noAnswer'))),
    h.last_failure
      ? el('div', { class: 'kv' }, el('dt', {}, t('admin.health.lastError')),
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
  const test = el('button', { type: 'button', class: 'btn', testid: 'test-connection', disabled: !p.enabled }, t('admin.health.test'));
  test.addEventListener('click', async () => {
    test.disabled = true;
    test.textContent = t('admin.health.testing');
    result.textContent = '';
    try {
      /** @type {Api.ConnectionTest} */
      const answer = await api('POST', pluginPath(p.id) + '/test');
      const fresh = facts(answer.health);
      shown.replaceWith(fresh);
      shown = fresh;
      result.textContent = answer.ok ? t('admin.health.answered', { name: p.name || p.id })
        : answer.error ? t('admin.health.testFailed', { reason: answer.error }) : t('admin.health.testFailedNoAnswer');
      result.className = answer.ok ? 'small health-ok' : 'form-error';
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      result.textContent = e.message;
      result.className = 'form-error';
    } finally {
      test.disabled = false;
      test.textContent = t('admin.health.test');
    }
  });
  return el('section', { class: 'card', testid: 'health-card', 'aria-labelledby': 'health-title' },
    el('h2', { class: 'card-title', id: 'health-title' }, t('admin.health.title')),
    el('p', { class: 'muted small' }, t(p.enabled ? 'admin.health.intro' : 'admin.health.introDisabled')),
    shown,
    el('div', { class: 'form-actions' }, test),
    result);
}
