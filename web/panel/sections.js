// @ts-check
/* The sections of a CRM panel: the profile (contact or account), the
 * potentials, the notes and the activities, each drawn from what the
 * plugin answered for that section.
 */
import { el } from '../lib/dom.js';
import { formatAmount, formatDate, formatDateTime, initials } from '../lib/format.js';
import { externalLink } from '../lib/links.js';

/** @type {Record<string, (info: Api.PanelInfo) => string>} titles in the CRM's words */
export const SECTION_TITLES = {
  profile: (info) => (info.show === 'accounts' ? 'Account' : 'Contact'),
  potentials: (info) => info.potentials_label || 'Potentials',
  notes: () => 'Notes',
  activities: () => 'Activities',
};

/**
 * "View in Salesforce": the link text naming the CRM.
 * @param {Api.PanelInfo} info
 * @returns {string}
 */
function viewIn(info) {
  return 'View in ' + (info.name || 'CRM');
}

/** @type {[string, string][]} the activity kinds, in the order they are grouped */
const ACTIVITY_GROUPS = [
  ['call', 'Calls'],
  ['event', 'Events'],
  ['task', 'Tasks'],
  ['chat', 'Chats'],
];

/**
 * "secondaryEmail" / "secondary_email" -> "secondary email".
 * @param {string | undefined} key
 * @returns {string}
 */
function humanMatchKey(key) {
  if (!key) return '';
  return String(key).replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ').toLowerCase();
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
  if (!p) return emptyState('No matching record in the CRM');
  const moduleName = p.module ? String(p.module).replace(/s$/, '') : '';
  const head = el('div', { class: 'profile-head' },
    el('span', { class: 'avatar avatar-lg', 'aria-hidden': 'true' }, initials(p.display_name)),
    el('div', { class: 'profile-id' },
      el('div', { class: 'profile-name', testid: 'profile-name' }, p.display_name || '(no name)'),
      el('div', { class: 'profile-meta muted' },
        moduleName && !/^(contact|account)$/i.test(moduleName) ? el('span', { class: 'tag', testid: 'profile-module' }, moduleName) : null,
        p.match_key ? el('span', { testid: 'profile-match' }, 'Matched by ' + humanMatchKey(p.match_key)) : null)));
  const list = el('dl', { class: 'kv-list' },
    detailRow('Email', p.email, 'profile-email'),
    detailRow('Secondary email', p.secondary_email, 'profile-secondary-email'),
    detailRow('Phone', p.phone, 'profile-phone'),
    detailRow('Account', p.account, 'profile-account'),
    detailRow('Owner', p.owner, 'profile-owner'),
    (p.fields || []).map((f) => detailRow(f.label || f.name, f.value, 'profile-field')));
  return el('div', { class: 'profile' }, head, list, externalLink(p.link, viewIn(info), 'profile-link'));
}

/**
 * @param {Api.SectionData} data
 * @param {Api.PanelInfo} info
 * @returns {HTMLElement}
 */
function renderPotentials(data, info) {
  const items = data.potentials || [];
  if (!items.length) return emptyState('No ' + (info.potentials_label || 'potentials').toLowerCase());
  return el('ul', { class: 'item-list' }, items.map((pot) => el('li', { class: 'item potential', testid: 'potential' },
    el('div', { class: 'item-head' },
      el('span', { class: 'item-title', testid: 'potential-name' }, pot.name || '(untitled potential)'),
      pot.stage ? el('span', { class: 'badge stage', testid: 'potential-stage' }, pot.stage) : null),
    el('div', { class: 'item-facts' },
      formatAmount(pot.amount, pot.currency) ? el('span', { class: 'amount', testid: 'potential-amount' }, formatAmount(pot.amount, pot.currency)) : null,
      pot.closing_date ? el('span', { testid: 'potential-closing' }, 'Closes ' + formatDate(pot.closing_date)) : null,
      pot.owner ? el('span', { testid: 'potential-owner' }, pot.owner) : null),
    externalLink(pot.link, viewIn(info), 'potential-link'))));
}

/**
 * @param {Api.SectionData} data
 * @param {Api.PanelInfo} info
 * @returns {HTMLElement}
 */
function renderNotes(data, info) {
  const items = data.notes || [];
  if (!items.length) return emptyState('No notes');
  return el('ul', { class: 'item-list' }, items.map((note) => el('li', { class: 'item note', testid: 'note' },
    note.title ? el('div', { class: 'item-title', testid: 'note-title' }, note.title) : null,
    el('div', { class: 'note-content', testid: 'note-content' }, note.content || ''),
    el('div', { class: 'item-facts muted' },
      note.author ? el('span', { testid: 'note-author' }, note.author) : null,
      note.created_time ? el('time', { datetime: note.created_time, testid: 'note-time' }, formatDateTime(note.created_time)) : null,
      externalLink(note.link, viewIn(info), 'note-link')))));
}

/**
 * @param {Api.Activity} a
 * @param {Api.PanelInfo} info
 * @returns {HTMLLIElement}
 */
function renderActivity(a, info) {
  const when = [formatDateTime(a.start_time), a.end_time ? formatDateTime(a.end_time) : ''].filter(Boolean).join(' – ');
  return el('li', { class: 'item activity activity-' + (a.kind || 'other'), testid: 'activity', dataset: { kind: a.kind || '' } },
    el('div', { class: 'item-head' },
      el('span', { class: 'item-title', testid: 'activity-subject' }, a.subject || '(no subject)'),
      a.status ? el('span', { class: 'badge', testid: 'activity-status' }, a.status) : null),
    el('div', { class: 'item-facts muted' },
      when ? el('span', { testid: 'activity-time' }, when) : null,
      a.owner ? el('span', { testid: 'activity-owner' }, a.owner) : null,
      externalLink(a.link, viewIn(info), 'activity-link')),
    a.description ? el('div', { class: 'note-content', testid: 'activity-description' }, a.description) : null);
}

/**
 * The activities grouped by kind (calls, events, tasks, chats, other).
 * @param {Api.SectionData} data
 * @param {Api.PanelInfo} info
 * @returns {HTMLElement}
 */
function renderActivities(data, info) {
  const items = data.activities || [];
  if (!items.length) return emptyState('No activities');
  /** @type {[string, string, Api.Activity[]][]} */
  const groups = [];
  const known = ACTIVITY_GROUPS.map(([kind]) => kind);
  for (const [kind, title] of ACTIVITY_GROUPS) {
    const of = items.filter((a) => a.kind === kind);
    if (of.length) groups.push([kind, title, of]);
  }
  const other = items.filter((a) => !known.includes(a.kind || ''));
  if (other.length) groups.push(['other', 'Other', other]);
  return el('div', { class: 'activity-groups' }, groups.map(([kind, title, of]) => el('div', { class: 'activity-group', testid: 'activity-group-' + kind },
    el('h4', { class: 'group-title' }, title, el('span', { class: 'count' }, String(of.length))),
    el('ul', { class: 'item-list' }, of.map((a) => renderActivity(a, info))))));
}

/** @type {Record<string, (data: Api.SectionData, info: Api.PanelInfo) => HTMLElement>} */
export const RENDERERS = { profile: renderProfile, potentials: renderPotentials, notes: renderNotes, activities: renderActivities };
