// @ts-check
/* Which CRM list views of a module sync: a checklist of the CRM's views
 * (ctx.listViews[module], from .../sync/list-views/{module}), ticked when
 * saved; saved ids the CRM no longer lists stay as ticked items labelled by
 * their id. Nothing ticked = all records. The page draws it from the saved
 * settings at once and again when the CRM's answer comes: while it is
 * loading, or when the CRM cannot say, the saved selection stays a
 * checklist, named as the CRM last listed the views (or by id when the desk
 * never heard), and the page's one message says why.
 */
import { clear, el } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';

/**
 * Each module's sentences about its list views (catalog keys): which
 * records sync, no list views in the CRM, none chosen.
 * @type {Record<string, [string, string, string]>}
 */
const TEXTS = {
  contacts: ['admin.listViews.helpContacts', 'admin.listViews.noViewsContacts', 'admin.listViews.noneChosenContacts'],
  accounts: ['admin.listViews.helpAccounts', 'admin.listViews.noViewsAccounts', 'admin.listViews.noneChosenAccounts'],
  products: ['admin.listViews.helpProducts', 'admin.listViews.noViewsProducts', 'admin.listViews.noneChosenProducts'],
};
/** For a module the page does not know. */
const OTHER = ['admin.listViews.helpRecords', 'admin.listViews.noViewsRecords', 'admin.listViews.noneChosenRecords'];

/**
 * @typedef {object} ListViewPicker
 * @property {HTMLElement} field
 * @property {() => string[]} value the ids that sync (none = all records)
 * @property {() => void} paint draws the checklist anew from ctx.listViews[module], keeping what is ticked
 */

/**
 * @param {SyncUI.Context} ctx
 * @param {string} module
 * @param {string[]} saved the saved list view ids
 * @param {() => void} onChange
 * @returns {ListViewPicker}
 */
export function listViewPicker(ctx, module, saved, onChange) {
  const [helpKey, noViewsKey, noneChosenKey] = TEXTS[module] || OTHER;
  const crmName = ctx.crmName;
  const inputId = 'sync-' + module + '-list-views';
  const body = el('div', { class: 'checklist-body' });
  const note = el('div', { class: 'help', testid: 'sync-list-views-note-' + module, role: 'status', hidden: true });
  const field = el('fieldset', { class: 'field checklist-field', testid: 'sync-list-view-checklist-' + module },
    el('legend', {}, t('admin.listViews.legend')),
    body,
    note,
    el('div', { class: 'help' }, t(helpKey, { crm: crmName })));

  /** What is ticked, kept across repaints. */
  let ticked = saved.slice();
  /** @type {HTMLInputElement[]} */
  let boxes = [];
  const value = () => boxes.filter((b) => b.checked).map((b) => b.value);

  /**
   * @param {string} viewId
   * @param {string} text
   * @param {'' | 'missing' | 'unnamed'} mark missing: the CRM no longer lists it; unnamed: its name is not known
   */
  function item(viewId, text, mark) {
    const boxId = inputId + '-' + boxes.length;
    const box = el('input', { type: 'checkbox', id: boxId, value: viewId, checked: ticked.includes(viewId), testid: 'sync-list-view-' + module + '-' + viewId });
    box.addEventListener('change', () => { ticked = value(); onChange(); });
    boxes.push(box);
    const title = mark === 'missing' ? t('admin.listViews.missingTitle', { crm: crmName })
      : mark === 'unnamed' ? t('admin.listViews.unnamedTitle', { id: viewId, crm: crmName }) : t('admin.listViews.idTitle', { id: viewId });
    return el('li', { class: 'checklist-item' + (mark === 'missing' ? ' checklist-missing' : ''), dataset: { id: viewId } },
      box,
      el('label', { for: boxId, title },
        el('span', { class: mark ? 'mono' : '' }, text),
        mark === 'missing' ? el('span', { class: 'muted small' }, ' \u00b7 ' + t('admin.listViews.notIn', { crm: crmName })) : null));
  }

  function paint() {
    const answer = ctx.listViews[module];
    const known = answer && !(answer instanceof Error) ? (answer.list_views || []) : null;
    const stale = !!(answer && !(answer instanceof Error) && answer.stale_since);
    boxes = [];
    /** @type {HTMLLIElement[]} */
    let items;
    if (known) {
      const listed = new Set(known.map((v) => String(v.id)));
      items = known.map((v) => item(String(v.id), String(v.name || v.id), ''))
        .concat(ticked.filter((viewId) => !listed.has(viewId)).map((viewId) => item(viewId, viewId, stale ? 'unnamed' : 'missing')));
    } else {
      items = ticked.map((viewId) => item(viewId, viewId, 'unnamed'));
    }
    const empty = known ? t(noViewsKey, { crm: crmName }) : t(noneChosenKey);
    clear(body).appendChild(items.length
      ? el('ul', { class: 'checklist' }, items)
      : el('p', { class: 'muted small checklist-empty' }, empty));

    let text = '';
    if (answer === undefined) text = t('admin.listViews.loading', { crm: crmName });
    else if (stale && answer && !(answer instanceof Error)) text = t('admin.listViews.stale', { crm: crmName, time: formatDateTime(answer.stale_since) });
    else if (answer instanceof Error && ticked.length) text = t('admin.listViews.byId', { crm: crmName });
    note.textContent = text;
    note.hidden = !text;
    field.setAttribute('aria-busy', String(answer === undefined));
  }

  paint();
  return { field, value, paint };
}
