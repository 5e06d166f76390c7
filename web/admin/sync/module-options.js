// @ts-check
/* A module's sync options: Sync Type (two-way or one-way), the secondary
 * email for contacts, the CRM list views, and the departments of products.
 */
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
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
    el('option', { value: 'two-way', selected: initial.direction !== 'crm-to-desk' }, t('admin.sync.twoWayDefault')),
    el('option', { value: 'crm-to-desk', selected: initial.direction === 'crm-to-desk' }, t('admin.sync.oneWay', { crm: crmName })));
  const directionHelp = el('div', { class: 'help' });
  const listViews = listViewPicker(ctx, module, initial.list_views || [], () => changed());
  const secondary = module === 'contacts'
    ? el('input', { id: id('secondary-email'), type: 'checkbox', testid: 'sync-secondary-email', checked: !!initial.secondary_email })
    : null;
  const departments = module === 'products'
    ? el('input', { id: id('departments'), type: 'text', autocomplete: 'off', testid: 'sync-departments', placeholder: t('admin.sync.departmentsPlaceholder'), value: (initial.departments || []).join(', ') })
    : null;
  if (departments) departments.addEventListener('input', changed);
  if (secondary) secondary.addEventListener('change', changed);

  const oneWay = () => direction.value === 'crm-to-desk';
  function paintDirection() {
    directionHelp.textContent = oneWay() ? t('admin.sync.oneWayHelp', { crm: crmName }) : t('admin.sync.twoWayHelp');
  }

  /** @type {HTMLElement[]} */
  const nodes = [el('div', { class: 'field' }, el('label', { for: id('direction') }, t('admin.sync.type')), direction, directionHelp)];
  if (secondary) {
    nodes.push(el('div', { class: 'field field-check' },
      el('div', { class: 'check-row' }, secondary, el('label', { for: id('secondary-email') }, t('admin.sync.secondaryEmail'))),
      el('div', { class: 'help' }, t('admin.sync.secondaryEmailHelp', { crm: crmName }))));
  }
  nodes.push(listViews.field);
  if (departments) {
    nodes.push(el('div', { class: 'field' }, el('label', { for: id('departments') }, t('admin.sync.departments')), departments,
      el('div', { class: 'help' }, t('admin.sync.departmentsHelp'))));
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
