// @ts-check
/* The recording configuration of a contact centre, laid out as seed 004
 * lays it out: Enabled; the CRM to record into; Automatically (and then,
 * per section, For Sales or For Support, and what to do when a matching
 * contact is found) or Manually create in the agent console; the
 * identification rules; Save.
 */
import { api, formError } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { setSwitchLabel, switchInput, toast } from '../../lib/ui.js';
import { app } from '../app.js';
import { setFlash, takeFlash } from '../flash.js';
import { identificationEditor, rulesSummary } from './identification.js';
import { recordingPath } from './plugins.js';

/**
 * @typedef {object} Radios
 * @property {HTMLFieldSetElement} fieldset
 * @property {() => string} value the ticked choice
 * @property {HTMLInputElement[]} inputs
 */

/**
 * A group of radio buttons, each with a title and (optionally) a help line.
 * @param {string} name the inputs' name, and the prefix of their ids and testids
 * @param {string} legend
 * @param {[string, string, string | null][]} choices value, title, help
 * @param {string} value the saved choice
 * @param {() => void} changed
 * @returns {Radios}
 */
function radios(name, legend, choices, value, changed) {
  const inputs = choices.map(([v]) => {
    const input = el('input', { type: 'radio', name: 'recording-' + name, value: v, id: 'recording-' + name + '-' + v, checked: v === value, testid: 'recording-' + name + '-' + v });
    input.addEventListener('change', changed);
    return input;
  });
  const fieldset = el('fieldset', { class: 'radio-group', testid: 'recording-' + name },
    el('legend', {}, legend),
    choices.map(([v, title, help], i) => el('label', { class: 'radio', for: 'recording-' + name + '-' + v }, inputs[i],
      el('span', {}, el('span', { class: 'radio-title' }, title), help ? el('span', { class: 'radio-help' }, help) : null))));
  return { fieldset, inputs, value: () => (inputs.find((i) => i.checked) || { value }).value };
}

/**
 * A section of the automatic configuration (Web Chat or Inbox): For Sales or For Support.
 * @param {'web_chat' | 'inbox'} key
 * @param {string} title
 * @param {string} what "chats" or "conversations"
 * @param {string} value
 * @param {() => void} changed
 * @returns {Radios}
 */
function sectionRadios(key, title, what, value, changed) {
  return radios(key.replace('_', '-'), title, [
    ['sales', 'For Sales: record visitors as leads and ' + what + ' as tasks',
      'A visitor not found among the leads becomes a lead; each of their ' + what + ' becomes a task under the lead.'],
    ['support', 'For Support: record visitors as contacts and ' + what + ' as cases',
      'A visitor not found among the contacts becomes a contact; each of their ' + what + ' becomes a case under the contact.'],
  ], value, changed);
}

/**
 * The CRM select: "First connected CRM" or one of the enabled CRM plugins.
 * @param {Api.RecordingView} view
 * @param {Record<string, string>} names plugin id -> name
 * @param {() => void} changed
 * @returns {HTMLSelectElement}
 */
function crmSelect(view, names, changed) {
  const chosen = view.settings.crm || '';
  const first = view.crms[0];
  const select = el('select', { id: 'recording-crm', testid: 'recording-crm' },
    el('option', { value: '', selected: chosen === '' }, 'First connected CRM' + (first ? ' (now ' + (names[first] || first) + ')' : '')),
    view.crms.map((id) => el('option', { value: id, selected: chosen === id }, names[id] || id)),
    chosen && !view.crms.includes(chosen) ? el('option', { value: chosen, selected: true }, (names[chosen] || chosen) + ' (not enabled)') : null);
  select.addEventListener('change', changed);
  return select;
}

/**
 * The configuration form; saving renders the page anew through `onSaved`.
 * @param {Api.Plugin} plugin the contact centre
 * @param {Api.RecordingView} view
 * @param {Record<string, string>} names plugin id -> name
 * @param {(saved: Api.RecordingView) => void} onSaved
 * @returns {HTMLFormElement}
 */
export function settingsForm(plugin, view, names, onSaved) {
  const s = view.settings;
  const centre = plugin.name || plugin.id;
  const saved = el('span', { class: 'saved-note', testid: 'recording-saved', role: 'status', hidden: !takeFlash('recording-saved') }, '\u2713 Saved');
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'recording-error' });
  const changed = () => { saved.hidden = true; error.hidden = true; };

  const enabled = switchInput(s.enabled, 'recording-enabled', s.enabled ? 'Enabled' : 'Disabled', (on, input) => {
    setSwitchLabel(input, on ? 'Enabled' : 'Disabled');
    changed();
  });
  const enabledInput = /** @type {HTMLInputElement} */ (enabled.querySelector('input'));
  const crm = crmSelect(view, names, changed);
  const auto = el('div', { class: 'recording-auto', testid: 'recording-auto' });
  const mode = radios('mode', 'How records are created', [
    ['automatically', 'Automatically create Lead/Contact/Case/Task in Web Chat/Inbox',
      'As conversations happen, ' + centre + '\u2019s visitors and conversations are recorded as the sections below say.'],
    ['manually', 'Manually create Lead/Contact/Case/Task in the agent console',
      'Nothing is created on its own: agents click Create Lead, Create Contact, Create Case or Create Task on the ticket of a conversation.'],
  ], s.mode, () => { paintMode(); changed(); });
  const webChat = sectionRadios('web_chat', 'Web Chat', 'chats', s.web_chat, changed);
  const inbox = sectionRadios('inbox', 'Inbox', 'conversations', s.inbox, changed);
  const update = radios('update', 'When a matching contact is found', [
    ['do-not-update', 'Do not update the contact information', null],
    ['overwrite', 'Update the contact with information from Web Chat/Inbox', null],
    ['add-new-only', 'Only add new information (do not overwrite existing information)', null],
  ], s.update, changed);
  const rules = identificationEditor(s.identification, () => { changed(); paintRulesSummary(); });
  const rulesSummaryLine = el('span', { class: 'muted small', testid: 'rules-summary' });
  const rulesToggle = el('button', { type: 'button', class: 'btn btn-small', testid: 'rules-customize', 'aria-expanded': 'false', 'aria-controls': 'recording-rules' }, 'Customize Now');
  const rulesBox = el('div', { id: 'recording-rules', class: 'rules-box', hidden: true }, rules.node);
  rulesToggle.addEventListener('click', () => {
    const open = rulesBox.hidden;
    rulesBox.hidden = !open;
    rulesToggle.setAttribute('aria-expanded', String(open));
    rulesToggle.textContent = open ? 'Hide rules' : 'Customize Now';
  });
  function paintRulesSummary() {
    const v = rules.value();
    rulesSummaryLine.textContent = 'Account: ' + rulesSummary(v.account) + ' \u00b7 Contact: ' + rulesSummary(v.contact) + ' \u00b7 Lead: ' + rulesSummary(v.lead);
  }
  function paintMode() {
    auto.hidden = mode.value() !== 'automatically';
  }
  auto.append(
    el('h3', { class: 'subhead recording-subhead' }, 'Sections'),
    el('p', { class: 'muted small' }, 'What ' + centre + ' creates in the CRM for each kind of conversation.'),
    el('div', { class: 'recording-sections' }, webChat.fieldset, inbox.fieldset),
    update.fieldset);
  paintMode();
  paintRulesSummary();

  const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'recording-save' }, 'Save');
  const form = el('form', { class: 'card recording-form', testid: 'recording-form', 'aria-labelledby': 'recording-form-title' },
    el('div', { class: 'card-head' },
      el('h2', { class: 'card-title', id: 'recording-form-title' }, 'Configuration'),
      enabled),
    el('p', { class: 'muted' }, 'Record ' + centre + '\u2019s web chats and inbox conversations in the CRM: each becomes a desk ticket, and, as configured here, a lead or contact with a task or case. While disabled, conversations are neither recorded nor turned into tickets.'),
    el('div', { class: 'field recording-crm-field' },
      el('label', { for: 'recording-crm' }, 'Record into'),
      crm,
      el('div', { class: 'help' }, view.crms.length ? 'The CRM plugin the records go to.' : 'No CRM plugin is enabled: enable one under Integrations, or nothing can be recorded.')),
    mode.fieldset,
    auto,
    el('h3', { class: 'subhead recording-subhead' }, 'Identification rules'),
    el('div', { class: 'rules-head' },
      el('div', {},
        el('p', { class: 'muted small rules-intro' }, 'Which of the visitor\u2019s details find an existing account, contact or lead, tried in order until one finds it.'),
        rulesSummaryLine),
      rulesToggle),
    rulesBox,
    error,
    el('div', { class: 'form-actions' }, submit, saved));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    changed();
    /** @type {Api.RecordingSettings} */
    const body = {
      enabled: enabledInput.checked,
      mode: /** @type {Api.RecordingSettings['mode']} */ (mode.value()),
      web_chat: /** @type {Api.RecordingSettings['web_chat']} */ (webChat.value()),
      inbox: /** @type {Api.RecordingSettings['inbox']} */ (inbox.value()),
      update: /** @type {Api.RecordingSettings['update']} */ (update.value()),
      identification: rules.value(),
      crm: crm.value || null,
    };
    submit.disabled = true;
    submit.textContent = 'Saving\u2026';
    try {
      /** @type {Api.RecordingView} */
      const answer = await api('PUT', recordingPath(plugin.id), body);
      toast('Recording settings of ' + centre + ' saved.');
      setFlash('recording-saved');
      onSaved(answer);
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      error.textContent = formError(e);
      error.hidden = false;
      submit.disabled = false;
      submit.textContent = 'Save';
    }
  });
  return form;
}
