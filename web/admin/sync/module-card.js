// @ts-check
/* A module's card on the sync page's Configuration tab: the Enabled
 * switch, status chips and Configure; folded open, the sync options,
 * delete preferences and field mapping, saved with Save.
 */
import { api } from '../../lib/api.js';
import { append, clear, el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { pill, setSwitchLabel, switchInput, toast } from '../../lib/ui.js';
import { app } from '../app.js';
import { DUPLICATE_CHECK, moduleLabel } from './constants.js';
import { deletePreferences } from './delete-prefs.js';
import { fieldMapping } from './mapping.js';
import { moduleOptions } from './module-options.js';

/**
 * The card's header chips, from the saved settings and the overview.
 * @param {SyncUI.Context} ctx
 * @param {string} module
 * @returns {HTMLSpanElement[]}
 */
function statusChips(ctx, module) {
  const s = ctx.settings.modules[module];
  const m = (ctx.overview.modules || {})[module] || {};
  return /** @type {HTMLSpanElement[]} */ ([
    s.enabled ? pill(t('admin.sync.syncing'), 'ok', 'sync-module-on') : pill(t('admin.sync.off'), 'muted', 'sync-module-off'),
    s.enabled ? pill(s.direction === 'crm-to-desk' ? t('admin.sync.oneWay', { crm: ctx.crmName }) : t('admin.sync.twoWay'), 'muted') : null,
    pill(t('admin.sync.mapped', { count: m.mapped || 0 }), 'muted', 'sync-mapped-' + module),
    m.first_sync_done ? pill(t('admin.sync.firstSyncDone'), 'muted') : (s.enabled ? pill(t('admin.sync.firstSyncPending'), 'warn') : null),
  ].filter(Boolean));
}

/**
 * @typedef {object} SaveRow
 * @property {HTMLDivElement} foot the error, Save, "✓ Saved" and "Unsaved changes"
 * @property {HTMLPreElement} error
 * @property {HTMLButtonElement} save
 * @property {HTMLSpanElement} savedNote
 * @property {HTMLSpanElement} unsaved
 * @property {() => void} changed marks the card as changed since it was saved
 */

/** @returns {SaveRow} */
function saveRow() {
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'sync-error' });
  const savedNote = el('span', { class: 'saved-note', testid: 'sync-saved', hidden: true }, t('admin.saved'));
  const unsaved = el('span', { class: 'muted small', testid: 'sync-unsaved', hidden: true }, t('admin.sync.unsaved'));
  const save = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'sync-save' }, t('admin.save'));
  const foot = el('div', { class: 'sync-module-foot', hidden: true }, error, el('div', { class: 'form-actions' }, save, savedNote, unsaved));
  function changed() {
    savedNote.hidden = true;
    unsaved.hidden = false;
    error.hidden = true;
  }
  return { foot, error, save, savedNote, unsaved, changed };
}

/**
 * The field mapping part: heading, intro, and `slot`, where the table and
 * the add buttons go once the CRM's fields are known.
 * @param {SyncUI.Context} ctx
 * @param {string} module
 * @param {HTMLDivElement} slot
 * @returns {HTMLDivElement}
 */
function mappingPart(ctx, module, slot) {
  return el('div', { class: 'sync-fields' },
    el('div', { class: 'sync-fields-head' },
      el('h3', { class: 'subhead' }, t('admin.mapping.title')),
      el('span', { class: 'muted small' }, t('admin.mapping.mandatory'))),
    el('p', { class: 'muted small sync-fields-intro' }, t('admin.mapping.intro', { crm: ctx.crmName, check: DUPLICATE_CHECK[module] ? t(DUPLICATE_CHECK[module]) : '' }).trim()),
    slot);
}

/**
 * Saves the whole settings: the saved state of the other modules, this
 * module as on the form, and the current pause state.
 * @param {SyncUI.Context} ctx
 * @param {string} module
 * @param {Api.SyncModule} mine
 * @returns {Promise<void>}
 */
async function saveModule(ctx, module, mine) {
  const next = Object.assign({}, ctx.settings, { modules: Object.assign({}, ctx.settings.modules, { [module]: mine }) });
  const answer = await api('PUT', ctx.base, next);
  ctx.settings = (answer && answer.settings) || next;
}

/**
 * Save: reads the form (a mistake in it shows in the save row), saves, and confirms.
 * @param {SyncUI.Context} ctx
 * @param {string} module
 * @param {() => Api.SyncModule} read the module as on the form; throws Error with what to fix
 * @param {SaveRow} saving
 */
async function submitModule(ctx, module, read, saving) {
  saving.error.hidden = true;
  let mine;
  try { mine = read(); } catch (e) {
    saving.error.textContent = e.message;
    saving.error.hidden = false;
    return;
  }
  saving.save.disabled = true;
  saving.save.textContent = t('admin.saving');
  try {
    await saveModule(ctx, module, mine);
    saving.unsaved.hidden = true;
    saving.savedNote.hidden = false;
    toast(t(mine.enabled ? 'admin.sync.moduleSavedStarts' : 'admin.sync.moduleSaved', { module: moduleLabel(module) }));
    ctx.onSettings();
    if (mine.enabled) ctx.expectRun();
  } catch (e) {
    if (e.status === 401) { app.start(); return; }
    saving.error.textContent = e.message;
    saving.error.hidden = false;
  } finally {
    saving.save.disabled = false;
    saving.save.textContent = t('admin.save');
  }
}

/**
 * @param {SyncUI.Context} ctx
 * @param {string} module
 * @returns {SyncUI.ModuleCard}
 */
export function moduleCard(ctx, module) {
  const initial = ctx.settings.modules[module];
  const bodyId = 'sync-' + module + '-body';
  const saving = saveRow();
  const changed = saving.changed;

  const status = el('div', { class: 'chips sync-module-status', testid: 'sync-status-' + module });
  const enabled = switchInput(initial.enabled, 'sync-enabled-' + module, t(initial.enabled ? 'admin.enabled' : 'admin.sync.off'), (on, input) => {
    setSwitchLabel(input, t(on ? 'admin.enabled' : 'admin.sync.off'));
    if (on) setOpen(true);
    changed();
  });
  const enabledInput = /** @type {HTMLInputElement} */ (enabled.querySelector('input'));
  const configure = el('button', { type: 'button', class: 'btn btn-small', testid: 'sync-configure-' + module, 'aria-expanded': 'false', 'aria-controls': bodyId }, t('admin.sync.configure'));

  const options = moduleOptions(ctx, module, changed);
  /** What the list views were last drawn from (undefined: loading, as drawn at first). */
  /** @type {unknown} */
  let paintedViews;
  /** The field mapping, once the CRM's fields are known (or known not to come). */
  /** @type {import('./mapping.js').FieldMapping | null} */
  let mapping = null;
  const mappingSlot = el('div', { class: 'sync-mapping-slot', testid: 'sync-mapping-slot-' + module });
  const deletes = deletePreferences(module, ctx.crmName, initial, changed, ctx.plugin.propagate_deletes !== false);

  const body = el('div', { class: 'sync-module-body', id: bodyId, hidden: true },
    el('div', { class: 'sync-options' }, options.nodes, deletes.nodes),
    mappingPart(ctx, module, mappingSlot));
  const form = el('form', { class: 'card sync-module', testid: 'sync-module-' + module, dataset: { module } },
    el('div', { class: 'sync-module-head' },
      el('div', { class: 'sync-module-title' },
        el('h2', { class: 'card-title' }, moduleLabel(module)),
        status),
      el('div', { class: 'plugin-actions' }, enabled, configure)),
    body,
    saving.foot);

  /** @param {boolean} open */
  function setOpen(open) {
    body.hidden = !open;
    saving.foot.hidden = !open;
    configure.textContent = t(open ? 'admin.sync.hide' : 'admin.sync.configure');
    configure.setAttribute('aria-expanded', String(open));
    form.classList.toggle('open', open);
  }
  configure.addEventListener('click', () => setOpen(!!body.hidden));

  function paintDirection() {
    options.paintDirection();
    deletes.setOneWay(options.oneWay());
    if (mapping) mapping.paintArrows();
  }

  /**
   * The parts that come from the CRM: the list views, and the mapping
   * table once the fields answer came. When the CRM could not say, the
   * saved pairs still show (the page's one message says why).
   */
  function paintCatalog() {
    // Each part is drawn when its answer came, once: a box being ticked is not redrawn under the pointer.
    if (ctx.listViews[module] !== paintedViews) {
      paintedViews = ctx.listViews[module];
      options.paintListViews();
    }
    const meta = ctx.fields[module];
    if (meta === undefined) {
      clear(mappingSlot).appendChild(el('p', { class: 'muted small', role: 'status', testid: 'sync-fields-loading' }, t('admin.mapping.loading', { crm: ctx.crmName })));
      return;
    }
    if (mapping) return;
    const known = meta instanceof Error ? null : meta;
    mapping = fieldMapping({
      module,
      crmName: ctx.crmName,
      crmFields: (known && known.crm) || [],
      deskFields: (known && known.desk) || [],
      initial: ctx.settings.modules[module].fields || initial.fields || [],
      oneWay: options.oneWay,
      changed,
    });
    append(clear(mappingSlot),
      el('div', { class: 'sync-mapping-wrap' }, mapping.table),
      el('div', { class: 'sync-add-row' }, mapping.addButtons));
    mapping.paintArrows();
  }
  options.direction.addEventListener('change', () => { paintDirection(); changed(); });

  /** @returns {Api.SyncModule} the module as on the form; throws Error with what to fix */
  function read() {
    // Before the CRM's fields came, the mapping is as saved.
    const fields = mapping ? mapping.read() : (ctx.settings.modules[module].fields || []);
    return Object.assign({}, ctx.settings.modules[module], options.read(), {
      enabled: enabledInput.checked,
      fields,
      on_crm_delete: deletes.onCrmDelete(),
      on_desk_delete: deletes.onDeskDelete(),
    });
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitModule(ctx, module, read, saving);
  });

  /** Repaints the header chips from the saved settings and the overview. */
  function paintStatus() {
    append(clear(status), statusChips(ctx, module));
  }

  paintCatalog();
  paintDirection();
  paintStatus();
  setOpen(!!initial.enabled);
  return { form, paintStatus, paintCatalog };
}
