// @ts-check
/* The recording configuration of a contact centre, laid out as seed 004
 * lays it out: Enabled; the CRM to record into; Automatically (and then,
 * per section, For Sales or For Support, and what to do when a matching
 * contact is found) or Manually create in the agent console; the
 * identification rules; Save.
 */
import { api, formError } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
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

/** @type {Record<'web_chat' | 'inbox', [string, string, string, string]>} a section's choices: the catalog keys of Sales' title and help, then Support's */
const SECTION_CHOICES = {
  web_chat: ['admin.recording.salesChats', 'admin.recording.salesChatsHelp', 'admin.recording.supportChats', 'admin.recording.supportChatsHelp'],
  inbox: ['admin.recording.salesConversations', 'admin.recording.salesConversationsHelp', 'admin.recording.supportConversations', 'admin.recording.supportConversationsHelp'],
};

/**
 * A section of the automatic configuration (Web Chat or Inbox): For Sales or For Support.
 * @param {'web_chat' | 'inbox'} key
 * @param {string} title
 * @param {string} value
 * @param {() => void} changed
 * @returns {Radios}
 */
function sectionRadios(key, title, value, changed) {
  const [sales, salesHelp, support, supportHelp] = SECTION_CHOICES[key];
  return radios(key.replace('_', '-'), title, [
    ['sales', t(sales), t(salesHelp)],
    ['support', t(support), t(supportHelp)],
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
    el('option', { value: '', selected: chosen === '' }, first ? t('admin.recording.firstCrmNow', { crm: names[first] || first }) : t('admin.recording.firstCrm')),
    view.crms.map((id) => el('option', { value: id, selected: chosen === id }, names[id] || id)),
    chosen && !view.crms.includes(chosen) ? el('option', { value: chosen, selected: true }, t('admin.recording.notEnabled', { crm: names[chosen] || chosen })) : null);
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
  const saved = el('span', { class: 'saved-note', testid: 'recording-saved', role: 'status', hidden: !takeFlash('recording-saved') }, t('admin.saved'));
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'recording-error' });
  const changed = () => { saved.hidden = true; error.hidden = true; };

  const enabled = switchInput(s.enabled, 'recording-enabled', t(s.enabled ? 'admin.enabled' : 'admin.disabled'), (on, input) => {
    setSwitchLabel(input, t(on ? 'admin.enabled' : 'admin.disabled'));
    changed();
  });
  const enabledInput = /** @type {HTMLInputElement} */ (enabled.querySelector('input'));
  const crm = crmSelect(view, names, changed);
  const auto = el('div', { class: 'recording-auto', testid: 'recording-auto' });
  const mode = radios('mode', t('admin.recording.mode'), [
    ['automatically', t('admin.recording.modeAuto'), t('admin.recording.modeAutoHelp', { centre })],
    ['manually', t('admin.recording.modeManual'), t('admin.recording.modeManualHelp')],
  ], s.mode, () => { paintMode(); changed(); });
  const webChat = sectionRadios('web_chat', t('recording.webChat'), s.web_chat, changed);
  const inbox = sectionRadios('inbox', t('recording.inbox'), s.inbox, changed);
  const update = radios('update', t('admin.recording.update'), [
    ['do-not-update', t('admin.recording.updateNever'), null],
    ['overwrite', t('admin.recording.updateOverwrite'), null],
    ['add-new-only', t('admin.recording.updateAddNew'), null],
  ], s.update, changed);
  const rules = identificationEditor(s.identification, () => { changed(); paintRulesSummary(); });
  const rulesSummaryLine = el('span', { class: 'muted small', testid: 'rules-summary' });
  const rulesToggle = el('button', { type: 'button', class: 'btn btn-small', testid: 'rules-customize', 'aria-expanded': 'false', 'aria-controls': 'recording-rules' }, t('admin.recording.customize'));
  const rulesBox = el('div', { id: 'recording-rules', class: 'rules-box', hidden: true }, rules.node);
  rulesToggle.addEventListener('click', () => {
    const open = rulesBox.hidden;
    rulesBox.hidden = !open;
    rulesToggle.setAttribute('aria-expanded', String(open));
    rulesToggle.textContent = t(open ? 'admin.recording.hideRules' : 'admin.recording.customize');
  });
  function paintRulesSummary() {
    const v = rules.value();
    rulesSummaryLine.textContent = t('admin.rules.summary', { account: rulesSummary(v.account), contact: rulesSummary(v.contact), lead: rulesSummary(v.lead) });
  }
  function paintMode() {
    auto.hidden = mode.value() !== 'automatically';
  }
  auto.append(
    el('h3', { class: 'subhead recording-subhead' }, t('admin.recording.sections')),
    el('p', { class: 'muted small' }, t('admin.recording.sectionsHelp', { centre })),
    el('div', { class: 'recording-sections' }, webChat.fieldset, inbox.fieldset),
    update.fieldset);
  paintMode();
  paintRulesSummary();

  const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'recording-save' }, t('admin.save'));
  const form = el('form', { class: 'card recording-form', testid: 'recording-form', 'aria-labelledby': 'recording-form-title' },
    el('div', { class: 'card-head' },
      el('h2', { class: 'card-title', id: 'recording-form-title' }, t('admin.config.title')),
      enabled),
    el('p', { class: 'muted' }, t('admin.recording.formIntro', { centre })),
    el('div', { class: 'field recording-crm-field' },
      el('label', { for: 'recording-crm' }, t('admin.recording.recordInto')),
      crm,
      el('div', { class: 'help' }, t(view.crms.length ? 'admin.recording.recordIntoHelp' : 'admin.recording.noCrm'))),
    mode.fieldset,
    auto,
    el('h3', { class: 'subhead recording-subhead' }, t('admin.recording.rules')),
    el('div', { class: 'rules-head' },
      el('div', {},
        el('p', { class: 'muted small rules-intro' }, t('admin.recording.rulesIntro')),
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
    submit.textContent = t('admin.saving');
    try {
      /** @type {Api.RecordingView} */
      const answer = await api('PUT', recordingPath(plugin.id), body);
      toast(t('admin.recording.saved', { centre }));
      setFlash('recording-saved');
      onSaved(answer);
    } catch (e) {
      if (e.status === 401) { app.start(); return; }
      error.textContent = formError(e);
      error.hidden = false;
      submit.disabled = false;
      submit.textContent = t('admin.save');
    }
  });
  return form;
}
