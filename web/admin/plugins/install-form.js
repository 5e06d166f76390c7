// @ts-check
/* The form that installs (or upgrades) a plugin: from its package (a
 * .dpkg, signed by its publisher), or from its loose manifest and
 * WebAssembly component (an unsigned install).
 */
import { api, formError } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { t } from '../../lib/i18n.js';
import { toast } from '../../lib/ui.js';
import { app } from '../app.js';
import { setFlash } from '../flash.js';

/**
 * What to send: the package alone, or the two loose files; a sentence when
 * the choice is incomplete.
 * @param {HTMLInputElement} pkg
 * @param {HTMLInputElement} manifest
 * @param {HTMLInputElement} component
 * @returns {FormData | string}
 */
function upload(pkg, manifest, component) {
  const form = new FormData();
  const one = (/** @type {HTMLInputElement} */ input) => (input.files && input.files[0]) || null;
  const [p, m, c] = [one(pkg), one(manifest), one(component)];
  if (p && (m || c)) return t('admin.install.notBoth');
  if (p) {
    form.append('package', p);
    return form;
  }
  if (m && c) {
    form.append('manifest', m);
    form.append('component', c);
    return form;
  }
  if (m || c) return t('admin.install.needsBoth');
  return t('admin.install.choosePackage');
}

/**
 * @param {(installed: Api.Plugin) => void} after runs with the installed plugin
 * @returns {HTMLFormElement}
 */
export function installForm(after) {
  const pkg = el('input', { type: 'file', name: 'package', id: 'install-package', accept: '.dpkg,application/x-tar', testid: 'install-package' });
  const manifest = el('input', { type: 'file', name: 'manifest', id: 'install-manifest', accept: '.toml,text/plain', testid: 'install-manifest' });
  const component = el('input', { type: 'file', name: 'component', id: 'install-component', accept: '.wasm,application/wasm', testid: 'install-component' });
  const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'install-error' });
  const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'install-submit' }, t('admin.install.submit'));
  const loose = el('details', { class: 'install-loose', testid: 'install-loose' },
    el('summary', {}, t('admin.install.loose')),
    el('p', { class: 'muted small' }, t('admin.install.looseHelp')),
    el('div', { class: 'form-grid' },
      el('div', { class: 'field' }, el('label', { for: 'install-manifest' }, t('admin.install.manifest')), manifest),
      el('div', { class: 'field' }, el('label', { for: 'install-component' }, t('admin.install.component')), component)));
  const form = el('form', { class: 'card install-card', testid: 'install-form', enctype: 'multipart/form-data' },
    el('h2', { class: 'card-title' }, t('admin.install.title')),
    el('p', { class: 'muted' }, t('admin.install.intro')),
    el('div', { class: 'form-grid' },
      el('div', { class: 'field' }, el('label', { for: 'install-package' }, t('admin.install.package')), pkg)),
    loose,
    error,
    el('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    const body = upload(pkg, manifest, component);
    if (typeof body === 'string') {
      error.textContent = body;
      error.hidden = false;
      return undefined;
    }
    submit.disabled = true;
    submit.textContent = t('admin.install.installing');
    try {
      /** @type {Api.Plugin} */
      const installed = await api('POST', '/api/admin/plugins', body);
      const name = installed.name || installed.id;
      toast(t(installed.enabled ? 'admin.install.upgraded' : 'admin.install.installed', { name }));
      setFlash(installed.enabled ? null : 'installed');
      form.reset();
      after(installed);
    } catch (e) {
      if (e.status === 401) return app.start();
      error.textContent = formError(e);
      error.hidden = false;
    } finally {
      submit.disabled = false;
      submit.textContent = t('admin.install.submit');
    }
    return undefined;
  });
  return form;
}
