// @ts-check
/* The form that installs (or upgrades) a plugin from its manifest and
 * WebAssembly component.
 */
import { api, formError } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { toast } from '../../lib/ui.js';
import { app } from '../app.js';
import { setFlash } from '../flash.js';

/**
 * @param {(installed: Api.Plugin) => void} after runs with the installed plugin
 * @returns {HTMLFormElement}
 */
export function installForm(after) {
  const manifest = el('input', { type: 'file', name: 'manifest', id: 'install-manifest', accept: '.toml,text/plain', required: true, testid: 'install-manifest' });
  const component = el('input', { type: 'file', name: 'component', id: 'install-component', accept: '.wasm,application/wasm', required: true, testid: 'install-component' });
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'install-error' });
  const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'install-submit' }, 'Install plugin');
  const form = el('form', { class: 'card install-card', testid: 'install-form', enctype: 'multipart/form-data' },
    el('h2', { class: 'card-title' }, 'Install a plugin'),
    el('p', { class: 'muted' }, 'Upload the plugin\u2019s manifest (plugin.toml) and its WebAssembly component (plugin.wasm). The host checks both before installing. A new plugin starts disabled: review its sandbox, configure and connect it, then enable it.'),
    el('div', { class: 'form-grid' },
      el('div', { class: 'field' }, el('label', { for: 'install-manifest' }, 'Manifest (plugin.toml)'), manifest),
      el('div', { class: 'field' }, el('label', { for: 'install-component' }, 'Component (plugin.wasm)'), component)),
    error,
    el('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    submit.textContent = 'Installing…';
    try {
      /** @type {Api.Plugin} */
      const installed = await api('POST', '/api/admin/plugins', new FormData(form));
      const name = installed.name || installed.id;
      toast(installed.enabled
        ? name + ' is installed (upgraded) and stays enabled.'
        : name + ' is installed, disabled. Review its sandbox, then enable it.');
      setFlash(installed.enabled ? null : 'installed');
      form.reset();
      after(installed);
    } catch (e) {
      if (e.status === 401) return app.start();
      error.textContent = formError(e);
      error.hidden = false;
    } finally {
      submit.disabled = false;
      submit.textContent = 'Install plugin';
    }
    return undefined;
  });
  return form;
}
