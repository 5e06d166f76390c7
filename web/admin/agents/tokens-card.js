// @ts-check
/* The API tokens card: the tokens (label, agent, created, expires) with
 * Revoke, the form that creates one, and the box that shows a new token
 * once.
 */
import { api, formError } from '../../lib/api.js';
import { clear, el, errorBox } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { confirmDialog, pill, toast } from '../../lib/ui.js';
import { app } from '../app.js';

/**
 * The box that shows a new token once, with Copy.
 * @returns {{box: HTMLDivElement, show: (title: string, token: string) => void, hide: () => void}}
 */
function createdTokenBox() {
  // The token's element exists only while a new token is shown.
  /** @type {HTMLElement | null} */
  let value = null;
  const copy = el('button', { type: 'button', class: 'btn btn-small', testid: 'token-copy' }, 'Copy');
  const title = el('strong', {});
  const valueRow = el('div', { class: 'token-row' }, copy);
  const box = el('div', { class: 'token-box', role: 'status', hidden: true, testid: 'token-created' },
    title,
    valueRow,
    el('p', { class: 'muted small' }, 'Copy it now: it is not shown again. Send it as ', el('code', {}, 'Authorization: Bearer <token>'),
      ', or embed a panel with ', el('code', {}, '/embed/panel?ticket=ID&plugin=ID#token=<token>'), '.'));
  copy.addEventListener('click', async () => {
    if (!value) return;
    const shown = value;
    try {
      await navigator.clipboard.writeText(shown.textContent || '');
      toast('Token copied.');
    } catch (e) {
      const range = document.createRange();
      range.selectNodeContents(shown);
      const selection = window.getSelection();
      if (selection) {
        selection.removeAllRanges();
        selection.addRange(range);
      }
      toast('Press Ctrl+C (\u2318C) to copy the selected token.');
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
      el('thead', {}, el('tr', {}, ['Label', 'Agent', 'Created', 'Expires', ''].map((h) => el('th', { scope: 'col' }, h || el('span', { class: 'sr-only' }, 'Actions'))))),
      el('tbody', {}, sorted.map(row))))
    : el('p', { class: 'empty tokens-empty', testid: 'tokens-empty' }, 'No API tokens.');
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
  const label = el('input', { id: 'token-label', type: 'text', maxlength: '80', autocomplete: 'off', testid: 'token-label-input', placeholder: 'e.g. Help desk embed' });
  const days = el('input', { id: 'token-days', type: 'number', min: '1', max: '365', step: '1', value: '90', required: true, testid: 'token-days' });
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'token-error' });
  const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'token-submit' }, 'Create token');
  const form = el('form', { class: 'subform token-form', testid: 'token-form' },
    el('h3', { class: 'subhead' }, 'New token'),
    el('div', { class: 'token-form-grid' },
      el('div', { class: 'field' }, el('label', { for: 'token-agent' }, 'Acts as'), agentSelect),
      el('div', { class: 'field' }, el('label', { for: 'token-label' }, 'Label (optional)'), label),
      el('div', { class: 'field' }, el('label', { for: 'token-days' }, 'Expires in (days)'), days),
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
      toast('API token created. Copy it now: it is not shown again.');
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

  /** @param {Api.Token} t */
  function tokenRow(t) {
    const revoke = el('button', { type: 'button', class: 'btn btn-small', testid: 'token-revoke' }, 'Revoke');
    revoke.addEventListener('click', async () => {
      const what = (t.label ? '\u201c' + t.label + '\u201d' : 'This token') + ' (' + (t.agent_email || 'unknown agent') + ')';
      const yes = await confirmDialog('Revoke this API token?', what + ' stops working at once. Programs using it can no longer sign in with it. This cannot be undone.', 'Revoke');
      if (!yes) return;
      revoke.disabled = true;
      try {
        await api('DELETE', '/api/admin/tokens/' + encodeURIComponent(t.id));
        toast('The API token ' + (t.label ? '\u201c' + t.label + '\u201d ' : '') + 'is revoked.');
        if (shownId === t.id) { createdBox.hide(); shownId = null; }
        reload();
      } catch (e) {
        if (e.status === 401) { app.start(); return; }
        toast(e.message, 'error');
        revoke.disabled = false;
      }
    });
    const expired = t.expires_at && Date.parse(t.expires_at) < Date.now();
    return el('tr', { testid: 'token-row', dataset: { id: t.id, agent: t.agent_email || '' } },
      el('td', { testid: 'token-label' }, t.label || el('span', { class: 'muted' }, 'No label')),
      el('td', { testid: 'token-agent-email' }, t.agent_email || el('span', { class: 'muted' }, 'Deleted agent')),
      el('td', { class: 'muted nowrap' }, formatDateTime(t.created_at)),
      el('td', { class: 'nowrap', testid: 'token-expires' }, expired ? pill('Expired', 'error') : formatDateTime(t.expires_at)),
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
    const name = who ? (who.name || who.email) : (answer.agent_email || 'an agent');
    createdBox.show('New API token for ' + name + (answer.label ? ' (\u201c' + answer.label + '\u201d)' : '')
      + (answer.expires_at ? ', valid until ' + formatDateTime(answer.expires_at) : '') + ':', answer.token);
    reload();
  }

  const active = agents.filter((a) => a.active !== false);
  const card = el('section', { class: 'card tokens-card', testid: 'tokens-card', id: 'api-tokens' },
    el('h2', { class: 'card-title' }, 'API tokens'),
    el('p', { class: 'muted' }, 'A token lets a program or another help desk act as an agent, for example to embed a panel. It has that agent\u2019s profile, expires, and stops working when revoked or when the agent is deactivated.'),
    createdBox.box,
    listError,
    list,
    active.length ? tokenForm(active, (answer, agentId) => created(answer, byId.get(agentId))) : el('p', { class: 'muted' }, 'No active agent to create a token for.'));
  if (initial instanceof Error) showError(initial.message);
  else paint(initial || []);
  return { card, created };
}
