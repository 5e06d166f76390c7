// @ts-check
/* Which CRM list views of a module sync: a checklist of the CRM's views
 * (ctx.listViews[module], from .../sync/list-views/{module}), ticked when
 * saved; saved ids the CRM no longer lists stay as ticked items labelled by
 * their id. Nothing ticked = all records. When the views could not be read
 * (plugin disabled, CRM error) it falls back to a text field of ids with
 * the server's sentence beside it.
 */
import { el } from '../../lib/dom.js';
import { moduleLabel, splitList } from './constants.js';

/**
 * @typedef {object} ListViewPicker
 * @property {HTMLElement} field
 * @property {() => string[]} value the ids that sync (none = all records)
 */

/**
 * The text field of ids, when the CRM's list views could not be read.
 * @param {string} module
 * @param {string} crmName
 * @param {unknown} views what the CRM answered (an Error)
 * @param {string[]} saved
 * @param {() => void} onChange
 * @returns {ListViewPicker}
 */
function listViewIds(module, crmName, views, saved, onChange) {
  const label = moduleLabel(module).toLowerCase();
  const inputId = 'sync-' + module + '-list-views';
  const input = el('input', { id: inputId, type: 'text', autocomplete: 'off', testid: 'sync-list-views-' + module, placeholder: 'e.g. 4150868000000087501', value: saved.join(', ') });
  input.addEventListener('input', onChange);
  const reason = views instanceof Error ? views.message : 'No answer.';
  return {
    field: el('div', { class: 'field' }, el('label', { for: inputId }, 'CRM list view ids (empty = all records)'), input,
      el('div', { class: 'list-views-error', role: 'alert', testid: 'sync-list-views-error-' + module },
        'The ' + crmName + ' list views could not be read: ' + reason),
      el('div', { class: 'help' }, 'Only the ' + label + ' in these ' + crmName + ' list views sync. Separate ids with commas.')),
    value: () => splitList(input.value),
  };
}

/**
 * @param {SyncUI.Context} ctx
 * @param {string} module
 * @param {string[]} saved the saved list view ids
 * @param {() => void} onChange
 * @returns {ListViewPicker}
 */
export function listViewPicker(ctx, module, saved, onChange) {
  const label = moduleLabel(module).toLowerCase();
  const crmName = ctx.crmName;
  const views = ctx.listViews[module];
  const inputId = 'sync-' + module + '-list-views';
  if (!Array.isArray(views)) return listViewIds(module, crmName, views, saved, onChange);

  /** @type {HTMLInputElement[]} */
  const boxes = [];
  /**
   * @param {string} viewId
   * @param {string} text
   * @param {boolean} missing saved, but the CRM does not list it any more
   */
  function item(viewId, text, missing) {
    const boxId = inputId + '-' + boxes.length;
    const box = el('input', { type: 'checkbox', id: boxId, value: viewId, checked: saved.includes(viewId), testid: 'sync-list-view-' + module + '-' + viewId });
    box.addEventListener('change', onChange);
    boxes.push(box);
    return el('li', { class: 'checklist-item' + (missing ? ' checklist-missing' : ''), dataset: { id: viewId } },
      box,
      el('label', { for: boxId, title: missing ? 'Saved, but ' + crmName + ' does not list this view any more' : 'List view id ' + viewId },
        el('span', { class: missing ? 'mono' : '' }, text),
        missing ? el('span', { class: 'muted small' }, ' \u00b7 not in ' + crmName) : null));
  }
  const listed = new Set(views.map((v) => String(v.id)));
  const items = views.map((v) => item(String(v.id), String(v.name || v.id), false))
    .concat(saved.filter((viewId) => !listed.has(viewId)).map((viewId) => item(viewId, viewId, true)));
  return {
    field: el('fieldset', { class: 'field checklist-field', testid: 'sync-list-view-checklist-' + module },
      el('legend', {}, 'CRM list views (none ticked = all records)'),
      items.length
        ? el('ul', { class: 'checklist' }, items)
        : el('p', { class: 'muted small checklist-empty' }, crmName + ' has no list views of ' + label + '.'),
      el('div', { class: 'help' }, 'Only the ' + label + ' in the ticked ' + crmName + ' list views sync; tick none to sync all ' + label + '.')),
    value: () => boxes.filter((b) => b.checked).map((b) => b.value),
  };
}
