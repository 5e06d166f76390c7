// @ts-check
/* The API tokens card: the tokens (label, agent, created, expires) with
 * Revoke, the form that creates one, and the box that shows a new token
 * once.
 */
import { api, formError } from '../../lib/api.js';
import { clear, el, errorBox } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
import { confirmDialog, pill, toast } from '../../lib/ui.js';
import { app } from '../app.js';
import { sentence } from '../sentence.js';

/**
 * The box that shows a new token once, with Copy.
 * @returns {{box: HTMLDivElement, show: (title: string, token: string) => void, hide: () => void}}
 */
function createdTokenBox() {
  // The token's element exists only while a new token is shown.
  /** @type {HTMLElement | null} */
  let value = null;
  const copy = el('button', { type: 'button', class: 'btn btn-small', testid: 'token-copy' }, t('admin.tokens.copy'));
  const title = el('strong', {});
  const valueRow = el('div', { class: 'token-row' }, copy);
  const box = el('div', { class: 'token-box', role: 'status', hidden: true, testid: 'token-created' },
    title,
    valueRow,
    el('p', { class: 'muted small' }, sentence('admin.tokens.howToUse', {
      header: el('code', {}, 'Authorization: Bearer <token>'),
      address: el('code', {}, '/embed/panel?ticket=ID&plugin=ID#token=<token>'),
    })));
  copy.addEventListener('click', async () => {
    if (!value) return;
    const shown = value;
    try {
      await navigator.clipboard.writeText(shown.textContent || '');
      toast(t('admin.tokens.copied'));
    } catch (e) {
      const range = document.createRange();
      range.selectNodeContents(shown);
      const selection = window.getSelection();
      if (selection) {
        selection.removeAllRanges();
        selection.addRange(range);
      }
      toast(t('admin.tokens.copyByHand'));
    }
  });
  function hide() {
    box.hidden = true;
    if (value) value.remove();
    value = null;
  }
  /**
   * @param {string} text the title line
   * @param {string} token
   */
  function show(text, token) {
    hide();
    title.textContent = text;
    value = el('code', { class: 'mono token', testid: 'token-value' }, token);
    valueRow.insertBefore(value, copy);
    box.hidden = false;
    box.scrollIntoView({ block: 'nearest' });
  }
  return { box, show, hide };
}

/**
 * The tokens' table, newest first (or "No API tokens.").
 * @param {Api.Token[]} tokens
 * @param {(t: Api.Token) => HTMLTableRowElement} row
 * @returns {HTMLElement}
 */
function tokensTable(tokens, row) {
  const sorted = tokens.slice().sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  return sorted.length
    ? el('div', { class: 'tokens-wrap' }, el('table', { class: 'table compact', testid: 'tokens-table' },
      el('thead', {}, el('tr', {}, [t('admin.tokens.label'), t('admin.tokens.agent'), t('admin.tokens.created'), t('admin.tokens.expires'), ''].map((h) => el('th', { scope: 'col' }, h || el('span', { class: 'sr-only' }, t('admin.actions')))))),
      el('tbody', {}, sorted.map(row))))
    : el('p', { class: 'empty tokens-empty', testid: 'tokens-empty' }, t('admin.tokens.none'));
}

/**
 * The form that creates a token for one of the active agents.
 * @param {Api.AdminAgent[]} active
 * @param {(answer: Api.NewToken, agentId: string) => void} created
 * @returns {HTMLFormElement}
 */
function tokenForm(active, created) {
  const me = app.agent;
  const agentSelect = el('select', { id: 'token-agent', testid: 'token-agent', required: true },
    active.map((a) => el('option', { value: a.id, selected: a.email === (me && me.email) }, (a.name || a.email) + ' \u00b7 ' + a.email)));
  const label = el('input', { id: 'token-label', type: 'text', maxlength: '80', autocomplete: 'off', testid: 'token-label-input', placeholder: t('admin.tokens.labelPlaceholder') });
  const days = el('input', { id: 'token-days', type: 'number', min: '1', max: '365', step: '1', value: '90', required: true, testid: 'token-days' });
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'token-error' });
  const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'token-submit' }, t('admin.tokens.create'));
  const form = el('form', { class: 'subform token-form', testid: 'token-form' },
    el('h3', { class: 'subhead' }, t('admin.tokens.new')),
    el('div', { class: 'token-form-grid' },
      el('div', { class: 'field' }, el('label', { for: 'token-agent' }, t('admin.tokens.actsAs')), agentSelect),
      el('div', { class: 'field' }, el('label', { for: 'token-label' }, t('admin.tokens.labelOptional')), label),
      el('div', { class: 'field' }, el('label', { for: 'token-days' }, t('admin.tokens.days')), days),
      el('div', { class: 'field token-submit-field' }, submit)),
    error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      /** @type {{agent_id: string, expires_in_days: number, label?: string}} */
      const body = { agent_id: agentSelect.value, expires_in_days: Number(days.value) };
      if (label.value.trim()) body.label = label.value.trim();
      /** @type {Api.NewToken} */
      const answer = await api('POST', '/api/admin/tokens', body);
      toast(t('admin.tokens.createdToast'));
      label.value = '';
      created(answer, answer.agent_id || body.agent_id);
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
 * The API tokens card. `agents` are the desk's agents (the form offers the
 * active ones); `initial` the tokens, or why they could not be read.
 * Returns { card, created(answer, who) } so an agent row can create a
 * token and show it here too.
 * @param {number} seq the page's render
 * @param {Api.AdminAgent[]} agents
 * @param {Api.Token[] | Error} initial
 * @returns {{card: HTMLElement, created: (answer: Api.NewToken, who?: Api.AdminAgent) => void}}
 */
export function tokensCard(seq, agents, initial) {
  const byId = new Map(agents.map((a) => [a.id, a]));
  /** @type {string | null} the token the box shows */
  let shownId = null;
  const createdBox = createdTokenBox();
  const list = el('div', { class: 'tokens-list', testid: 'tokens-list' });
  const listError = el('div', { hidden: true });

  /** @param {string} message */
  function showError(message) {
    clear(listError).appendChild(errorBox(message, 'tokens-error'));
    listError.hidden = false;
  }

  /** @param {Api.Token} token */
  function tokenRow(token) {
    const revoke = el('button', { type: 'button', class: 'btn btn-small', testid: 'token-revoke' }, t('admin.tokens.revoke'));
    revoke.addEventListener('click', async () => {
      const agent = token.agent_email || t('admin.tokens.unknownAgent');
      const message = token.label ? t('admin.tokens.revokeTextLabelled', { label: token.label, agent }) : t('admin.tokens.revokeText', { agent });
      const yes = await confirmDialog(t('admin.tokens.revokeTitle'), message, t('admin.tokens.revoke'));
      if (!yes) return;
      revoke.disabled = true;
      try {
        await api('DELETE', '/api/admin/tokens/' + encodeURIComponent(token.id));
        toast(token.label ? t('admin.tokens.revokedLabelled', { label: token.label }) : t('admin.tokens.revoked'));
        if (shownId === token.id) { createdBox.hide(); shownId = null; }
        reload();
      } catch (e) {
        if (e.status === 401) { app.start(); return; }
        toast(e.message, 'error');
        revoke.disabled = false;
      }
    });
    const expired = token.expires_at && Date.parse(token.expires_at) < Date.now();
    return el('tr', { testid: 'token-row', dataset: { id: token.id, agent: token.agent_email || '' } },
      el('td', { testid: 'token-label' }, token.label || el('span', { class: 'muted' }, t('admin.tokens.noLabel'))),
      el('td', { testid: 'token-agent-email' }, token.agent_email || el('span', { class: 'muted' }, t('admin.tokens.deletedAgent'))),
      el('td', { class: 'muted nowrap' }, formatDateTime(token.created_at)),
      el('td', { class: 'nowrap', testid: 'token-expires' }, expired ? pill(t('admin.tokens.expired'), 'error') : formatDateTime(token.expires_at)),
      el('td', { class: 'right' }, revoke));
  }

  /** @param {Api.Token[]} tokens */
  function paint(tokens) {
    listError.hidden = true;
    clear(list).appendChild(tokensTable(tokens, tokenRow));
  }

  async function reload() {
    try {
      const answer = await api('GET', '/api/admin/tokens');
      if (!app.live(seq)) return;
      paint(answer.tokens || []);
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      showError(e.message);
    }
  }

  /**
   * Shows a new token once, and lists it.
   * @param {Api.NewToken} answer
   * @param {Api.AdminAgent} [who] the agent it acts as
   */
  function created(answer, who) {
    createdBox.hide();
    shownId = answer.id || null;
    const name = who ? (who.name || who.email) : (answer.agent_email || t('admin.tokens.unknownAgent'));
    const until = answer.expires_at ? formatDateTime(answer.expires_at) : '';
    // A whole sentence each: with its label or not, with its expiry or not.
    const key = answer.label
      ? (until ? 'admin.tokens.newForLabelledUntil' : 'admin.tokens.newForLabelled')
      : (until ? 'admin.tokens.newForUntil' : 'admin.tokens.newFor');
    createdBox.show(t(key, { name, label: answer.label || '', until }), answer.token);
    reload();
  }

  const active = agents.filter((a) => a.active !== false);
  const card = el('section', { class: 'card tokens-card', testid: 'tokens-card', id: 'api-tokens' },
    el('h2', { class: 'card-title' }, t('admin.tokens.title')),
    el('p', { class: 'muted' }, t('admin.tokens.intro')),
    createdBox.box,
    listError,
    list,
    active.length ? tokenForm(active, (answer, agentId) => created(answer, byId.get(agentId))) : el('p', { class: 'muted' }, t('admin.tokens.noActiveAgent')));
  if (initial instanceof Error) showError(initial.message);
  else paint(initial || []);
  return { card, created };
}
