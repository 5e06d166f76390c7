// @ts-check
/* The Agents & profiles page (#agents): the agents (edit name, profile
 * and active in a dialog, create an API token, deactivate / reactivate,
 * delete), Add an agent, Profiles, API tokens.
 */
import { api } from '../../lib/api.js';
import { append, clear, el, loading } from '../../lib/dom.js';
import { initials } from '../../lib/format.js';
import { confirmDialog, pill, toast } from '../../lib/ui.js';
import { app, guard } from '../app.js';
import { adminPage, pageHead } from '../layout.js';
import { t } from '../../lib/i18n.js';
import { profileName } from '../../lib/shell.js';
import { agentForm, languageSelect, profileForm } from './agent-forms.js';
import { agentRefusal, editAgent } from './edit-dialog.js';
import { tokensCard } from './tokens-card.js';

/**
 * What an agent row's buttons need from the page.
 * @typedef {object} RowContext
 * @property {(answer: Api.NewToken, who?: Api.AdminAgent) => void} tokenCreated shows a new token
 * @property {(e: any, who?: string) => void} refused shows the server's refusal (about agent `who`) in plain words
 * @property {() => void} clearError hides the last refusal
 * @property {() => void} refresh renders the page anew
 * @property {string[]} profiles the desk's profiles
 */

/**
 * Edit: name, profile and active, in a dialog.
 * @param {Api.AdminAgent} a
 * @param {boolean} me whether it is the signed-in admin
 * @param {RowContext} ctx
 * @returns {HTMLButtonElement}
 */
function editButton(a, me, ctx) {
  const who = a.name || a.email;
  const button = el('button', { type: 'button', class: 'btn btn-small', testid: 'agent-edit', 'aria-label': t('admin.agents.editLabel', { name: who }) }, t('admin.agents.edit'));
  button.addEventListener('click', async () => {
    ctx.clearError();
    if (await editAgent(a, ctx.profiles, me)) {
      if (me) app.start(); else ctx.refresh();
    } else {
      button.focus();
    }
  });
  return button;
}

/**
 * Create API token: a token that acts as this agent.
 * @param {Api.AdminAgent} a
 * @param {boolean} active
 * @param {RowContext} ctx
 * @returns {HTMLButtonElement}
 */
function tokenButton(a, active, ctx) {
  const who = a.name || a.email;
  const button = el('button', { type: 'button', class: 'btn btn-small', testid: 'agent-token', disabled: !active, title: t(active ? 'admin.agents.tokenTitle' : 'admin.agents.tokenInactive', { name: who }) }, t('admin.agents.token'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    ctx.clearError();
    try {
      const answer = await api('POST', '/api/admin/tokens', { agent_id: a.id });
      ctx.tokenCreated(answer, a);
    } catch (e) { ctx.refused(e); } finally { button.disabled = false; }
  });
  return button;
}

/**
 * Deactivate / Reactivate.
 * @param {Api.AdminAgent} a
 * @param {boolean} active
 * @param {RowContext} ctx
 * @returns {HTMLButtonElement}
 */
function toggleButton(a, active, ctx) {
  const who = a.name || a.email;
  const toggle = el('button', { type: 'button', class: 'btn btn-small', testid: 'agent-toggle-active', dataset: { active: String(active) } }, t(active ? 'admin.agents.deactivate' : 'admin.agents.reactivate'));
  toggle.addEventListener('click', async () => {
    toggle.disabled = true;
    ctx.clearError();
    try {
      const updated = await api('PATCH', '/api/admin/agents/' + encodeURIComponent(a.id), { active: !active });
      toast(t(updated.active === false ? 'admin.agents.deactivated' : 'admin.agents.reactivated', { name: who }));
      ctx.refresh();
    } catch (e) {
      ctx.refused(e, who);
      toggle.disabled = false;
    }
  });
  return toggle;
}

/**
 * Delete, after a confirm step.
 * @param {Api.AdminAgent} a
 * @param {RowContext} ctx
 * @returns {HTMLButtonElement}
 */
function deleteButton(a, ctx) {
  const who = a.name || a.email;
  const del = el('button', { type: 'button', class: 'btn btn-small btn-danger-outline', testid: 'agent-delete' }, t('admin.delete'));
  del.addEventListener('click', async () => {
    const yes = await confirmDialog(t('admin.agents.deleteTitle', { name: who }), t('admin.agents.deleteText', { name: who, email: a.email }), t('admin.delete'));
    if (!yes) return;
    del.disabled = true;
    ctx.clearError();
    try {
      await api('DELETE', '/api/admin/agents/' + encodeURIComponent(a.id));
      toast(t('admin.deleted', { name: who }));
      ctx.refresh();
    } catch (e) {
      ctx.refused(e, who);
      del.disabled = false;
    }
  });
  return del;
}

/**
 * The agent's language: the browser's or one the pages ship in; a change
 * is saved at once (and the console follows when it is the admin's own).
 * @param {Api.AdminAgent} a
 * @param {boolean} me whether it is the signed-in admin
 * @param {RowContext} ctx
 * @returns {HTMLSelectElement}
 */
function languageCell(a, me, ctx) {
  const who = a.name || a.email;
  const select = languageSelect({ testid: 'agent-language-select', 'aria-label': t('language.of', { name: who }) }, a.language);
  select.addEventListener('change', async () => {
    select.disabled = true;
    ctx.clearError();
    try {
      await api('PATCH', '/api/admin/agents/' + encodeURIComponent(a.id), { language: select.value || null });
      const option = select.selectedOptions[0];
      toast(select.value ? t('language.changed', { name: who, language: option ? option.text : select.value }) : t('language.changedToBrowser', { name: who }));
      if (me) app.start();
    } catch (e) {
      ctx.refused(e);
      select.value = a.language || '';
    } finally {
      select.disabled = false;
    }
  });
  return select;
}

/**
 * One agent's row.
 * @param {Api.AdminAgent} a
 * @param {RowContext} ctx
 * @returns {HTMLTableRowElement}
 */
function agentRow(a, ctx) {
  const active = a.active !== false;
  const me = !!app.agent && a.id === app.agent.id;
  return el('tr', { testid: 'agent-row', class: active ? '' : 'agent-inactive', dataset: { email: a.email, id: a.id, active: String(active) } },
    el('td', {}, el('div', { class: 'agent-cell' },
      el('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' }, initials(a.name)),
      el('span', { testid: 'agent-row-name' }, a.name),
      me ? el('span', { class: 'muted small' }, t('admin.agents.you')) : null,
      active ? null : pill(t('admin.agents.inactive'), 'warn', 'agent-inactive'))),
    el('td', { class: 'muted' }, a.email),
    el('td', {}, el('span', { class: 'pill pill-muted' }, profileName(a.profile))),
    el('td', {}, languageCell(a, me, ctx)),
    el('td', { class: 'right' }, el('div', { class: 'row-actions' }, editButton(a, me, ctx), tokenButton(a, active, ctx), toggleButton(a, active, ctx), deleteButton(a, ctx))));
}

/**
 * The agents, profiles and tokens ([] tokens: Error when only they could not be read).
 * @returns {Promise<{agents: Api.AdminAgent[], profiles: string[], tokens: Api.Token[] | Error}>}
 */
async function loadAgents() {
  const [agents, profiles, tokens] = await Promise.all([
    api('GET', '/api/admin/agents'),
    api('GET', '/api/admin/profiles'),
    api('GET', '/api/admin/tokens').then((a) => (a && a.tokens) || [], (e) => (e.status === 401 ? Promise.reject(e) : e)),
  ]);
  return {
    agents: agents.agents || [],
    profiles: (profiles.profiles || []).map((/** @type {string | {name: string}} */ p) => (typeof p === 'string' ? p : p.name)),
    tokens,
  };
}

/**
 * Renders the Agents & profiles page.
 * @param {number} seq
 */
export async function agentsPage(seq) {
  const content = adminPage('agents');
  const list = el('div', { class: 'card table-card' }, loading());
  const agentsError = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'agents-error' });
  const forms = el('div', { class: 'agents-forms' });
  const tokensSlot = el('div', {});
  append(content,
    pageHead(t('admin.nav.agents'), t('admin.agents.intro')),
    agentsError,
    list,
    forms,
    tokensSlot);
  let loaded;
  try {
    loaded = await loadAgents();
  } catch (e) { guard(seq, e, list); return; }
  if (guard(seq, null, list)) return;
  const { agents, profiles, tokens } = loaded;
  const refresh = () => { if (app.live(seq)) agentsPage(app.router.next()); };
  const tokenCard = tokensCard(seq, agents, tokens);
  tokensSlot.appendChild(tokenCard.card);

  /** @type {RowContext} */
  const ctx = {
    tokenCreated: tokenCard.created,
    refused(e, who) {
      if (e.status === 401) { app.start(); return; }
      const text = who ? agentRefusal(e, who) : e.message;
      agentsError.textContent = text;
      agentsError.hidden = false;
      toast(text, 'error');
    },
    clearError() { agentsError.hidden = true; },
    refresh,
    profiles,
  };

  clear(list).appendChild(el('table', { class: 'table stack-table', testid: 'agents-table' },
    el('thead', {}, el('tr', {}, [t('admin.agents.name'), t('admin.agents.email'), t('admin.agents.profile'), t('language.label'), ''].map((h) => el('th', { scope: 'col' }, h || el('span', { class: 'sr-only' }, t('admin.actions')))))),
    el('tbody', {}, agents.map((a) => agentRow(a, ctx)))));
  append(forms, agentForm(profiles, refresh), profileForm(profiles, refresh));
}
