// @ts-check
/* A module's sync options: Sync Type (two-way or one-way), the secondary
 * email for contacts, the CRM list views, and the departments of products.
 */
import { el } from '../../lib/dom.js';
import { listViewPicker } from './list-views.js';
import { splitList } from './constants.js';

/**
 * @typedef {object} ModuleOptions
 * @property {HTMLElement[]} nodes the fields, in order
 * @property {HTMLSelectElement} direction the Sync Type select
 * @property {() => boolean} oneWay whether CRM → Desk only is chosen
 * @property {() => void} paintDirection explains the chosen Sync Type
 * @property {() => void} paintListViews draws the list views anew once the CRM answered (or could not)
 * @property {() => Pick<Api.SyncModule, 'direction' | 'secondary_email' | 'list_views' | 'departments'>} read
 */

/**
 * @param {SyncUI.Context} ctx
 * @param {string} module
 * @param {() => void} changed marks the card as changed
 * @returns {ModuleOptions}
 */
export function moduleOptions(ctx, module, changed) {
  const crmName = ctx.crmName;
  const initial = ctx.settings.modules[module];
  /** @param {string} k */
  const id = (k) => 'sync-' + module + '-' + k;

  const direction = el('select', { id: id('direction'), testid: 'sync-direction-' + module },
    el('option', { value: 'two-way', selected: initial.direction !== 'crm-to-desk' }, 'Two-way sync (default)'),
    el('option', { value: 'crm-to-desk', selected: initial.direction === 'crm-to-desk' }, 'One-way: ' + crmName + ' \u2192 Desk'));
  const directionHelp = el('div', { class: 'help' });
  const listViews = listViewPicker(ctx, module, initial.list_views || [], () => changed());
  const secondary = module === 'contacts'
    ? el('input', { id: id('secondary-email'), type: 'checkbox', testid: 'sync-secondary-email', checked: !!initial.secondary_email })
    : null;
  const departments = module === 'products'
    ? el('input', { id: id('departments'), type: 'text', autocomplete: 'off', testid: 'sync-departments', placeholder: 'e.g. Support, Sales', value: (initial.departments || []).join(', ') })
    : null;
  if (departments) departments.addEventListener('input', changed);
  if (secondary) secondary.addEventListener('change', changed);

  const oneWay = () => direction.value === 'crm-to-desk';
  function paintDirection() {
    directionHelp.textContent = oneWay()
      ? crmName + ' is the master: its changes reach Desk; Desk changes are not sent to ' + crmName + '.'
      : 'Changes on either side reach the other.';
  }

  /** @type {HTMLElement[]} */
  const nodes = [el('div', { class: 'field' }, el('label', { for: id('direction') }, 'Sync Type'), direction, directionHelp)];
  if (secondary) {
    nodes.push(el('div', { class: 'field field-check' },
      el('div', { class: 'check-row' }, secondary, el('label', { for: id('secondary-email') }, 'Use secondary email for mapping contacts')),
      el('div', { class: 'help' }, 'By default the primary email is used to find duplicates. A contact matched by its secondary email gets the ' + crmName + ' contact\u2019s email as its primary email in Desk.')));
  }
  nodes.push(listViews.field);
  if (departments) {
    nodes.push(el('div', { class: 'field' }, el('label', { for: id('departments') }, 'Departments (empty = all departments)'), departments,
      el('div', { class: 'help' }, 'Only the products of these departments sync. Separate names with commas.')));
  }

  return {
    nodes,
    direction,
    oneWay,
    paintDirection,
    paintListViews: listViews.paint,
    read: () => ({
      direction: direction.value,
      secondary_email: secondary ? secondary.checked : !!initial.secondary_email,
      list_views: listViews.value(),
      departments: departments ? splitList(departments.value) : (initial.departments || []),
    }),
  };
}
