// @ts-check
/* The Sandbox card: what a plugin may reach and use, shown before an admin
 * enables it: the hosts it may call (the manifest's and the ones admins
 * added), the limits it runs with, and the limits above the defaults the
 * manifest asks for, with Approve / Take back.
 */
import { api } from '../../lib/api.js';
import { append, clear, el } from '../../lib/dom.js';
import { formatBytes, formatMs } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
import { pill, toast } from '../../lib/ui.js';
import { app, pluginPath } from '../app.js';

/** @type {[string, string, (v: any) => string][]} limit key, the catalog key of its label, how it shows */
const LIMIT_ROWS = [
  ['memory_mib', 'admin.sandbox.memory', (v) => v + ' MiB'],
  ['cpu_ms', 'admin.sandbox.cpu', formatMs],
  ['call_timeout_ms', 'admin.sandbox.timeout', formatMs],
  ['max_concurrency', 'admin.sandbox.concurrency', (v) => String(v)],
  ['response_bytes', 'admin.sandbox.response', formatBytes],
];

/**
 * The hosts the plugin may reach, or "No network access".
 * @param {Api.Sandbox} sb
 * @returns {HTMLDivElement}
 */
function hostList(sb) {
  const manifestHosts = sb.allowed_hosts || [];
  const extraHosts = sb.extra_hosts || [];
  /** @param {string} host @param {string} source */
  const hostItem = (host, source) => el('li', { class: 'sandbox-host', testid: 'sandbox-host', dataset: { source } },
    el('code', {}, host),
    el('span', { class: 'tag' }, t(source === 'manifest' ? 'admin.sandbox.fromManifest' : 'admin.sandbox.fromAdmin')));
  return el('div', { class: 'sandbox-hosts', testid: 'sandbox-hosts', dataset: { count: String(manifestHosts.length + extraHosts.length) } },
    manifestHosts.length || extraHosts.length
      ? el('ul', { class: 'sandbox-host-list' }, manifestHosts.map((h) => hostItem(h, 'manifest')), extraHosts.map((h) => hostItem(h, 'extra')))
      : el('p', { class: 'sandbox-none', testid: 'sandbox-no-network' }, t('admin.sandbox.noNetwork')));
}

/**
 * The limits the plugin runs with (known once it loaded).
 * @param {Api.Sandbox} sb
 * @returns {HTMLElement}
 */
function limitList(sb) {
  const limits = sb.limits;
  if (!limits) return el('p', { class: 'muted', testid: 'sandbox-limits' }, t('admin.sandbox.notLoaded'));
  return el('dl', { class: 'kv-list sandbox-limits', testid: 'sandbox-limits' },
    LIMIT_ROWS.filter(([key]) => limits[key] !== undefined && limits[key] !== null).map(([key, label, format]) =>
      el('div', { class: 'kv', dataset: { limit: key, value: String(limits[key]) } }, el('dt', {}, t(label)), el('dd', { testid: 'sandbox-limit-' + key }, format(limits[key])))));
}

/**
 * The limits above the defaults the manifest asks for, with Approve / Take back.
 * @param {Api.Plugin} p
 * @param {string[]} asks
 * @param {(updated: Api.Plugin) => void} onChange
 * @returns {HTMLDivElement}
 */
function aboveDefaults(p, asks, onChange) {
  const approved = !!(p.sandbox && p.sandbox.above_defaults_approved);
  const button = el('button', { type: 'button', class: 'btn btn-small' + (approved ? '' : ' btn-primary'), testid: 'approve-limits' }, t(approved ? 'admin.sandbox.takeBack' : 'admin.sandbox.approve'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      /** @type {Api.Plugin} */
      const updated = await api('PATCH', pluginPath(p.id), { approve_limits: !approved });
      toast(t(approved ? 'admin.sandbox.tookBack' : 'admin.sandbox.approved', { name: updated.name || p.name }));
      onChange(updated);
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      toast(e.message, 'error');
      button.disabled = false;
    }
  });
  return el('div', { class: 'sandbox-above ' + (approved ? 'sandbox-above-approved' : 'sandbox-above-pending'), role: approved ? null : 'note', testid: 'sandbox-above-defaults', dataset: { approved: String(approved) } },
    el('strong', {}, t(approved ? 'admin.sandbox.aboveApproved' : 'admin.sandbox.aboveAsked')),
    el('ul', {}, asks.map((a) => el('li', { testid: 'sandbox-above-item' }, a))),
    el('p', {}, t(approved ? 'admin.sandbox.aboveApprovedHelp' : 'admin.sandbox.aboveAskedHelp')),
    el('div', { class: 'form-actions' }, button));
}

/**
 * Calls at once to the CRM: the admin sets the CRM account's allowance in
 * place of the manifest's, or returns to it.
 * @param {Api.Plugin} p
 * @param {(updated: Api.Plugin) => void} onChange
 * @returns {HTMLFormElement}
 */
function concurrencyForm(p, onChange) {
  const sb = p.sandbox || {};
  const most = sb.concurrency_ceiling || 64;
  const input = /** @type {HTMLInputElement} */ (el('input', {
    type: 'number', id: 'sandbox-concurrency', min: '1', max: String(most), step: '1', testid: 'sandbox-concurrency',
    value: sb.concurrency_set ? String(sb.concurrency_set) : '', placeholder: t('admin.sandbox.concurrencyAsked'),
  }));
  const save = el('button', { type: 'submit', class: 'btn btn-small btn-primary', testid: 'sandbox-concurrency-save' }, t('admin.sandbox.concurrencySave'));
  const reset = sb.concurrency_set
    ? el('button', { type: 'button', class: 'btn btn-small', testid: 'sandbox-concurrency-reset' }, t('admin.sandbox.concurrencyReset'))
    : null;
  /** @param {number} n 0 returns to the manifest's */
  async function send(n) {
    save.disabled = true;
    try {
      /** @type {Api.Plugin} */
      const updated = await api('PATCH', pluginPath(p.id), { concurrency: n });
      toast(t(n ? 'admin.sandbox.concurrencySet' : 'admin.sandbox.concurrencyCleared', { name: updated.name || p.name, n }));
      onChange(updated);
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      toast(e.message, 'error');
      save.disabled = false;
    }
  }
  const form = el('form', { class: 'sandbox-concurrency', testid: 'sandbox-concurrency-form', novalidate: true },
    el('label', { for: 'sandbox-concurrency' }, t('admin.sandbox.concurrencyLabel')),
    el('div', { class: 'inline-form' }, input, save, reset),
    el('div', { class: 'help' }, t('admin.sandbox.concurrencyHelp', { most })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = Number(input.value);
    if (!Number.isInteger(n) || n < 1 || n > most) {
      toast(t('admin.sandbox.concurrencyInvalid', { most }), 'error');
      input.focus();
      return;
    }
    send(n);
  });
  if (reset) reset.addEventListener('click', () => send(0));
  return form;
}

/**
 * The Sandbox card; `setEnabled(on)` repaints its state when the switch changes.
 * @param {Api.Plugin} p
 * @param {(updated: Api.Plugin) => void} onChange runs after an approval changed
 * @returns {{card: HTMLElement, setEnabled: (on: boolean) => void}}
 */
export function sandboxCard(p, onChange) {
  const sb = p.sandbox;
  const state = el('span', { class: 'chips', testid: 'sandbox-state' });
  const card = el('section', { class: 'card sandbox-card', testid: 'sandbox-card', dataset: { plugin: p.id } },
    el('div', { class: 'card-head' }, el('h2', { class: 'card-title' }, t('admin.sandbox.title')), state));
  /** @param {boolean} on */
  function setEnabled(on) {
    clear(state).appendChild(on
      ? pill(t('admin.sandbox.enabled'), 'ok')
      : pill(t('admin.sandbox.disabled'), 'warn'));
    card.dataset.enabled = String(!!on);
  }
  setEnabled(p.enabled);
  if (!sb) {
    append(card, el('p', { class: 'panel-error', role: 'alert', testid: 'sandbox-unknown' },
      t('admin.sandbox.unknown')));
    return { card, setEnabled };
  }

  const asks = sb.requests_above_defaults || [];
  append(card,
    el('p', { class: 'muted' }, t('admin.sandbox.intro')),
    el('div', { class: 'sandbox-grid' },
      el('div', { class: 'sandbox-part' },
        el('h3', { class: 'subhead' }, t('admin.sandbox.network')),
        hostList(sb),
        el('div', { class: 'help' }, t('admin.sandbox.networkHelp'))),
      el('div', { class: 'sandbox-part' },
        el('h3', { class: 'subhead' }, t('admin.sandbox.limits')),
        limitList(sb),
        asks.length ? null : el('div', { class: 'help' }, t('admin.sandbox.nothingAbove')),
        sb.limits ? concurrencyForm(p, onChange) : null)),
    asks.length ? aboveDefaults(p, asks, onChange) : null);
  return { card, setEnabled };
}
