// @ts-check
/* Edit an agent (the Agents page's Edit button): name, profile, and
 * whether they can sign in (active), in a dialog; and the server's
 * refusals (the last Administrator, yourself) in plain words.
 */
import { api } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { profileName } from '../../lib/shell.js';
import { toast } from '../../lib/ui.js';

/**
 * The server's refusal about agents as a sentence for the admin: the ones
 * the desk knows (the last active Administrator, your own account) in
 * plain words, any other as the server said it.
 * @param {any} e an ApiError
 * @param {string} who the agent's name
 * @returns {string}
 */
export function agentRefusal(e, who) {
  const said = String((e && e.message) || '');
  if (/at least one active Administrator/i.test(said)) return t('admin.agents.lastAdmin', { name: who });
  if (/cannot (deactivate|delete) yourself/i.test(said)) return t('admin.agents.notYourself');
  if (e && e.status === 404) return t('admin.agents.gone', { name: who });
  return said;
}

/**
 * Opens the Edit dialog of agent `a`; resolves true once saved (false on Cancel).
 * @param {Api.AdminAgent} a
 * @param {string[]} profiles the desk's profiles
 * @param {boolean} me whether it is the signed-in admin
 * @returns {Promise<boolean>}
 */
export function editAgent(a, profiles, me) {
  return new Promise((resolve) => {
    const who = a.name || a.email;
    const active = a.active !== false;
    const name = el('input', { id: 'edit-agent-name', required: true, autocomplete: 'off', testid: 'edit-agent-name', value: a.name || '' });
    const choices = profiles.includes(a.profile) ? profiles : [a.profile, ...profiles];
    const profile = el('select', { id: 'edit-agent-profile', testid: 'edit-agent-profile' },
      choices.map((p) => el('option', { value: p, selected: p === a.profile }, profileName(p))));
    // Nobody deactivates themselves (the server refuses it): the box says why instead.
    const activeBox = el('input', { id: 'edit-agent-active', type: 'checkbox', checked: active, disabled: me, testid: 'edit-agent-active', 'aria-describedby': 'edit-agent-active-help' });
    const error = el('p', { class: 'form-error', role: 'alert', hidden: true, testid: 'edit-agent-error' });
    const cancel = el('button', { type: 'button', class: 'btn', testid: 'edit-agent-cancel' }, t('common.cancel'));
    const save = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'edit-agent-save' }, t('admin.agents.save'));
    const form = el('form', { method: 'dialog' },
      el('h2', { id: 'edit-agent-title' }, t('admin.agents.editTitle', { name: who })),
      el('p', { class: 'muted small' }, a.email),
      el('div', { class: 'field' }, el('label', { for: 'edit-agent-name' }, t('admin.agents.name')), name),
      el('div', { class: 'field' }, el('label', { for: 'edit-agent-profile' }, t('admin.agents.profile')), profile,
        el('div', { class: 'help' }, t('admin.agents.profileHelp'))),
      el('div', { class: 'field field-check' },
        el('div', { class: 'check-row' }, activeBox, el('label', { for: 'edit-agent-active' }, t('admin.agents.active'))),
        el('div', { class: 'help', id: 'edit-agent-active-help' }, t(me ? 'admin.agents.activeHelpMe' : 'admin.agents.activeHelp'))),
      error,
      el('div', { class: 'dialog-actions' }, cancel, save));
    const dialog = el('dialog', { class: 'dialog', testid: 'edit-agent-dialog', 'aria-labelledby': 'edit-agent-title' }, form);
    /** @param {boolean} value */
    const done = (value) => { dialog.close(); dialog.remove(); resolve(value); };
    cancel.addEventListener('click', () => done(false));
    dialog.addEventListener('cancel', (event) => { event.preventDefault(); done(false); });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hidden = true;
      /** @type {{name?: string, profile?: string, active?: boolean}} */
      const patch = {};
      if (name.value.trim() !== (a.name || '')) patch.name = name.value.trim();
      if (profile.value !== a.profile) patch.profile = profile.value;
      if (activeBox.checked !== active) patch.active = activeBox.checked;
      if (!Object.keys(patch).length) { done(false); return; }
      save.disabled = true;
      try {
        /** @type {Api.AdminAgent} */
        const updated = await api('PATCH', '/api/admin/agents/' + encodeURIComponent(a.id), patch);
        const newName = updated.name || updated.email;
        toast(patch.active === false ? t('admin.agents.deactivated', { name: newName })
          : patch.active === true ? t('admin.agents.reactivated', { name: newName })
            : t('admin.agents.saved', { name: newName }));
        done(true);
      } catch (e) {
        error.textContent = agentRefusal(e, who);
        error.hidden = false;
        save.disabled = false;
      }
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    name.focus();
  });
}
