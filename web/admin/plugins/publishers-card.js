// @ts-check
/* The Trusted publishers card of the Integrations page: the "Allow
 * unsigned plugins" switch, the publishers whose signed packages the desk
 * installs (with Remove), and the form that adds one.
 */
import { api, formError } from '../../lib/api.js';
import { clear, el, errorBox, loading } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { confirmDialog, setSwitchLabel, switchInput, toast } from '../../lib/ui.js';
import { app } from '../app.js';

const PUBLISHERS = '/api/admin/publishers';
const POLICY = '/api/admin/plugin-policy';

/** What turning the switch on means, shown beside it. */
const UNSIGNED_WARNING = 'Allowing unsigned plugins lets anyone who can upload to this console install code no trusted publisher vouched for, and lets a package changed on its way here go unnoticed. Leave it off unless you build the plugins yourself.';

/**
 * The "Allow unsigned plugins" switch and its warning; saves at once.
 * @param {boolean} allowed
 * @returns {HTMLDivElement}
 */
function unsignedSwitch(allowed) {
  const label = (/** @type {boolean} */ on) => (on ? 'Unsigned plugins allowed' : 'Unsigned plugins refused');
  const warning = el('p', { class: 'notice-banner', testid: 'allow-unsigned-warning', hidden: !allowed }, UNSIGNED_WARNING);
  const toggle = switchInput(allowed, 'allow-unsigned', label(allowed), async (on, input) => {
    input.disabled = true;
    try {
      /** @type {Api.PluginPolicy} */
      const policy = await api('PUT', POLICY, { allow_unsigned: on });
      input.checked = policy.allow_unsigned;
      setSwitchLabel(input, label(policy.allow_unsigned));
      warning.hidden = !policy.allow_unsigned;
      toast(policy.allow_unsigned ? 'Unsigned plugins can be installed.' : 'Only plugins signed by a trusted publisher can be installed.');
    } catch (e) {
      input.checked = !on;
      if (e.status === 401) { app.start(); return; }
      toast(e.message, 'error');
    } finally {
      input.disabled = false;
    }
  });
  return el('div', { class: 'subform', testid: 'plugin-policy' },
    el('h3', { class: 'subhead' }, 'Allow unsigned plugins'),
    el('p', { class: 'muted small' }, 'Off: the desk installs only packages signed by a publisher below. On: it also takes unsigned packages and loose manifest and component files. Installed plugins are not affected either way.'),
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
      el('thead', {}, el('tr', {}, ['Publisher', 'Fingerprint', 'Signed plugins', 'Added', ''].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, publishers.map(row))))
    : el('p', { class: 'empty', testid: 'publishers-empty' }, 'No trusted publishers yet: no signed package can be installed.');
}

/**
 * The form that adds a publisher by name and public key.
 * @param {(added: Api.Publisher) => void} added
 * @returns {HTMLFormElement}
 */
function publisherForm(added) {
  const name = el('input', { id: 'publisher-name', type: 'text', maxlength: '80', required: true, autocomplete: 'off', testid: 'publisher-name', placeholder: 'e.g. Example Ltd' });
  const key = el('input', { id: 'publisher-key', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false', class: 'mono', testid: 'publisher-key', placeholder: 'ed25519:…' });
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'publisher-error' });
  const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'publisher-submit' }, 'Trust publisher');
  const form = el('form', { class: 'subform', testid: 'publisher-form' },
    el('h3', { class: 'subhead' }, 'Add a publisher'),
    el('p', { class: 'muted small' }, 'Paste the public key the publisher gave you (the line deskpane plugin keygen printed, starting ed25519:). Check it with them over a channel you trust.'),
    el('div', { class: 'form-grid' },
      el('div', { class: 'field' }, el('label', { for: 'publisher-name' }, 'Name'), name),
      el('div', { class: 'field' }, el('label', { for: 'publisher-key' }, 'Public key'), key)),
    error,
    el('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      /** @type {Api.Publisher} */
      const publisher = await api('POST', PUBLISHERS, { name: name.value, public_key: key.value });
      toast(publisher.name + ' (' + publisher.fingerprint + ') is a trusted publisher.');
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
    const remove = el('button', { type: 'button', class: 'btn btn-small', testid: 'publisher-remove' }, 'Remove');
    remove.addEventListener('click', async () => {
      const signed = (p.plugins || []).length ? ' The plugins it signed (' + (p.plugins || []).join(', ') + ') stay installed; their next version needs a trusted signature.' : '';
      const yes = await confirmDialog('Stop trusting ' + p.name + '?', 'Packages signed with key ' + p.fingerprint + ' will be refused.' + signed, 'Remove');
      if (!yes) return;
      remove.disabled = true;
      try {
        await api('DELETE', PUBLISHERS + '/' + encodeURIComponent(p.fingerprint));
        toast(p.name + ' is no longer a trusted publisher.');
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
      el('td', { testid: 'publisher-plugins' }, (p.plugins || []).length ? (p.plugins || []).join(', ') : el('span', { class: 'muted' }, 'None')),
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
    el('h2', { class: 'card-title' }, 'Trusted publishers'),
    el('p', { class: 'muted' }, 'Packages signed by these publishers\u2019 keys install; a package signed by anyone else, or changed after signing, is refused. Each plugin shows who signed it.'),
    list,
    publisherForm(() => reload()),
    policySlot);
}
