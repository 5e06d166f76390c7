// @ts-check
/* The Trusted publishers card of the Integrations page: the "Allow
 * unsigned plugins" switch, the publishers whose signed packages the desk
 * installs (with Remove), and the form that adds one.
 */
import { api, formError } from '../../lib/api.js';
import { clear, el, errorBox, loading } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
import { confirmDialog, setSwitchLabel, switchInput, toast } from '../../lib/ui.js';
import { app } from '../app.js';

const PUBLISHERS = '/api/admin/publishers';
const POLICY = '/api/admin/plugin-policy';

/**
 * The "Allow unsigned plugins" switch and its warning; saves at once.
 * @param {boolean} allowed
 * @returns {HTMLDivElement}
 */
function unsignedSwitch(allowed) {
  const label = (/** @type {boolean} */ on) => t(on ? 'admin.publishers.unsignedAllowed' : 'admin.publishers.unsignedRefused');
  // What turning the switch on means, shown beside it.
  const warning = el('p', { class: 'notice-banner', testid: 'allow-unsigned-warning', hidden: !allowed }, t('admin.publishers.unsignedWarning'));
  const toggle = switchInput(allowed, 'allow-unsigned', label(allowed), async (on, input) => {
    input.disabled = true;
    try {
      /** @type {Api.PluginPolicy} */
      const policy = await api('PUT', POLICY, { allow_unsigned: on });
      input.checked = policy.allow_unsigned;
      setSwitchLabel(input, label(policy.allow_unsigned));
      warning.hidden = !policy.allow_unsigned;
      toast(t(policy.allow_unsigned ? 'admin.publishers.unsignedOn' : 'admin.publishers.unsignedOff'));
    } catch (e) {
      input.checked = !on;
      if (e.status === 401) { app.start(); return; }
      toast(e.message, 'error');
    } finally {
      input.disabled = false;
    }
  });
  return el('div', { class: 'subform', testid: 'plugin-policy' },
    el('h3', { class: 'subhead' }, t('admin.publishers.allowUnsigned')),
    el('p', { class: 'muted small' }, t('admin.publishers.allowUnsignedHelp')),
    toggle,
    warning);
}

/**
 * The publishers' table (or "No trusted publishers yet.").
 * @param {Api.Publisher[]} publishers
 * @param {(p: Api.Publisher) => HTMLTableRowElement} row
 * @returns {HTMLElement}
 */
function publishersTable(publishers, row) {
  return publishers.length
    ? el('div', { class: 'tokens-wrap' }, el('table', { class: 'table compact', testid: 'publishers-table' },
      el('thead', {}, el('tr', {}, [t('admin.publishers.publisher'), t('admin.publishers.fingerprint'), t('admin.publishers.signedPlugins'), t('admin.publishers.added'), ''].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, publishers.map(row))))
    : el('p', { class: 'empty', testid: 'publishers-empty' }, t('admin.publishers.none'));
}

/**
 * The form that adds a publisher by name and public key.
 * @param {(added: Api.Publisher) => void} added
 * @returns {HTMLFormElement}
 */
function publisherForm(added) {
  const name = el('input', { id: 'publisher-name', type: 'text', maxlength: '80', required: true, autocomplete: 'off', testid: 'publisher-name', placeholder: t('admin.publishers.namePlaceholder') });
  const key = el('input', { id: 'publisher-key', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false', class: 'mono', testid: 'publisher-key', placeholder: 'ed25519:…' });
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'publisher-error' });
  const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'publisher-submit' }, t('admin.publishers.trust'));
  const form = el('form', { class: 'subform', testid: 'publisher-form' },
    el('h3', { class: 'subhead' }, t('admin.publishers.add')),
    el('p', { class: 'muted small' }, t('admin.publishers.addHelp')),
    el('div', { class: 'form-grid' },
      el('div', { class: 'field' }, el('label', { for: 'publisher-name' }, t('admin.publishers.name')), name),
      el('div', { class: 'field' }, el('label', { for: 'publisher-key' }, t('admin.publishers.publicKey')), key)),
    error,
    el('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      /** @type {Api.Publisher} */
      const publisher = await api('POST', PUBLISHERS, { name: name.value, public_key: key.value });
      toast(t('admin.publishers.trusted', { name: publisher.name, fingerprint: publisher.fingerprint }));
      form.reset();
      added(publisher);
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      error.textContent = formError(e);
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/**
 * The Trusted publishers card; loads the policy and the publishers itself.
 * @param {number} seq the page's render
 * @returns {HTMLElement}
 */
export function publishersCard(seq) {
  const policySlot = el('div', {}, loading());
  const list = el('div', { testid: 'publishers-list' }, loading());

  /** @param {Api.Publisher} p */
  function row(p) {
    const remove = el('button', { type: 'button', class: 'btn btn-small', testid: 'publisher-remove' }, t('admin.publishers.remove'));
    remove.addEventListener('click', async () => {
      const plugins = p.plugins || [];
      const message = plugins.length
        ? t('admin.publishers.removeTextSigned', { fingerprint: p.fingerprint, plugins: plugins.join(', ') })
        : t('admin.publishers.removeText', { fingerprint: p.fingerprint });
      const yes = await confirmDialog(t('admin.publishers.removeTitle', { name: p.name }), message, t('admin.publishers.remove'));
      if (!yes) return;
      remove.disabled = true;
      try {
        await api('DELETE', PUBLISHERS + '/' + encodeURIComponent(p.fingerprint));
        toast(t('admin.publishers.removed', { name: p.name }));
        reload();
      } catch (e) {
        if (e.status === 401) { app.start(); return; }
        toast(e.message, 'error');
        remove.disabled = false;
      }
    });
    return el('tr', { testid: 'publisher-row', dataset: { fingerprint: p.fingerprint } },
      el('td', { testid: 'publisher-row-name' }, p.name),
      el('td', {}, el('code', { class: 'mono', testid: 'publisher-fingerprint', title: p.public_key }, p.fingerprint)),
      el('td', { testid: 'publisher-plugins' }, (p.plugins || []).length ? (p.plugins || []).join(', ') : el('span', { class: 'muted' }, t('admin.none'))),
      el('td', { class: 'muted nowrap' }, formatDateTime(p.added_at)),
      el('td', { class: 'right' }, remove));
  }

  async function reload() {
    try {
      const [policy, answer] = await Promise.all([api('GET', POLICY), api('GET', PUBLISHERS)]);
      if (!app.live(seq)) return;
      clear(policySlot).appendChild(unsignedSwitch(!!policy.allow_unsigned));
      clear(list).appendChild(publishersTable(answer.publishers || [], row));
    } catch (e) {
      if (!app.live(seq)) return;
      if (e.status === 401) { app.start(); return; }
      clear(list).appendChild(errorBox(e.message, 'publishers-error'));
      clear(policySlot);
    }
  }

  reload();
  return el('section', { class: 'card publishers-card', testid: 'publishers-card', id: 'trusted-publishers' },
    el('h2', { class: 'card-title' }, t('admin.publishers.title')),
    el('p', { class: 'muted' }, t('admin.publishers.intro')),
    list,
    publisherForm(() => reload()),
    policySlot);
}
