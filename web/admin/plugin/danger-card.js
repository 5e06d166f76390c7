// @ts-check
/* Delete integration, after a confirm step. */
import { api } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { confirmDialog, toast } from '../../lib/ui.js';
import { pluginPath } from '../app.js';

/**
 * @param {Api.Plugin} p
 * @returns {HTMLElement}
 */
export function dangerCard(p) {
  const del = el('button', { type: 'button', class: 'btn btn-danger', testid: 'delete-integration' }, t('admin.danger.title'));
  del.addEventListener('click', async () => {
    const yes = await confirmDialog(t('admin.danger.confirmTitle', { name: p.name || p.id }), t('admin.danger.confirmText'), t('admin.delete'));
    if (!yes) return;
    del.disabled = true;
    try {
      await api('DELETE', pluginPath(p.id));
      toast(t('admin.deleted', { name: p.name || p.id }));
      location.hash = '#plugins';
    } catch (e) {
      toast(e.message, 'error');
      del.disabled = false;
    }
  });
  return el('section', { class: 'card danger-card', testid: 'danger-card' },
    el('h2', { class: 'card-title' }, t('admin.danger.title')),
    el('p', { class: 'muted' }, t('admin.danger.intro')),
    el('div', { class: 'form-actions' }, del));
}
