// @ts-check
/* A plugin's status chips and its Enabled switch, on the plugins list and
 * the plugin's page.
 */
import { api } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { pill, setSwitchLabel, switchInput, toast } from '../../lib/ui.js';
import { pluginPath } from '../app.js';

/**
 * One chip per credential: connected or not.
 * @param {Api.Plugin} p
 * @returns {HTMLSpanElement[]}
 */
export function credentialChips(p) {
  const credentials = p.credentials || {};
  const names = Object.keys(credentials);
  if (!names.length) return [pill(t('admin.chips.noCredentials'), 'muted', 'credential-status')];
  return names.map((name) => {
    const c = credentials[name];
    return el('span', { class: 'pill ' + (c.connected ? 'pill-ok' : 'pill-warn'), testid: 'credential-status', dataset: { credential: name, connected: String(!!c.connected) } },
      t(c.connected ? 'admin.chips.credentialConnected' : 'admin.chips.credentialNotConnected', { name }));
  });
}

/**
 * Healthy; Failing when its last call failed (the error as its title); or
 * Error with why it did not load.
 * @param {Api.Plugin} p
 * @returns {HTMLSpanElement}
 */
export function statusChip(p) {
  if (p.status !== 'ok') return el('span', { class: 'pill pill-error', testid: 'plugin-status', title: p.status }, t('admin.chips.error'));
  if (p.health && p.health.state === 'failing') {
    return el('span', { class: 'pill pill-error', testid: 'plugin-status', title: p.health.last_failure || '' }, t('admin.chips.failing'));
  }
  return pill(t('admin.chips.healthy'), 'ok', 'plugin-status');
}

/**
 * A warning chip while the manifest asks for limits above the defaults that no admin approved.
 * @param {Api.Plugin} p
 * @returns {HTMLSpanElement | null}
 */
export function limitsChip(p) {
  const sb = p.sandbox;
  if (!sb || !(sb.requests_above_defaults || []).length || sb.above_defaults_approved) return null;
  return el('span', { class: 'pill pill-warn', testid: 'plugin-limits-pending', title: (sb.requests_above_defaults || []).join('; ') }, t('admin.chips.limitsPending'));
}

/**
 * Who signed the installed version: "Signed by <name> (<fingerprint>)", or
 * "Unsigned"; a signer since removed from Trusted publishers is a warning.
 * @param {Api.Plugin} p
 * @returns {HTMLSpanElement}
 */
export function signatureChip(p) {
  const s = p.signature;
  if (!s) {
    return el('span', { class: 'pill pill-warn', testid: 'plugin-signature', dataset: { signed: 'false' }, title: t('admin.chips.unsignedTitle') }, t('admin.chips.unsigned'));
  }
  const who = { publisher: s.publisher, fingerprint: s.fingerprint };
  return s.trusted
    ? el('span', { class: 'pill pill-ok', testid: 'plugin-signature', dataset: { signed: 'true', fingerprint: s.fingerprint } }, t('admin.chips.signedBy', who))
    : el('span', { class: 'pill pill-warn', testid: 'plugin-signature', dataset: { signed: 'true', fingerprint: s.fingerprint }, title: t('admin.chips.untrustedTitle') }, t('admin.chips.signedByUntrusted', who));
}

/**
 * The Enabled / Disabled switch; saves at once.
 * @param {Api.Plugin} p
 * @param {(updated: Api.Plugin) => void} [after] runs once the server saved it
 * @returns {HTMLLabelElement}
 */
export function enabledSwitch(p, after) {
  return switchInput(p.enabled, 'plugin-enabled', t(p.enabled ? 'admin.enabled' : 'admin.disabled'), async (on, input) => {
    input.disabled = true;
    try {
      /** @type {Api.Plugin} */
      const updated = await api('PATCH', pluginPath(p.id), { enabled: on });
      p.enabled = updated.enabled;
      setSwitchLabel(input, t(updated.enabled ? 'admin.enabled' : 'admin.disabled'));
      toast(t(updated.enabled ? 'admin.chips.nowEnabled' : 'admin.chips.nowDisabled', { name: p.name }));
      if (after) after(updated);
    } catch (e) {
      input.checked = !on;
      toast(e.message, 'error');
    } finally {
      input.disabled = false;
    }
  });
}
