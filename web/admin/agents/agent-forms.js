// @ts-check
/* The Add an agent and Profiles forms of the Agents & profiles page. */
import { api, formError } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { LANGUAGES, LANGUAGE_NAMES, t } from '../../lib/i18n.js';
import { profileName as profileText } from '../../lib/shell.js';
import { pill, toast } from '../../lib/ui.js';

/**
 * A labelled field.
 * @param {string} id
 * @param {string} label
 * @param {HTMLElement} input
 * @returns {HTMLDivElement}
 */
function field(id, label, input) {
  return el('div', { class: 'field' }, el('label', { for: id }, label), input);
}

/**
 * The pages' language for an agent: the browser's (value "") or one the pages ship in.
 * @param {Record<string, any>} attrs the select's attributes (id, testid, aria-label)
 * @param {string | null | undefined} value the agent's setting
 * @returns {HTMLSelectElement}
 */
export function languageSelect(attrs, value) {
  return el('select', attrs,
    el('option', { value: '', selected: !value }, t('language.browser')),
    LANGUAGES.map((l) => el('option', { value: l, selected: value === l, lang: l }, LANGUAGE_NAMES[l])));
}

/**
 * Add an agent: name, email, password, profile and language.
 * @param {string[]} profiles
 * @param {() => void} refresh renders the page anew
 * @returns {HTMLFormElement}
 */
export function agentForm(profiles, refresh) {
  const name = el('input', { id: 'agent-name', required: true, testid: 'agent-name', autocomplete: 'off' });
  const email = el('input', { id: 'agent-email', type: 'email', required: true, testid: 'agent-email', autocomplete: 'off' });
  const password = el('input', { id: 'agent-password', type: 'password', required: true, minlength: '8', testid: 'agent-password', autocomplete: 'new-password' });
  const profile = el('select', { id: 'agent-profile', testid: 'agent-profile' }, profiles.map((p) => el('option', { value: p, selected: p === 'Agent' }, profileText(p))));
  const language = languageSelect({ id: 'agent-language', testid: 'agent-language' }, null);
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'agent-error' });
  const form = el('form', { class: 'card', testid: 'agent-form' },
    el('h2', { class: 'card-title' }, t('admin.agents.addTitle')),
    field('agent-name', t('admin.agents.name'), name),
    field('agent-email', t('admin.agents.email'), email),
    field('agent-password', t('admin.agents.password'), password),
    field('agent-profile', t('admin.agents.profile'), profile),
    field('agent-language', t('language.label'), language),
    error,
    el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'btn btn-primary', testid: 'agent-submit' }, t('admin.agents.add'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      const created = await api('POST', '/api/admin/agents', { name: name.value.trim(), email: email.value.trim(), password: password.value, profile: profile.value, language: language.value || null });
      toast(t('admin.agents.added', { name: created.name || created.email }));
      refresh();
    } catch (e) { error.textContent = formError(e); error.hidden = false; }
  });
  return form;
}

/**
 * Profiles: the desk's profiles, and a form that adds one.
 * @param {string[]} profiles
 * @param {() => void} refresh renders the page anew
 * @returns {HTMLFormElement}
 */
export function profileForm(profiles, refresh) {
  const profileName = el('input', { id: 'profile-name', required: true, testid: 'profile-name-input', autocomplete: 'off' });
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'profile-error' });
  const form = el('form', { class: 'card', testid: 'profile-form' },
    el('h2', { class: 'card-title' }, t('admin.profiles.title')),
    el('div', { class: 'chips', testid: 'profiles' }, profiles.map((p) => pill(profileText(p), 'muted', 'profile-chip'))),
    field('profile-name', t('admin.profiles.new'), profileName),
    error,
    el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'btn', testid: 'profile-submit' }, t('admin.profiles.add'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      await api('POST', '/api/admin/profiles', { name: profileName.value.trim() });
      toast(t('admin.profiles.added', { name: profileName.value.trim() }));
      refresh();
    } catch (e) { error.textContent = formError(e); error.hidden = false; }
  });
  return form;
}
