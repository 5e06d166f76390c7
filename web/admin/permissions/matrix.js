// @ts-check
/* A plugin's permission matrix: per profile, whether the panel is visible,
 * whether it shows the contact or the account, and which parts it may read
 * (Full / Restricted). Every change is saved at once, in order.
 */
import { api } from '../../lib/api.js';
import { append, el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { profileName } from '../../lib/shell.js';
import { toast } from '../../lib/ui.js';
import { pluginPath } from '../app.js';

/** @type {[string, string, string][]} permission key, activity kind, the catalog key of its label */
const ACTIVITY_KINDS = [
  ['calls', 'call', 'section.calls'],
  ['events', 'event', 'section.events'],
  ['tasks', 'task', 'section.tasks'],
];

/** @type {Record<string, string>} the CRMs' words for potentials -> catalog keys */
const POTENTIALS_KEYS = { potentials: 'section.potentials', opportunities: 'section.opportunities', deals: 'section.deals' };

/**
 * The plugin's permission items, in its CRM's words: potentials under the
 * CRM's name, and only the activity kinds the CRM has.
 * @param {Api.Plugin} plugin
 * @returns {{access: [string, string][], activities: [string, string][]}}
 */
function columnsOf(plugin) {
  const offered = plugin.panel ? plugin.panel.activities : ['call', 'event', 'task'];
  const potentials = plugin.panel ? plugin.panel.potentials : 'Potentials';
  const potentialsKey = POTENTIALS_KEYS[String(potentials).toLowerCase()];
  return {
    access: [['info', t('admin.permissions.info')], ['potentials', potentialsKey ? t(potentialsKey) : potentials], ['notes', t('section.notes')]],
    activities: ACTIVITY_KINDS.filter(([, kind]) => offered.includes(kind)).map(([key, , label]) => [key, t(label)]),
  };
}
const PROFILE_ORDER = ['Administrator', 'Agent', 'Light Agent'];

/** @type {Api.Permissions} */
const DEFAULTS = { visible: true, show: 'contacts', info: 'full', potentials: 'full', notes: 'full', calls: 'full', events: 'full', tasks: 'full' };

/**
 * A Full / Restricted button's look.
 * @param {HTMLButtonElement} b
 * @param {string} access 'full' or 'restricted'
 */
function paintAccess(b, access) {
  const full = access === 'full';
  b.textContent = t(full ? 'admin.permissions.full' : 'admin.permissions.restricted');
  b.title = t(full ? 'admin.permissions.fullTitle' : 'admin.permissions.restrictedTitle');
  b.className = 'access ' + (full ? 'access-full' : 'access-restricted');
  b.dataset.access = access;
  // The name begins with the visible text (WCAG 2.5.3), then says what it is for.
  b.setAttribute('aria-label', t('admin.permissions.accessLabel', { access: b.textContent, part: b.dataset.part || '', profile: b.dataset.who || '' }));
  b.setAttribute('aria-pressed', String(full));
}

/**
 * Contacts | Accounts: what the panel shows to this profile.
 * @param {string} profile
 * @param {() => string} current the chosen value
 * @param {(value: string) => void} choose
 * @returns {{node: HTMLDivElement, paint: () => void}}
 */
function showControl(profile, current, choose) {
  /** @type {[string, HTMLButtonElement][]} */
  const buttons = ['contacts', 'accounts'].map((value) => {
    const b = el('button', { type: 'button', class: 'seg', testid: 'perm-show-' + value }, t(value === 'contacts' ? 'admin.permissions.contacts' : 'admin.permissions.accounts'));
    b.addEventListener('click', () => { if (current() !== value) choose(value); });
    return [value, b];
  });
  const node = el('div', { class: 'segmented', role: 'group', testid: 'perm-show', 'aria-label': t('admin.permissions.showLabel', { profile: profileName(profile) }) }, buttons.map(([, b]) => b));
  function paint() {
    for (const [value, b] of buttons) {
      b.classList.toggle('on', current() === value);
      b.setAttribute('aria-pressed', String(current() === value));
    }
  }
  return { node, paint };
}

/**
 * One profile's row.
 * @param {Api.Plugin} plugin
 * @param {string} profile
 * @param {Partial<Api.Permissions>} initial
 * @returns {HTMLTableRowElement}
 */
function permissionRow(plugin, profile, initial) {
  const columns = columnsOf(plugin);
  /** @type {Api.Permissions} */
  const perms = Object.assign({}, DEFAULTS, initial);
  const status = el('span', { class: 'perm-status muted small', testid: 'perm-status', 'aria-live': 'polite' });
  const row = el('tr', { class: 'perm-row', testid: 'perm-row', dataset: { profile } });
  let chain = Promise.resolve();

  /**
   * @param {string} text
   * @param {string} kind muted, ok or err
   */
  function setStatus(text, kind) {
    status.textContent = text;
    status.className = 'perm-status ' + kind + ' small';
  }

  /** Saves the row as it is now; on refusal puts back `before`. @param {Api.Permissions} before */
  function save(before) {
    setStatus(t('admin.saving'), 'muted');
    const body = Object.assign({}, perms);
    chain = chain.then(async () => {
      try {
        const saved = await api('PUT', pluginPath(plugin.id) + '/permissions/' + encodeURIComponent(profile), body);
        if (saved && typeof saved === 'object') Object.assign(perms, saved);
        setStatus(t('admin.permissions.saved'), 'ok');
      } catch (e) {
        Object.assign(perms, before);
        setStatus(e.message, 'err');
        toast(e.message, 'error');
      }
      paint();
    });
  }

  /**
   * @param {string} key
   * @param {unknown} value
   */
  function change(key, value) {
    const before = Object.assign({}, perms);
    /** @type {Record<string, unknown>} */ (perms)[key] = value;
    paint();
    save(before);
  }

  const visible = el('input', { type: 'checkbox', testid: 'perm-visible', 'aria-label': t('admin.permissions.visibleTo', { profile: profileName(profile) }) });
  visible.addEventListener('change', () => change('visible', visible.checked));

  const show = showControl(profile, () => perms.show, (value) => change('show', value));

  /** @type {Record<string, HTMLButtonElement>} */
  const accessButtons = {};
  /**
   * @param {string} key
   * @param {string} label
   */
  function accessButton(key, label) {
    const b = el('button', { type: 'button', class: 'access', testid: 'perm-' + key, dataset: { part: label, who: profileName(profile) } });
    b.addEventListener('click', () => change(key, perms[key] === 'full' ? 'restricted' : 'full'));
    accessButtons[key] = b;
    return b;
  }

  function paint() {
    visible.checked = !!perms.visible;
    row.classList.toggle('hidden-profile', !perms.visible);
    show.paint();
    for (const [key, b] of Object.entries(accessButtons)) paintAccess(b, String(perms[key]));
    row.dataset.visible = String(!!perms.visible);
  }

  append(row,
    el('th', { scope: 'row', class: 'perm-profile' }, el('div', {}, profileName(profile)), status),
    el('td', { class: 'center' }, visible),
    el('td', {}, show.node),
    columns.access.map(([key, label]) => el('td', {}, accessButton(key, label))),
    columns.activities.map(([key, label]) => el('td', { class: 'activity-col' }, accessButton(key, label))));
  paint();
  return row;
}

/**
 * The profiles in the desk's order (Administrator, Agent, Light Agent, then by name).
 * @param {string[]} names
 * @returns {string[]}
 */
function sortProfiles(names) {
  return names.sort((a, b) => {
    const ia = PROFILE_ORDER.indexOf(a); const ib = PROFILE_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
}

/**
 * The matrix of one plugin.
 * @param {Api.Plugin} plugin
 * @param {Record<string, Partial<Api.Permissions>>} permissions by profile
 * @returns {HTMLElement}
 */
export function permissionTable(plugin, permissions) {
  const profiles = sortProfiles(Object.keys(permissions));
  if (!profiles.length) return el('p', { class: 'muted' }, t('admin.permissions.noProfiles'));
  const columns = columnsOf(plugin);
  return el('div', { class: 'table-scroll' }, el('table', { class: 'table perm-table', testid: 'permissions-' + plugin.id, dataset: { plugin: plugin.id } },
    el('thead', {},
      el('tr', {},
        el('th', { scope: 'col', rowspan: '2' }, t('admin.agents.profile')),
        el('th', { scope: 'col', rowspan: '2', class: 'center' }, t('admin.permissions.visible')),
        el('th', { scope: 'col', rowspan: '2' }, t('admin.permissions.show')),
        columns.access.map(([key, label]) => el('th', { scope: 'col', rowspan: '2', title: key === 'info' ? t('admin.permissions.infoTitle') : label }, label)),
        el('th', { scope: 'colgroup', colspan: String(columns.activities.length), class: 'group-head' }, t('section.activities'))),
      el('tr', {}, columns.activities.map(([, label]) => el('th', { scope: 'col', class: 'sub-head activity-col' }, label)))),
    el('tbody', {}, profiles.map((profile) => permissionRow(plugin, profile, permissions[profile])))));
}
