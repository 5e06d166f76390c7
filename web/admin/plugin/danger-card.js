// @ts-check
/* Delete integration, after a confirm step. */
import { api } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { confirmDialog, toast } from '../../lib/ui.js';
import { pluginPath } from '../app.js';

/**
 * @param {Api.Plugin} p
 * @returns {HTMLElement}
 */
export function dangerCard(p) {
  const del = el('button', { type: 'button', class: 'btn btn-danger', testid: 'delete-integration' }, 'Delete integration');
  del.addEventListener('click', async () => {
    const yes = await confirmDialog('Delete ' + (p.name || p.id) + '?',
      'Agents will no longer see its panel beside tickets, tickets can no longer be ordered by its customer types, and its connection and settings are removed. This cannot be undone.',
      'Delete');
    if (!yes) return;
    del.disabled = true;
    try {
      await api('DELETE', pluginPath(p.id));
      toast((p.name || p.id) + ' was deleted.');
      location.hash = '#plugins';
    } catch (e) {
      toast(e.message, 'error');
      del.disabled = false;
    }
  });
  return el('section', { class: 'card danger-card', testid: 'danger-card' },
    el('h2', { class: 'card-title' }, 'Delete integration'),
    el('p', { class: 'muted' }, 'Removes the plugin, its connection and its settings. Agents stop seeing its panel.'),
    el('div', { class: 'form-actions' }, del));
}
