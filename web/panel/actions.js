// @ts-check
/* What an agent does to the CRM from a panel: for a requester the CRM does
 * not know, search it and link an existing record; on a found profile, add
 * a note, log a call or a task. Each goes through the plugin's actions on
 * the server, which checks the agent's profile first; the buttons shown
 * are the ones the panel's `actions` allow.
 */
import { api } from '../lib/api.js';
import { clear, el } from '../lib/dom.js';
import { t } from '../lib/i18n.js';

/**
 * The panel's address for one plugin.
 * @param {string} base from panelsBase
 * @param {Api.PanelInfo} info
 * @returns {string}
 */
function pluginUrl(base, info) {
  return base + '/panels/' + encodeURIComponent(info.plugin);
}

/** @type {number} ids for labels of the fields below */
let nextId = 0;

/**
 * A labelled input, select or textarea.
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} input
 * @returns {HTMLDivElement}
 */
function field(label, input) {
  input.id = 'panel-action-' + (++nextId);
  return el('div', { class: 'field' }, el('label', { for: input.id }, label), input);
}

/**
 * Search the CRM for an existing record and link the requester to it.
 * @param {string} base from panelsBase
 * @param {Api.PanelInfo} info
 * @param {() => void} reload loads the panel anew once linked
 * @returns {HTMLElement}
 */
export function searchAndLink(base, info, reload) {
  const crm = info.name || info.plugin;
  const query = el('input', { type: 'search', testid: 'crm-search-query', autocomplete: 'off', maxlength: '200' });
  const submit = el('button', { type: 'submit', class: 'btn btn-small' }, t('panel.searchButton'));
  const status = el('p', { class: 'small', role: 'status', 'aria-live': 'polite', testid: 'crm-search-status' });
  const results = el('ul', { class: 'item-list crm-search-results', testid: 'crm-search-results' });
  const form = el('form', { class: 'crm-search', testid: 'crm-search', role: 'search', 'aria-label': t('panel.searchCrm', { crm }) },
    field(t('panel.searchLabel'), query), el('div', { class: 'crm-search-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const q = query.value.trim();
    if (!q) { query.focus(); return; }
    submit.disabled = true;
    status.textContent = t('panel.searching');
    clear(results);
    try {
      /** @type {{records: Api.Candidate[]}} */
      const found = await api('GET', pluginUrl(base, info) + '/search?q=' + encodeURIComponent(q));
      const records = (found && found.records) || [];
      status.textContent = records.length ? t('panel.searchFound', { crm }) : t('panel.searchNone', { crm });
      for (const r of records) results.appendChild(candidate(base, info, r, status, reload));
    } catch (e) {
      status.textContent = e.message;
    } finally {
      submit.disabled = false;
    }
  });
  return el('div', { class: 'crm-link', testid: 'crm-link' },
    el('p', { class: 'small muted' }, t('panel.orSearch', { crm })), form, status, results);
}

/**
 * One search result with its Link button.
 * @param {string} base
 * @param {Api.PanelInfo} info
 * @param {Api.Candidate} r
 * @param {HTMLElement} status
 * @param {() => void} reload
 * @returns {HTMLLIElement}
 */
function candidate(base, info, r, status, reload) {
  const name = r.name || t('common.noName');
  const link = el('button', { type: 'button', class: 'btn btn-small', testid: 'crm-search-link', 'aria-label': t('panel.linkNamed', { record: name }) }, t('panel.link'));
  link.addEventListener('click', async () => {
    link.disabled = true;
    status.textContent = t('panel.linking');
    try {
      await api('PUT', pluginUrl(base, info) + '/link', { module: r.module, id: r.id });
      status.textContent = t('panel.linked', { record: name });
      reload();
    } catch (e) {
      status.textContent = e.message;
      link.disabled = false;
    }
  });
  return el('li', { class: 'item crm-search-result', testid: 'crm-search-result', dataset: { id: r.id, module: r.module } },
    el('div', { class: 'item-head' },
      el('span', { class: 'item-title', testid: 'crm-search-name' }, name),
      r.module === 'leads' ? el('span', { class: 'tag' }, t('record.lead')) : null),
    el('div', { class: 'item-facts muted' },
      r.email ? el('span', {}, r.email) : null,
      r.phone ? el('span', {}, r.phone) : null,
      r.organisation ? el('span', {}, r.organisation) : null),
    link);
}

/**
 * Unlinks a linked requester: the panel looks them up again.
 * @param {string} base
 * @param {Api.PanelInfo} info
 * @param {() => void} reload
 * @returns {HTMLButtonElement}
 */
export function unlinkButton(base, info, reload) {
  const button = el('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'crm-unlink', title: t('panel.unlinkTitle') }, t('panel.unlink'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api('DELETE', pluginUrl(base, info) + '/link');
      reload();
    } catch (e) {
      button.disabled = false;
      button.title = e.message;
    }
  });
  return button;
}

/**
 * The form of one action: its fields, and the body it posts.
 * @typedef {object} ActionForm
 * @property {HTMLElement[]} fields
 * @property {() => Record<string, unknown>} body
 * @property {HTMLElement} first what gets focus when the form opens
 */

/** @returns {ActionForm} */
function noteForm() {
  const title = el('input', { type: 'text', testid: 'note-form-title', maxlength: '120' });
  const content = el('textarea', { testid: 'note-form-content', rows: '3', required: true });
  return {
    fields: [field(t('action.noteTitle'), title), field(t('action.noteContent'), content)],
    body: () => ({ title: title.value.trim() || null, content: content.value }),
    first: content,
  };
}

/** @returns {ActionForm} */
function callForm() {
  const subject = el('input', { type: 'text', testid: 'call-form-subject', required: true, maxlength: '200' });
  const direction = el('select', { testid: 'call-form-direction' },
    el('option', { value: 'outbound' }, t('action.outbound')),
    el('option', { value: 'inbound' }, t('action.inbound')),
    el('option', { value: 'missed' }, t('action.missed')));
  const minutes = el('input', { type: 'number', testid: 'call-form-minutes', min: '0', max: '1440', step: '1' });
  const description = el('textarea', { testid: 'call-form-description', rows: '2' });
  return {
    fields: [field(t('action.subject'), subject), field(t('action.callDirection'), direction),
      field(t('action.callMinutes'), minutes), field(t('action.description'), description)],
    body: () => ({
      subject: subject.value,
      direction: direction.value,
      duration_seconds: minutes.value === '' ? null : Math.round(Number(minutes.value) * 60),
      description: description.value.trim() || null,
    }),
    first: subject,
  };
}

/** @returns {ActionForm} */
function taskForm() {
  const subject = el('input', { type: 'text', testid: 'task-form-subject', required: true, maxlength: '200' });
  const due = el('input', { type: 'date', testid: 'task-form-due' });
  const description = el('textarea', { testid: 'task-form-description', rows: '2' });
  return {
    fields: [field(t('action.subject'), subject), field(t('action.taskDue'), due), field(t('action.description'), description)],
    body: () => ({ subject: subject.value, due_date: due.value || null, description: description.value.trim() || null }),
    first: subject,
  };
}

/**
 * @type {[string, string, string, string, () => ActionForm][]} per action: its name in
 * `info.actions` and in the API's path, the button's catalog key, the done message's, and its form
 */
const ACTIONS = [
  ['note', 'note', 'action.addNote', 'action.noteAdded', noteForm],
  ['call', 'call', 'action.logCall', 'action.callLogged', callForm],
  ['task', 'task', 'action.logTask', 'action.taskLogged', taskForm],
];

/**
 * Add note, Log call, Log task on a found profile: each button opens its
 * small form below; saving posts it and loads the notes and activities anew.
 * @param {string} base from panelsBase
 * @param {Api.PanelInfo} info
 * @param {() => void} reload loads the sections anew once saved
 * @returns {HTMLElement | null} null when the agent may do none of them
 */
export function recordActions(base, info, reload) {
  const allowed = ACTIONS.filter(([name]) => (info.actions || []).includes(name));
  if (!allowed.length) return null;
  const crm = info.name || info.plugin;
  const holder = el('div', { class: 'record-action-form-holder' });
  const status = el('p', { class: 'small', role: 'status', 'aria-live': 'polite', testid: 'record-action-status' });
  /** @type {HTMLButtonElement[]} */
  const buttons = [];
  for (const [name, path, label, done, make] of allowed) {
    const button = el('button', { type: 'button', class: 'btn btn-small', testid: 'action-' + name, 'aria-expanded': 'false' }, t(label));
    button.addEventListener('click', () => {
      const open = button.getAttribute('aria-expanded') === 'true';
      for (const b of buttons) b.setAttribute('aria-expanded', 'false');
      clear(holder);
      status.textContent = '';
      if (open) return;
      button.setAttribute('aria-expanded', 'true');
      const form = make();
      const save = el('button', { type: 'submit', class: 'btn btn-small btn-primary', testid: 'record-action-save' }, t('action.save'));
      const cancel = el('button', { type: 'button', class: 'btn btn-ghost btn-small' }, t('common.cancel'));
      const close = () => { clear(holder); button.setAttribute('aria-expanded', 'false'); button.focus(); };
      cancel.addEventListener('click', close);
      const node = el('form', { class: 'record-action-form', testid: name + '-form', 'aria-label': t(label) },
        form.fields, el('div', { class: 'record-action-buttons' }, save, cancel));
      node.addEventListener('submit', async (event) => {
        event.preventDefault();
        save.disabled = true;
        status.textContent = t('action.saving');
        try {
          await api('POST', pluginUrl(base, info) + '/actions/' + path, form.body());
          close();
          status.textContent = t(done, { crm });
          reload();
        } catch (e) {
          status.textContent = e.message;
          save.disabled = false;
        }
      });
      holder.appendChild(node);
      form.first.focus();
    });
    buttons.push(button);
  }
  return el('div', { class: 'record-actions', testid: 'record-actions' },
    el('div', { class: 'record-action-buttons' }, buttons), holder, status);
}
