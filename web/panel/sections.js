// @ts-check
/* The sections of a CRM panel: the profile (contact or account), the
 * potentials, the notes and the activities, each drawn from what the
 * plugin answered for that section.
 */
import { el } from '../lib/dom.js';
import { formatAmount, formatDate, formatDateTime, htmlToText, initials, isDateOnly } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { externalLink } from '../lib/links.js';

/** @type {Record<string, [string, string]>} the CRMs' words for potentials -> catalog keys of the title and of "none" */
const POTENTIALS_KEYS = {
  potentials: ['section.potentials', 'section.noPotentials'],
  opportunities: ['section.opportunities', 'section.noOpportunities'],
  deals: ['section.deals', 'section.noDeals'],
};

/**
 * The potentials section's title in the CRM's word ("Opportunities" for
 * Salesforce), in the pages' language when it is a word the catalogs know.
 * @param {Api.PanelInfo} info
 * @returns {string}
 */
function potentialsTitle(info) {
  const label = info.potentials_label || 'Potentials';
  const keys = POTENTIALS_KEYS[label.toLowerCase()];
  return keys ? t(keys[0]) : label;
}

/** @type {Record<string, (info: Api.PanelInfo) => string>} titles in the CRM's words */
export const SECTION_TITLES = {
  profile: (info) => t(info.show === 'accounts' ? 'record.account' : 'record.contact'),
  potentials: potentialsTitle,
  notes: () => t('section.notes'),
  activities: () => t('section.activities'),
};

/**
 * "View in Salesforce": the link text naming the CRM.
 * @param {Api.PanelInfo} info
 * @returns {string}
 */
function viewIn(info) {
  return t('section.viewIn', { crm: info.name || 'CRM' });
}

/**
 * A "View in …" link's accessible name: its text, then the record it opens
 * ("View in Zoho CRM: Jose Alvarez"), so a panel's links differ for screen
 * readers while voice control still matches the visible text.
 * @param {Api.PanelInfo} info
 * @param {string} record
 * @returns {string}
 */
function viewNamed(info, record) {
  return t('section.viewInNamed', { crm: info.name || 'CRM', record });
}

/** @type {[string, string][]} the activity kinds, in the order they are grouped, and their titles' catalog keys */
const ACTIVITY_GROUPS = [
  ['call', 'section.calls'],
  ['event', 'section.events'],
  ['task', 'section.tasks'],
  ['chat', 'section.chats'],
];

/** @type {Record<string, string>} match keys the catalogs name */
const MATCH_KEYS = { 'email': 'field.email', 'secondary email': 'field.secondaryEmail', 'phone': 'field.phone', 'mobile': 'field.mobile' };

/**
 * "secondaryEmail" / "secondary_email" -> "secondary email".
 * @param {string | undefined} key
 * @returns {string}
 */
function humanMatchKey(key) {
  if (!key) return '';
  const words = String(key).replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ').toLowerCase();
  return MATCH_KEYS[words] ? t(MATCH_KEYS[words]).toLocaleLowerCase() : words;
}

/**
 * @param {string} label
 * @param {unknown} value
 * @param {string} testid
 * @returns {HTMLDivElement | null} a label/value row, or null when there is no value
 */
function detailRow(label, value, testid) {
  if (value === null || value === undefined || value === '') return null;
  return el('div', { class: 'kv' }, el('dt', {}, label), el('dd', { testid }, String(value)));
}

/**
 * The line a section shows when it has nothing.
 * @param {string} text
 * @returns {HTMLParagraphElement}
 */
export function emptyState(text) {
  return el('p', { class: 'empty', testid: 'section-empty' }, text);
}

/**
 * @param {Api.SectionData} data
 * @param {Api.PanelInfo} info
 * @returns {HTMLElement}
 */
function renderProfile(data, info) {
  const p = data.profile;
  if (!p) return emptyState(t('section.noMatch'));
  const moduleName = p.module ? String(p.module).replace(/s$/, '') : '';
  const head = el('div', { class: 'profile-head' },
    el('span', { class: 'avatar avatar-lg', 'aria-hidden': 'true' }, initials(p.display_name)),
    el('div', { class: 'profile-id' },
      el('div', { class: 'profile-name', testid: 'profile-name' }, p.display_name || t('common.noName')),
      el('div', { class: 'profile-meta muted' },
        moduleName && !/^(contact|account)$/i.test(moduleName) ? el('span', { class: 'tag', testid: 'profile-module' }, /^lead$/i.test(moduleName) ? t('record.lead') : moduleName) : null,
        p.match_key === 'linked' ? el('span', { testid: 'profile-match' }, t('section.linkedByAgent'))
          : p.match_key ? el('span', { testid: 'profile-match' }, t('section.matchedBy', { key: humanMatchKey(p.match_key) })) : null)));
  const list = el('dl', { class: 'kv-list' },
    detailRow(t('field.email'), p.email, 'profile-email'),
    detailRow(t('field.secondaryEmail'), p.secondary_email, 'profile-secondary-email'),
    detailRow(t('field.phone'), p.phone, 'profile-phone'),
    detailRow(t('field.account'), p.account, 'profile-account'),
    detailRow(t('field.owner'), p.owner, 'profile-owner'),
    (p.fields || []).map((f) => detailRow(f.label || f.name, f.value, 'profile-field')));
  return el('div', { class: 'profile' }, head, list, externalLink(p.link, viewIn(info), 'profile-link', viewNamed(info, p.display_name || t('common.noName'))));
}

/**
 * @param {Api.SectionData} data
 * @param {Api.PanelInfo} info
 * @returns {HTMLElement}
 */
function renderPotentials(data, info) {
  const items = data.potentials || [];
  if (!items.length) {
    const label = info.potentials_label || 'Potentials';
    const keys = POTENTIALS_KEYS[label.toLowerCase()];
    return emptyState(keys ? t(keys[1]) : t('section.noneIn', { label }));
  }
  // Open ones first; the closed (won or lost) folded away below them.
  const open = items.filter((pot) => !isClosed(pot));
  const closed = items.filter(isClosed);
  return el('div', { class: 'potentials' },
    open.length
      ? el('ul', { class: 'item-list', testid: 'potentials-open' }, open.map((pot) => renderPotential(pot, info)))
      : emptyState(t('section.noneOpen')),
    closed.length
      ? el('details', { class: 'closed-group', testid: 'potentials-closed' },
        el('summary', { class: 'group-title' }, t('section.closed'), el('span', { class: 'count' }, String(closed.length))),
        el('ul', { class: 'item-list' }, closed.map((pot) => renderPotential(pot, info))))
      : null);
}

/**
 * Whether a potential is closed: its stage says so ("Closed Won", "Closed
 * Lost", "Closed - Lost to Competition"), as Zoho CRM's and Salesforce's do.
 * @param {Api.Potential} pot
 * @returns {boolean}
 */
function isClosed(pot) {
  return /^\s*closed\b/i.test(pot.stage || '');
}

/**
 * One potential: name, stage, amount in its currency (else the CRM
 * organisation's), the day it closes, owner and link.
 * @param {Api.Potential} pot
 * @param {Api.PanelInfo} info
 * @returns {HTMLLIElement}
 */
function renderPotential(pot, info) {
  const amount = formatAmount(pot.amount, pot.currency || info.currency);
  return el('li', { class: 'item potential', testid: 'potential', dataset: { closed: String(isClosed(pot)) } },
    el('div', { class: 'item-head' },
      el('span', { class: 'item-title', testid: 'potential-name' }, pot.name || t('section.untitledPotential')),
      pot.stage ? el('span', { class: 'badge stage', testid: 'potential-stage' }, pot.stage) : null),
    el('div', { class: 'item-facts' },
      amount ? el('span', { class: 'amount', testid: 'potential-amount' }, amount) : null,
      pot.closing_date ? el('span', { testid: 'potential-closing' }, t('section.closes', { date: formatDate(pot.closing_date) })) : null,
      pot.owner ? el('span', { testid: 'potential-owner' }, pot.owner) : null),
    externalLink(pot.link, viewIn(info), 'potential-link', viewNamed(info, pot.name || t('section.untitledPotential'))));
}

/**
 * @param {Api.SectionData} data
 * @param {Api.PanelInfo} info
 * @returns {HTMLElement}
 */
function renderNotes(data, info) {
  const items = data.notes || [];
  if (!items.length) return emptyState(t('section.noNotes'));
  return el('ul', { class: 'item-list' }, items.map((note) => el('li', { class: 'item note', testid: 'note' },
    note.title ? el('div', { class: 'item-title', testid: 'note-title' }, note.title) : null,
    // Often HTML in the CRM: shown as its text, never as markup.
    el('div', { class: 'note-content', testid: 'note-content' }, htmlToText(note.content)),
    el('div', { class: 'item-facts muted' },
      note.author ? el('span', { testid: 'note-author' }, note.author) : null,
      note.created_time ? el('time', { datetime: note.created_time, testid: 'note-time' }, formatDateTime(note.created_time)) : null,
      externalLink(note.link, viewIn(info), 'note-link', viewNamed(info, note.title || (note.created_time ? t('section.noteOf', { time: formatDateTime(note.created_time) }) : t('section.note'))))))));
}

/**
 * @param {Api.Activity} a
 * @param {Api.PanelInfo} info
 * @returns {HTMLLIElement}
 */
function renderActivity(a, info) {
  // A task's day without a time is when it is due.
  const when = a.kind === 'task' && isDateOnly(a.start_time) && !a.end_time
    ? t('section.due', { date: formatDate(a.start_time) })
    : [formatDateTime(a.start_time), a.end_time ? formatDateTime(a.end_time) : ''].filter(Boolean).join(' – ');
  return el('li', { class: 'item activity activity-' + (a.kind || 'other'), testid: 'activity', dataset: { kind: a.kind || '' } },
    el('div', { class: 'item-head' },
      el('span', { class: 'item-title', testid: 'activity-subject' }, a.subject || t('common.noSubject')),
      a.status ? el('span', { class: 'badge', testid: 'activity-status' }, a.status) : null),
    el('div', { class: 'item-facts muted' },
      when ? el('span', { testid: 'activity-time' }, when) : null,
      a.owner ? el('span', { testid: 'activity-owner' }, a.owner) : null,
      externalLink(a.link, viewIn(info), 'activity-link', viewNamed(info, a.subject || t('common.noSubject')))),
    a.description ? el('div', { class: 'note-content', testid: 'activity-description' }, htmlToText(a.description)) : null);
}

/**
 * The activities grouped by kind (calls, events, tasks, chats, other).
 * @param {Api.SectionData} data
 * @param {Api.PanelInfo} info
 * @returns {HTMLElement}
 */
function renderActivities(data, info) {
  const items = data.activities || [];
  if (!items.length) return emptyState(t('section.noActivities'));
  /** @type {[string, string, Api.Activity[]][]} */
  const groups = [];
  const known = ACTIVITY_GROUPS.map(([kind]) => kind);
  for (const [kind, title] of ACTIVITY_GROUPS) {
    const of = items.filter((a) => a.kind === kind);
    if (of.length) groups.push([kind, t(title), of]);
  }
  const other = items.filter((a) => !known.includes(a.kind || ''));
  if (other.length) groups.push(['other', t('section.other'), other]);
  return el('div', { class: 'activity-groups' }, groups.map(([kind, title, of]) => el('div', { class: 'activity-group', testid: 'activity-group-' + kind },
    el('h4', { class: 'group-title' }, title, el('span', { class: 'count' }, String(of.length))),
    el('ul', { class: 'item-list' }, of.map((a) => renderActivity(a, info))))));
}

/** @type {Record<string, (data: Api.SectionData, info: Api.PanelInfo) => HTMLElement>} */
export const RENDERERS = { profile: renderProfile, potentials: renderPotentials, notes: renderNotes, activities: renderActivities };
