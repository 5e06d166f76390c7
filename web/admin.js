/* Deskpane admin console (Administrators): integrations (install, configure,
 * connect, portal link, disconnect, delete), sync of contacts, accounts and
 * products (settings, field mapping, Start / Pause / Resume, progress, sync
 * history, failure log), each plugin's sandbox (allowed hosts, limits, and
 * the approval of limits above the defaults), the permission matrix, agents
 * (deactivate, delete), profiles, API tokens, and the outbox. Hash routes:
 * #plugins, #plugin=ID, #sync, #sync=ID[&tab=history|failures],
 * #permissions, #agents, #outbox.
 * Builds the DOM with createElement/textContent only (see panel.js).
 */
(function () {
  'use strict';

  const { el, clear, append, api, topBar, signInForm, formatDateTime, safeHref, initials } = window.Deskpane;
  const root = document.getElementById('app');
  let agent = null;
  let renderSeq = 0;
  /** What the next render of a plugin page confirms (e.g. 'config-saved'). */
  let flash = null;

  // ---------------------------------------------------------------- bits

  let toastTimer = null;
  function toast(message, kind) {
    let box = document.getElementById('toast');
    if (!box) {
      box = el('div', { id: 'toast', class: 'toast', role: 'status', 'aria-live': 'polite', testid: 'toast' });
      document.body.appendChild(box);
    }
    box.textContent = message;
    box.className = 'toast show ' + (kind === 'error' ? 'toast-error' : 'toast-ok');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.className = 'toast'; }, kind === 'error' ? 8000 : 3500);
  }

  function loading() {
    return el('div', { class: 'loading' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading…');
  }

  function errorBox(message, testid) {
    return el('div', { class: 'panel-error', role: 'alert', testid: testid || 'admin-error' }, message);
  }

  function formError(e) {
    const lines = [e.message];
    for (const f of e.fields || []) lines.push((f.field ? f.field + ': ' : '') + (f.message || ''));
    return lines.join('\n');
  }

  function switchInput(checked, testid, label, onChange) {
    const input = el('input', { type: 'checkbox', role: 'switch', checked: !!checked, testid, 'aria-label': label });
    input.addEventListener('change', () => onChange(input.checked, input));
    return el('label', { class: 'switch', title: label }, input, el('span', { class: 'switch-track', 'aria-hidden': 'true' }), el('span', { class: 'switch-label' }, label));
  }

  function pill(text, kind, testid) {
    return el('span', { class: 'pill pill-' + kind, testid }, text);
  }

  function pluginPath(id) { return '/api/admin/plugins/' + encodeURIComponent(id); }

  function confirmDialog(title, message, confirmLabel) {
    return new Promise((resolve) => {
      const cancel = el('button', { type: 'button', class: 'btn', testid: 'confirm-cancel' }, 'Cancel');
      const ok = el('button', { type: 'button', class: 'btn btn-danger', testid: 'confirm-delete' }, confirmLabel);
      const dialog = el('dialog', { class: 'dialog', testid: 'confirm-dialog', 'aria-labelledby': 'dialog-title' },
        el('h2', { id: 'dialog-title' }, title),
        el('p', {}, message),
        el('div', { class: 'dialog-actions' }, cancel, ok));
      const done = (value) => { dialog.close(); dialog.remove(); resolve(value); };
      cancel.addEventListener('click', () => done(false));
      ok.addEventListener('click', () => done(true));
      dialog.addEventListener('cancel', (event) => { event.preventDefault(); done(false); });
      document.body.appendChild(dialog);
      dialog.showModal();
      cancel.focus();
    });
  }

  // ---------------------------------------------------------------- layout

  const NAV = [
    ['plugins', 'Integrations'],
    ['sync', 'Sync'],
    ['permissions', 'Permissions'],
    ['agents', 'Agents & profiles'],
    ['outbox', 'Outbox'],
  ];

  function shell(current) {
    const content = el('div', { class: 'admin-content' });
    const side = el('nav', { class: 'sidenav', 'aria-label': 'Admin' },
      el('div', { class: 'sidenav-title' }, 'Setup'),
      NAV.map(([key, label]) => [
        el('a', { href: '#' + key, class: current === key ? 'active' : '', testid: key === 'sync' ? 'sync-nav' : 'nav-' + key }, label),
        key === 'sync' ? el('div', { id: 'sync-subnav', class: 'sidenav-sub' }) : null]));
    append(clear(root), topBar(agent, 'admin'), el('main', { class: 'main admin-layout' }, side, content));
    paintSyncNav();
    return content;
  }

  function parseHash() {
    const hash = location.hash.replace(/^#/, '');
    if (hash.includes('=')) {
      const params = new URLSearchParams(hash);
      if (params.get('plugin')) return { page: 'plugin', id: params.get('plugin') };
      if (params.has('sync')) return { page: 'sync', id: params.get('sync'), tab: params.get('tab') };
    }
    return { page: NAV.some(([k]) => k === hash) ? hash : 'plugins' };
  }

  function route() {
    const seq = ++renderSeq;
    const where = parseHash();
    document.title = 'Deskpane admin';
    switch (where.page) {
      case 'plugin': return pluginPage(seq, where.id);
      case 'sync': return syncPage(seq, where.id, where.tab);
      case 'permissions': return permissionsPage(seq);
      case 'agents': return agentsPage(seq);
      case 'outbox': return outboxPage(seq);
      default: return pluginsPage(seq);
    }
  }

  function guard(seq, e, content) {
    if (seq !== renderSeq) return true;
    if (e && e.status === 401) { start(); return true; }
    if (e) { clear(content).appendChild(errorBox(e.message)); return true; }
    return false;
  }

  // ---------------------------------------------------------------- integrations list

  function credentialChips(p) {
    const names = Object.keys(p.credentials || {});
    if (!names.length) return [pill('No credentials needed', 'muted', 'credential-status')];
    return names.map((name) => {
      const c = p.credentials[name];
      return el('span', { class: 'pill ' + (c.connected ? 'pill-ok' : 'pill-warn'), testid: 'credential-status', dataset: { credential: name, connected: String(!!c.connected) } },
        name + ': ' + (c.connected ? 'Connected' : 'Not connected'));
    });
  }

  function statusChip(p) {
    return p.status === 'ok'
      ? pill('Healthy', 'ok', 'plugin-status')
      : el('span', { class: 'pill pill-error', testid: 'plugin-status', title: p.status }, 'Error');
  }

  function enabledSwitch(p, after) {
    return switchInput(p.enabled, 'plugin-enabled', p.enabled ? 'Enabled' : 'Disabled', async (on, input) => {
      input.disabled = true;
      try {
        const updated = await api('PATCH', pluginPath(p.id), { enabled: on });
        p.enabled = updated.enabled;
        input.closest('.switch').querySelector('.switch-label').textContent = updated.enabled ? 'Enabled' : 'Disabled';
        toast(p.name + (updated.enabled ? ' is enabled.' : ' is disabled.'));
        if (after) after(updated);
      } catch (e) {
        input.checked = !on;
        toast(e.message, 'error');
      } finally {
        input.disabled = false;
      }
    });
  }

  /** A warning chip while the manifest asks for limits above the defaults that no admin approved. */
  function limitsChip(p) {
    const sb = p.sandbox;
    if (!sb || !(sb.requests_above_defaults || []).length || sb.above_defaults_approved) return null;
    return el('span', { class: 'pill pill-warn', testid: 'plugin-limits-pending', title: sb.requests_above_defaults.join('; ') }, 'Limits above defaults not approved');
  }

  function pluginCard(p) {
    return el('article', { class: 'card plugin-card', testid: 'plugin-card', dataset: { plugin: p.id } },
      el('div', { class: 'plugin-icon', 'aria-hidden': 'true' }, initials(p.name || p.id)),
      el('div', { class: 'plugin-body' },
        el('div', { class: 'plugin-title-row' },
          el('h2', { class: 'plugin-name', testid: 'plugin-name' }, p.name || p.id),
          el('span', { class: 'muted small', testid: 'plugin-version' }, 'v' + p.version),
          el('span', { class: 'muted small', testid: 'plugin-publisher' }, 'by ' + (p.publisher || 'unknown publisher'))),
        p.description ? el('p', { class: 'plugin-desc' }, p.description) : null,
        el('div', { class: 'chips' }, statusChip(p), credentialChips(p), limitsChip(p)),
        p.status !== 'ok' ? el('p', { class: 'plugin-status-text', testid: 'plugin-status-text' }, p.status) : null),
      el('div', { class: 'plugin-actions' },
        enabledSwitch(p),
        el('a', { class: 'btn', href: '#plugin=' + encodeURIComponent(p.id), testid: 'plugin-manage' }, 'Manage')));
  }

  function installForm(after) {
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
        const installed = await api('POST', '/api/admin/plugins', new FormData(form));
        const name = installed.name || installed.id;
        toast(installed.enabled
          ? name + ' is installed (upgraded) and stays enabled.'
          : name + ' is installed, disabled. Review its sandbox, then enable it.');
        flash = installed.enabled ? null : 'installed';
        form.reset();
        after(installed);
      } catch (e) {
        if (e.status === 401) return start();
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

  async function pluginsPage(seq) {
    const content = shell('plugins');
    const list = el('div', { class: 'plugin-list', testid: 'plugin-list' }, loading());
    append(content, 
      el('div', { class: 'page-head' }, el('div', {},
        el('h1', {}, 'Integrations'),
        el('p', { class: 'muted' }, 'CRM plugins run sandboxed. Each shows a panel beside tickets for the profiles you allow.'))),
      list,
      installForm((installed) => { location.hash = '#plugin=' + encodeURIComponent(installed.id); }));
    let answer;
    try { answer = await api('GET', '/api/admin/plugins'); } catch (e) { guard(seq, e, list); return; }
    if (guard(seq, null, list)) return;
    clear(list);
    const plugins = answer.plugins || [];
    loadSyncPlugins(plugins).catch(() => {});
    if (!plugins.length) list.appendChild(el('div', { class: 'card empty-card' }, el('p', { class: 'empty' }, 'No plugins installed yet. Install one below.')));
    for (const p of plugins) list.appendChild(pluginCard(p));
  }

  // ---------------------------------------------------------------- one integration

  /** 300 -> "300 ms", 5000 -> "5 s", 1500 -> "1.5 s". */
  function formatMs(ms) {
    const n = Number(ms);
    if (!Number.isFinite(n)) return String(ms);
    return n < 1000 ? n + ' ms' : (n / 1000).toLocaleString('en-US', { maximumFractionDigits: 2 }) + ' s';
  }

  /** 65536 -> "64 KiB", 8388608 -> "8 MiB". */
  function formatBytes(bytes) {
    const n = Number(bytes);
    if (!Number.isFinite(n)) return String(bytes);
    const units = [['GiB', 1 << 30], ['MiB', 1 << 20], ['KiB', 1 << 10]];
    for (const [unit, size] of units) {
      if (n >= size) return (n / size).toLocaleString('en-US', { maximumFractionDigits: 1 }) + ' ' + unit;
    }
    return n + ' bytes';
  }

  const LIMIT_ROWS = [
    ['memory_mib', 'Memory', (v) => v + ' MiB'],
    ['cpu_ms', 'CPU time per call', formatMs],
    ['call_timeout_ms', 'Call timeout', formatMs],
    ['max_concurrency', 'Calls at once', (v) => String(v)],
    ['response_bytes', 'Largest HTTP response', formatBytes],
  ];

  /**
   * What the plugin may reach and use, shown before an admin enables it:
   * the hosts it may call (the manifest's and the ones admins added), the
   * limits it runs with, and the limits above the defaults the manifest
   * asks for, with Approve / Take back. Returns { card, setEnabled(on) }.
   */
  function sandboxCard(p, onChange) {
    const sb = p.sandbox;
    const state = el('span', { class: 'chips', testid: 'sandbox-state' });
    function setEnabled(on) {
      clear(state).appendChild(on
        ? pill('Enabled: runs with this sandbox', 'ok')
        : pill('Disabled: review before enabling', 'warn'));
      card.dataset.enabled = String(!!on);
    }
    const card = el('section', { class: 'card sandbox-card', testid: 'sandbox-card', dataset: { plugin: p.id } },
      el('div', { class: 'card-head' }, el('h2', { class: 'card-title' }, 'Sandbox'), state));
    setEnabled(p.enabled);
    if (!sb) {
      append(card, el('p', { class: 'panel-error', role: 'alert', testid: 'sandbox-unknown' },
        'The manifest cannot be read, so what this plugin may reach and use is unknown. Reinstall it before enabling it.'));
      return { card, setEnabled };
    }

    const manifestHosts = sb.allowed_hosts || [];
    const extraHosts = sb.extra_hosts || [];
    const hostItem = (host, source) => el('li', { class: 'sandbox-host', testid: 'sandbox-host', dataset: { source } },
      el('code', {}, host),
      el('span', { class: 'tag' }, source === 'manifest' ? 'manifest' : 'added by an admin'));
    const hosts = el('div', { class: 'sandbox-hosts', testid: 'sandbox-hosts', dataset: { count: String(manifestHosts.length + extraHosts.length) } },
      manifestHosts.length || extraHosts.length
        ? el('ul', { class: 'sandbox-host-list' }, manifestHosts.map((h) => hostItem(h, 'manifest')), extraHosts.map((h) => hostItem(h, 'extra')))
        : el('p', { class: 'sandbox-none', testid: 'sandbox-no-network' }, 'No network access: the plugin cannot reach any server.'));

    const limits = sb.limits
      ? el('dl', { class: 'kv-list sandbox-limits', testid: 'sandbox-limits' },
        LIMIT_ROWS.filter(([key]) => sb.limits[key] !== undefined && sb.limits[key] !== null).map(([key, label, format]) =>
          el('div', { class: 'kv', dataset: { limit: key, value: String(sb.limits[key]) } }, el('dt', {}, label), el('dd', { testid: 'sandbox-limit-' + key }, format(sb.limits[key])))))
      : el('p', { class: 'muted', testid: 'sandbox-limits' }, 'Not loaded (see the plugin\u2019s status): its limits show once it loads.');

    const asks = sb.requests_above_defaults || [];
    let above = null;
    if (asks.length) {
      const approved = !!sb.above_defaults_approved;
      const button = el('button', { type: 'button', class: 'btn btn-small' + (approved ? '' : ' btn-primary'), testid: 'approve-limits' }, approved ? 'Take back' : 'Approve these limits');
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          const updated = await api('PATCH', pluginPath(p.id), { approve_limits: !approved });
          toast(approved
            ? (updated.name || p.name) + ' runs with the default limits again.'
            : (updated.name || p.name) + ' may now use the limits its manifest asks for.');
          onChange(updated);
        } catch (e) {
          if (e.status === 401) { start(); return; }
          toast(e.message, 'error');
          button.disabled = false;
        }
      });
      above = el('div', { class: 'sandbox-above ' + (approved ? 'sandbox-above-approved' : 'sandbox-above-pending'), role: approved ? null : 'note', testid: 'sandbox-above-defaults', dataset: { approved: String(approved) } },
        el('strong', {}, approved ? 'Limits above the defaults: approved' : 'The manifest asks for more than the default limits'),
        el('ul', {}, asks.map((a) => el('li', { testid: 'sandbox-above-item' }, a))),
        el('p', {}, approved
          ? 'The plugin runs with these limits. Take the approval back to hold it to the defaults.'
          : 'Until you approve them, the plugin runs with the defaults. Approve only if you trust its publisher.'),
        el('div', { class: 'form-actions' }, button));
    }

    append(card,
      el('p', { class: 'muted' }, 'The plugin runs in a WebAssembly sandbox: it reaches only the hosts below, through the desk, within these limits.'),
      el('div', { class: 'sandbox-grid' },
        el('div', { class: 'sandbox-part' },
          el('h3', { class: 'subhead' }, 'Network'),
          hosts,
          el('div', { class: 'help' }, 'Add hosts under Extra allowed hosts in the configuration below.')),
        el('div', { class: 'sandbox-part' },
          el('h3', { class: 'subhead' }, 'Limits'),
          limits,
          asks.length ? null : el('div', { class: 'help' }, 'The manifest asks for nothing above the defaults.'))),
      above);
    return { card, setEnabled };
  }

  function inputFor(key, spec, value, secretSet) {
    const type = String(spec.type || 'string').toLowerCase();
    const id = 'config-' + key;
    const common = { id, name: key, testid: 'config-' + key, required: !!spec.required };
    if (type === 'bool' || type === 'boolean') {
      const on = value === undefined || value === null ? String(spec.default) === 'true' : value === true || value === 'true';
      return el('input', Object.assign({ type: 'checkbox', checked: on }, common, { required: false }));
    }
    if (Array.isArray(spec.options) || Array.isArray(spec.choices) || Array.isArray(spec.values)) {
      const options = spec.options || spec.choices || spec.values;
      return el('select', common, options.map((o) => el('option', { value: String(o), selected: String(o) === String(value) }, String(o))));
    }
    const inputType = { url: 'url', integer: 'number', number: 'number', int: 'number', float: 'number', secret: 'password', password: 'password', email: 'email' }[type] || 'text';
    if (inputType === 'password') {
      // The server never sends a secret's value back; an empty field keeps the stored one.
      return el('input', Object.assign({
        type: 'password',
        value: '',
        placeholder: secretSet ? 'Set \u2014 leave empty to keep' : 'Not set',
        autocomplete: 'new-password',
        dataset: { secret: 'true', secretSet: String(!!secretSet) },
      }, common, { required: !!spec.required && !secretSet }));
    }
    return el('input', Object.assign({
      type: inputType,
      value: value === undefined || value === null ? '' : String(value),
      placeholder: spec.default !== undefined && spec.default !== null ? String(spec.default) : '',
      autocomplete: 'off',
      step: type === 'integer' || type === 'int' ? '1' : (inputType === 'number' ? 'any' : undefined),
    }, common));
  }

  /**
   * Settings are strings (booleans as "true"/"false"); an empty field is
   * left out, except a secret's: "" keeps the stored value.
   */
  function readInput(input) {
    if (input.type === 'checkbox') return input.checked ? 'true' : 'false';
    const value = input.value.trim();
    if (input.dataset.secret === 'true') return value;
    return value === '' ? null : value;
  }

  function configCard(p, onSaved) {
    const schema = p.config_schema || {};
    const keys = Object.keys(schema);
    const secretsSet = p.secrets_set || [];
    const inputs = {};
    const fields = keys.map((key) => {
      const spec = schema[key] || {};
      const current = p.config && Object.prototype.hasOwnProperty.call(p.config, key) ? p.config[key] : undefined;
      const input = inputFor(key, spec, current, secretsSet.includes(key));
      inputs[key] = input;
      const label = el('label', { for: 'config-' + key }, spec.label || key, spec.required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
      return el('div', { class: 'field' + (input.type === 'checkbox' ? ' field-check' : '') },
        input.type === 'checkbox' ? el('div', { class: 'check-row' }, input, label) : [label, input],
        el('div', { class: 'help' }, el('code', {}, key), spec.description ? ' \u2014 ' + spec.description : null,
          spec.default !== undefined && spec.default !== null && spec.default !== '' ? ' (default: ' + String(spec.default).replace(/,/g, ',\u200b') + ')' : null));
    });
    const customerType = el('input', { id: 'config-customer-type-field', type: 'text', autocomplete: 'off', testid: 'config-customer-type-field', placeholder: 'e.g. Customer_Type', value: p.customer_type_field || '' });
    const hosts = el('textarea', { id: 'config-extra-hosts', rows: '2', testid: 'config-extra-hosts', placeholder: 'https://crm.example.com' });
    hosts.value = (p.extra_hosts || []).join('\n');
    const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'config-error' });
    const saved = el('span', { class: 'saved-note', testid: 'config-saved', hidden: flash !== 'config-saved' }, '\u2713 Saved');
    if (flash === 'config-saved') flash = null;
    const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'config-save' }, 'Save settings');
    const form = el('form', { class: 'card', testid: 'config-form' },
      el('h2', { class: 'card-title' }, 'Configuration'),
      keys.length ? null : el('p', { class: 'muted' }, 'This plugin has no settings.'),
      el('div', { class: 'form-grid' }, fields),
      el('div', { class: 'field' },
        el('label', { for: 'config-customer-type-field' }, 'Customer type field (Handshake Mode)'),
        customerType,
        el('div', { class: 'help' }, 'The CRM profile field whose value orders and filters the ticket list by customer type. Leave empty to turn Handshake Mode off for this plugin.')),
      el('div', { class: 'field' },
        el('label', { for: 'config-extra-hosts' }, 'Extra allowed hosts'),
        hosts,
        el('div', { class: 'help' }, 'One origin a line, on top of the hosts the manifest allows (e.g. a self-hosted CRM).')),
      error,
      el('div', { class: 'form-actions' }, submit, saved));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hidden = true;
      saved.hidden = true;
      const config = {};
      for (const key of keys) {
        const value = readInput(inputs[key]);
        if (value !== null) config[key] = value;
      }
      const extra = hosts.value.split(/\s+/).map((h) => h.trim()).filter(Boolean);
      submit.disabled = true;
      try {
        const patch = { config, extra_hosts: extra };
        if ((p.customer_type_field || '') !== customerType.value.trim()) patch.customer_type_field = customerType.value.trim();
        const updated = await api('PATCH', pluginPath(p.id), patch);
        toast('Settings of ' + (updated.name || p.name) + ' saved.');
        flash = 'config-saved';
        onSaved(updated);
      } catch (e) {
        error.textContent = formError(e);
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  /** A credential the admin connects by pasting a key (`kind = "api-key"` in the manifest). */
  function isApiKey(c) {
    return String(c.kind || '').toLowerCase().replace(/[-_ ]/g, '') === 'apikey';
  }

  /**
   * The API key form of an API-key credential: a password field and Save.
   * The key goes to the server once and is never shown again (the server
   * does not return it); the field is emptied once it is saved.
   */
  function apiKeyForm(p, name, c, onChange) {
    const inputId = 'api-key-' + name;
    const crmName = p.name || p.id;
    const input = el('input', { id: inputId, type: 'password', autocomplete: 'new-password', spellcheck: 'false', testid: 'api-key-input-' + name,
      placeholder: c.connected ? 'A key is stored; paste a new one to replace it' : 'Paste the ' + crmName + ' API key' });
    const save = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'api-key-save-' + name }, 'Save');
    const error = el('p', { class: 'form-error', role: 'alert', hidden: true, testid: 'api-key-error-' + name });
    const savedFlash = 'api-key-saved-' + name;
    const saved = el('span', { class: 'saved-note', testid: savedFlash, hidden: flash !== savedFlash }, '\u2713 Saved');
    if (flash === savedFlash) flash = null;
    const form = el('form', { class: 'subform api-key-form', testid: 'api-key-form-' + name, autocomplete: 'off' },
      el('div', { class: 'field' },
        el('label', { for: inputId }, 'API key'),
        el('div', { class: 'api-key-row' }, input, save, saved),
        el('div', { class: 'help' }, 'The desk adds the key to ' + crmName + '\u2019s requests itself; the plugin never sees it, and it is not shown again once saved.')),
      error);
    input.addEventListener('input', () => { error.hidden = true; saved.hidden = true; });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hidden = true;
      saved.hidden = true;
      save.disabled = true;
      try {
        // Sent as typed: the server trims it and says when it is empty.
        const updated = await api('PUT', pluginPath(p.id) + '/credentials/' + encodeURIComponent(name), { api_key: input.value });
        input.value = '';
        toast('API key saved; ' + (updated.name || crmName) + ' is connected.');
        flash = savedFlash;
        onChange(updated);
      } catch (e) {
        if (e.status === 401) { start(); return; }
        error.textContent = formError(e);
        error.hidden = false;
        input.focus();
      } finally {
        save.disabled = false;
      }
    });
    return form;
  }

  function credentialCard(p, name, c, onChange) {
    const isOauth = String(c.kind || '').toLowerCase().replace(/[-_]/g, '') === 'oauth2' || String(c.kind || '').toLowerCase() === 'oauth';
    const apiKey = !isOauth && isApiKey(c);
    const status = el('div', { class: 'cred-status' },
      el('span', { class: 'cred-state', testid: 'credential-state-' + name, dataset: { connected: String(!!c.connected) } },
        el('span', { class: 'pill ' + (c.connected ? 'pill-ok' : 'pill-warn'), testid: 'credential-status', dataset: { credential: name, connected: String(!!c.connected) } }, c.connected ? 'Connected' : 'Not connected')),
      c.connected && c.connected_at ? el('span', { class: 'muted small' }, 'since ' + formatDateTime(c.connected_at)) : null,
      isOauth ? pill(c.oauth_configured ? 'OAuth client set' : 'OAuth client not set', c.oauth_configured ? 'muted' : 'warn', 'oauth-configured') : null);
    const card = el('section', { class: 'card credential-card', testid: 'credential-' + name, dataset: { credential: name } },
      el('div', { class: 'card-head' },
        el('h2', { class: 'card-title' }, 'Connection', el('span', { class: 'muted small' }, ' \u00b7 ' + name + ' (' + (c.kind || 'credential') + ')')),
        status));

    const actions = el('div', { class: 'form-actions' });
    if (isOauth) {
      const connect = el('button', { type: 'button', class: 'btn btn-primary', testid: 'connect' }, c.connected ? 'Reconnect' : 'Connect');
      connect.addEventListener('click', async () => {
        connect.disabled = true;
        try {
          const answer = await api('POST', pluginPath(p.id) + '/connect', { credential: name });
          const target = safeHref(answer.authorize_url, true);
          if (!target) throw new Error('The server gave no usable authorization address.');
          location.assign(target);
        } catch (e) {
          toast(e.message, 'error');
          connect.disabled = false;
        }
      });
      actions.appendChild(connect);
    }
    if (c.connected) {
      const disconnect = el('button', { type: 'button', class: 'btn', testid: 'disconnect' }, 'Disconnect');
      disconnect.addEventListener('click', async () => {
        disconnect.disabled = true;
        try {
          const updated = await api('POST', pluginPath(p.id) + '/disconnect');
          toast((updated.name || p.name) + ' is disconnected.');
          onChange(updated);
        } catch (e) {
          toast(e.message, 'error');
          disconnect.disabled = false;
        }
      });
      actions.appendChild(disconnect);
    }
    if (!isOauth && !apiKey && !c.connected) {
      card.appendChild(el('p', { class: 'muted' }, 'This credential is not connected yet.'));
    }
    if (apiKey) card.appendChild(apiKeyForm(p, name, c, onChange));
    if (actions.childNodes.length) card.appendChild(actions);

    if (isOauth) {
      const id = (k) => 'oauth-' + name + '-' + k;
      const known = (p.oauth && p.oauth[name]) || {};
      const clientId = el('input', { id: id('client-id'), type: 'text', autocomplete: 'off', required: true, testid: 'oauth-client-id', value: known.client_id || '' });
      const secret = el('input', { id: id('client-secret'), type: 'password', autocomplete: 'new-password', required: true, testid: 'oauth-client-secret', placeholder: c.oauth_configured ? 'Stored; type it again to change the client' : '' });
      const authorize = el('input', { id: id('authorize-url'), type: 'url', autocomplete: 'off', testid: 'oauth-authorize-url', placeholder: 'The manifest\u2019s authorization URL', value: known.authorize_url || '' });
      const token = el('input', { id: id('token-url'), type: 'url', autocomplete: 'off', testid: 'oauth-token-url', placeholder: 'The manifest\u2019s token URL', value: known.token_url || '' });
      const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'oauth-error' });
      const save = el('button', { type: 'submit', class: 'btn', testid: 'oauth-save' }, 'Save OAuth client');
      const form = el('form', { class: 'subform', testid: 'oauth-form' },
        el('h3', { class: 'subhead' }, 'OAuth client'),
        el('p', { class: 'muted small' }, 'Register Deskpane as a client in the CRM\u2019s developer console with the redirect URI ',
          el('code', { testid: 'oauth-redirect' }, location.origin + '/oauth/callback'), ', then enter the client here.'),
        el('div', { class: 'form-grid' },
          el('div', { class: 'field' }, el('label', { for: id('client-id') }, 'Client ID'), clientId),
          el('div', { class: 'field' }, el('label', { for: id('client-secret') }, 'Client secret'), secret),
          el('div', { class: 'field' }, el('label', { for: id('authorize-url') }, 'Authorization URL (optional)'), authorize),
          el('div', { class: 'field' }, el('label', { for: id('token-url') }, 'Token URL (optional)'), token)),
        error,
        el('div', { class: 'form-actions' }, save));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        error.hidden = true;
        const client = { client_id: clientId.value.trim(), client_secret: secret.value };
        if (authorize.value.trim()) client.authorize_url = authorize.value.trim();
        if (token.value.trim()) client.token_url = token.value.trim();
        save.disabled = true;
        try {
          const updated = await api('PATCH', pluginPath(p.id), { oauth: { [name]: client } });
          toast('OAuth client saved. Click Connect to authorize.');
          onChange(updated);
        } catch (e) {
          error.textContent = formError(e);
          error.hidden = false;
          save.disabled = false;
        }
      });
      const details = el('details', { class: 'oauth-details', open: !c.oauth_configured }, el('summary', {}, 'OAuth client settings'), form);
      card.appendChild(details);
    }
    return card;
  }

  function accessRequestRow(p, r, onChange) {
    const resend = el('button', { type: 'button', class: 'btn btn-small', testid: 'access-resend' }, 'Resend');
    resend.addEventListener('click', async () => {
      resend.disabled = true;
      try {
        await api('POST', pluginPath(p.id) + '/access-requests/' + encodeURIComponent(r.id) + '/resend');
        toast('Invitation sent again to ' + r.email + '.');
        onChange();
      } catch (e) {
        toast(e.message, 'error');
        resend.disabled = false;
      }
    });
    const href = safeHref(r.approve_url, true);
    return el('tr', { testid: 'access-request', dataset: { id: r.id, status: r.status } },
      el('td', { testid: 'access-request-email' }, r.email),
      el('td', {}, el('span', { class: 'pill ' + (r.status === 'approved' ? 'pill-ok' : 'pill-warn'), testid: 'access-request-status' }, r.status === 'approved' ? 'Approved' : 'Pending')),
      el('td', { class: 'num', testid: 'access-request-sent' }, String(r.sent_count)),
      el('td', { class: 'muted nowrap' }, formatDateTime(r.created_at)),
      el('td', { class: 'approve-cell' }, href
        ? el('a', { href, target: '_blank', rel: 'noopener', testid: 'access-approve-link', class: 'mono small' }, new URL(href, location.origin).href)
        : el('span', { class: 'muted' }, '—')),
      el('td', {}, r.status === 'approved' ? null : resend));
  }

  function portalLinkCard(p, onChange) {
    const requests = p.access_requests || [];
    const email = el('input', { type: 'email', id: 'access-email', required: true, placeholder: 'crm-admin@example.com', testid: 'access-email' });
    const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'access-submit' }, 'Request access');
    const error = el('p', { class: 'form-error', role: 'alert', hidden: true, testid: 'access-error' });
    const form = el('form', { class: 'subform inline-form', testid: 'access-form', hidden: !requests.length },
      el('div', { class: 'field grow' }, el('label', { for: 'access-email' }, 'CRM administrator\u2019s email'), email),
      submit);
    const toggle = el('button', { type: 'button', class: 'btn btn-link', testid: 'portal-link-toggle', 'aria-expanded': String(!!requests.length) }, 'Use another user\u2019s portal link');
    toggle.addEventListener('click', () => {
      form.hidden = !form.hidden;
      toggle.setAttribute('aria-expanded', String(!form.hidden));
      if (!form.hidden) email.focus();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hidden = true;
      submit.disabled = true;
      try {
        const r = await api('POST', pluginPath(p.id) + '/access-requests', { email: email.value.trim() });
        toast('Invitation sent to ' + r.email + '.');
        onChange();
      } catch (e) {
        error.textContent = formError(e);
        error.hidden = false;
        submit.disabled = false;
      }
    });
    const table = requests.length
      ? el('table', { class: 'table compact', testid: 'access-requests' },
        el('thead', {}, el('tr', {}, ['Email', 'Status', 'Sent', 'Requested', 'Approve link (demo)', ''].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, requests.map((r) => accessRequestRow(p, r, onChange))))
      : null;
    return el('section', { class: 'card', testid: 'portal-link-card' },
      el('div', { class: 'card-head' }, el('h2', { class: 'card-title' }, 'Not a CRM administrator?'), toggle),
      el('p', { class: 'muted' }, 'Invite someone with admin access to the CRM. They get an email with a link; once they approve, the CRM is connected with their authorization. Resend the invitation if it did not arrive.'),
      form, error, table);
  }

  function dangerCard(p) {
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

  async function pluginPage(seq, id) {
    const content = shell('plugins');
    content.appendChild(loading());
    let plugin;
    let permissions;
    try {
      const answer = await api('GET', '/api/admin/plugins');
      plugin = (answer.plugins || []).find((x) => x.id === id);
      if (plugin) permissions = await api('GET', pluginPath(id) + '/permissions').catch((e) => ({ error: e }));
    } catch (e) { guard(seq, e, content); return; }
    if (guard(seq, null, content)) return;
    clear(content);
    if (!plugin) {
      append(content, el('a', { href: '#plugins', class: 'crumb' }, '← Integrations'), errorBox('No plugin “' + id + '” is installed.', 'plugin-missing'));
      return;
    }
    document.title = plugin.name + ' · Deskpane admin';
    const refresh = () => { if (seq === renderSeq) pluginPage(++renderSeq, id); };
    const credentials = plugin.credentials || {};
    const hasOauth = Object.values(credentials).some((c) => /oauth/i.test(String(c.kind || '')));
    const sandbox = sandboxCard(plugin, refresh);
    const installedNotice = flash === 'installed'
      ? el('p', { class: 'hint', role: 'status', testid: 'install-notice' },
        (plugin.name || plugin.id) + ' is installed and disabled. Review its sandbox below (the hosts it may reach and the limits it runs with), configure it, then enable it with the switch.')
      : null;
    if (flash === 'installed') flash = null;
    append(content, 
      el('a', { href: '#plugins', class: 'crumb', testid: 'back-to-plugins' }, '← Integrations'),
      el('div', { class: 'page-head plugin-page-head', testid: 'plugin-page', dataset: { plugin: plugin.id } },
        el('div', { class: 'plugin-head-main' },
          el('div', { class: 'plugin-icon', 'aria-hidden': 'true' }, initials(plugin.name || plugin.id)),
          el('div', {},
            el('h1', { testid: 'plugin-name' }, plugin.name || plugin.id),
            el('div', { class: 'muted' }, 'v' + plugin.version + ' \u00b7 ' + (plugin.publisher || 'unknown publisher') + ' \u00b7 ', el('code', {}, plugin.id)),
            el('div', { class: 'chips' }, statusChip(plugin)))),
        el('div', { class: 'plugin-actions' }, enabledSwitch(plugin, (updated) => sandbox.setEnabled(updated.enabled)))),
      plugin.description ? el('p', { class: 'plugin-desc' }, plugin.description) : null,
      plugin.status !== 'ok' ? errorBox(plugin.status, 'plugin-status-text') : null,
      installedNotice,
      sandbox.card,
      Object.entries(credentials).map(([name, c]) => credentialCard(plugin, name, c, refresh)),
      hasOauth ? portalLinkCard(plugin, refresh) : null,
      configCard(plugin, refresh),
      el('section', { class: 'card', testid: 'plugin-permissions' },
        el('h2', { class: 'card-title' }, 'Permissions'),
        el('p', { class: 'muted' }, 'What each profile sees of this panel. Changes are saved as you make them.'),
        permissions && permissions.error
          ? errorBox(permissions.error.message)
          : permissionTable(plugin, (permissions && permissions.permissions) || {})),
      dangerCard(plugin));
  }

  // ---------------------------------------------------------------- sync

  const SYNC_MODULES = [
    ['contacts', 'Contacts'],
    ['accounts', 'Accounts'],
    ['products', 'Products'],
  ];
  const MODULE_LABELS = { contacts: 'Contacts', accounts: 'Accounts', products: 'Products' };
  /** What a module's records are matched by before they are mapped (the seeds' duplicate check). */
  const DUPLICATE_CHECK = {
    contacts: 'Contacts are matched by email address; all contacts sync, with or without one.',
    accounts: 'Accounts are matched by account name.',
    products: 'Products are matched by product name.',
  };
  /** The seeds' associates: what "Delete only if no associates" looks at. */
  const ASSOCIATES = {
    contacts: 'tickets, time entries, activities and attachments',
    accounts: 'tickets, contacts, contracts and attachments',
    products: 'attachments',
  };
  /** The seeds' common failure reasons and what they mean. */
  const FAILURE_HELP = [
    ['CRM ID is already mapped with another Support Entity', 'The record seems to be a duplicate: its original is already mapped with its counterpart in the other database.'],
    ['Text value is given for an Integer field', 'A Text field is mapped to an Integer field in the field mapping; fix the value or the mapping, then Try Again.'],
    ['Mandatory Field Missing', 'A field the other side requires is not mapped or is empty.'],
    ['Missing Parameter / Incorrect API parameter or Parameter Value', 'A back-end call went wrong (extremely rare); Try Again later.'],
  ];

  /** Installed plugins whose manifests list modules to sync: [{id, name}], once known. */
  let syncPlugins = null;

  async function loadSyncPlugins(plugins) {
    const all = plugins || (await api('GET', '/api/admin/plugins')).plugins || [];
    const found = await Promise.all(all.map((p) => api('GET', pluginPath(p.id) + '/sync').then(
      (o) => (Object.keys((o && o.settings && o.settings.modules) || {}).length ? { id: p.id, name: p.name || p.id } : null),
      () => null)));
    syncPlugins = found.filter(Boolean);
    paintSyncNav();
    return syncPlugins;
  }

  /** The sidebar's links under Sync, one per plugin that syncs records. */
  function paintSyncNav() {
    const box = document.getElementById('sync-subnav');
    if (!box) return;
    const where = parseHash();
    const current = where.page === 'sync' ? (where.id || (syncPlugins && syncPlugins[0] && syncPlugins[0].id)) : null;
    clear(box);
    for (const p of syncPlugins || []) {
      box.appendChild(el('a', { href: '#sync=' + encodeURIComponent(p.id), class: current === p.id ? 'active' : '', testid: 'sync-nav-plugin', dataset: { plugin: p.id } }, p.name));
    }
  }

  function splitList(text) {
    return String(text || '').split(',').map((x) => x.trim()).filter(Boolean);
  }

  /** "Text(40)" -> "Text", "Ref(Account)" -> "Lookup", "Choice([..])" -> "Pick list". */
  function deskTypeName(type) {
    const t = String(type || '');
    if (/^Text/.test(t)) return 'Text';
    if (/^Ref\(/.test(t)) return 'Lookup';
    if (/^Choice/.test(t)) return 'Pick list';
    return t.replace(/\(.*$/, '') || 'Text';
  }

  function directionText(direction, crmName) {
    return direction === 'desk-to-crm' ? 'Desk \u2192 ' + crmName : crmName + ' \u2192 Desk';
  }

  /**
   * Which CRM list views of a module sync: a checklist of the CRM's views
   * (ctx.listViews[module], from .../sync/list-views/{module}), ticked when
   * saved; saved ids the CRM no longer lists stay as ticked items labelled by
   * their id. Nothing ticked = all records. When the views could not be read
   * (plugin disabled, CRM error) it falls back to a text field of ids with
   * the server's sentence beside it. Returns { field, value() }.
   */
  function listViewPicker(ctx, module, saved, onChange) {
    const label = (MODULE_LABELS[module] || module).toLowerCase();
    const crmName = ctx.plugin.name || ctx.plugin.id;
    const views = ctx.listViews[module];
    const inputId = 'sync-' + module + '-list-views';

    if (!Array.isArray(views)) {
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

    const boxes = [];
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

  function moduleCard(ctx, module) {
    const label = MODULE_LABELS[module] || module;
    const crmName = ctx.plugin.name || ctx.plugin.id;
    const initial = ctx.settings.modules[module];
    const meta = ctx.fields[module];
    const metaError = meta instanceof Error ? meta : null;
    const crmFields = metaError ? [] : (meta && meta.crm) || [];
    const deskFields = metaError ? [] : (meta && meta.desk) || [];
    const id = (k) => 'sync-' + module + '-' + k;

    // -- enable, status, configure
    const status = el('div', { class: 'chips sync-module-status', testid: 'sync-status-' + module });
    const enabled = switchInput(initial.enabled, 'sync-enabled-' + module, initial.enabled ? 'Enabled' : 'Off', (on, input) => {
      input.closest('.switch').querySelector('.switch-label').textContent = on ? 'Enabled' : 'Off';
      if (on) setOpen(true);
      changed();
    });
    const configure = el('button', { type: 'button', class: 'btn btn-small', testid: 'sync-configure-' + module, 'aria-expanded': 'false', 'aria-controls': id('body') }, 'Configure');

    // -- sync type, list views, secondary email, departments
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

    // -- field mapping
    const rows = el('tbody', {});
    const mappingTable = el('table', { class: 'table compact sync-mapping', testid: 'sync-mapping-' + module },
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col' }, 'Desk field'),
        el('th', { scope: 'col', class: 'sync-arrow-col', 'aria-label': 'Direction' }, ''),
        el('th', { scope: 'col' }, crmName + ' field'),
        el('th', { scope: 'col', class: 'sync-remove-col' }, el('span', { class: 'sr-only' }, 'Remove')))),
      rows);

    function crmOptions(selected) {
      const known = crmFields.filter((f) => !f.read_only || f.name === selected);
      const options = [el('option', { value: '', selected: !selected }, '\u2014 choose a field \u2014')];
      if (selected && !known.some((f) => f.name === selected)) options.push(el('option', { value: selected, selected: true }, selected));
      for (const f of known) {
        options.push(el('option', { value: f.name, selected: f.name === selected },
          (f.label || f.name) + (f.mandatory ? ' *' : '') + ' \u00b7 ' + f.type));
      }
      return options;
    }

    function deskOptions(selected) {
      const options = [el('option', { value: '', selected: !selected }, '\u2014 choose a field \u2014')];
      if (selected && !deskFields.some((f) => f.name === selected)) options.push(el('option', { value: selected, selected: true }, selected));
      for (const f of deskFields) {
        options.push(el('option', { value: f.name, selected: f.name === selected }, f.name + (f.required ? ' *' : '') + ' \u00b7 ' + deskTypeName(f.type)));
      }
      return options;
    }

    function arrowText() {
      return direction.value === 'crm-to-desk' ? '\u2190' : '\u21c4';
    }

    function mappingRow(pair, custom) {
      const deskInput = custom
        ? el('input', { type: 'text', class: 'mono', autocomplete: 'off', spellcheck: 'false', testid: 'sync-field-desk', 'aria-label': 'Custom desk field', placeholder: 'cf_field_name', value: pair.desk || 'cf_' })
        : el('select', { testid: 'sync-field-desk', 'aria-label': 'Desk field' }, deskOptions(pair.desk));
      const crmSelect = el('select', { testid: 'sync-field-crm', 'aria-label': crmName + ' field' }, crmOptions(pair.crm));
      // Types are in the options' text; a custom desk field takes the CRM field's type.
      const deskType = custom ? el('div', { class: 'sync-type small muted' }, 'Custom field \u00b7 takes the ' + crmName + ' field\u2019s type') : null;
      const remove = el('button', { type: 'button', class: 'btn btn-ghost btn-small sync-remove', testid: 'sync-field-remove', title: 'Remove this mapping', 'aria-label': 'Remove this mapping' }, '\u2715');
      const row = el('tr', { testid: 'sync-field-row', dataset: { custom: String(!!custom) } },
        el('td', {}, deskInput, deskType),
        el('td', { class: 'sync-arrow', 'aria-hidden': 'true' }, arrowText()),
        el('td', {}, crmSelect),
        el('td', { class: 'sync-remove-col' }, remove));
      function types() {
        const c = crmFields.find((f) => f.name === crmSelect.value);
        crmSelect.title = c ? (c.label || c.name) + ' (' + c.name + '): ' + c.type + (c.mandatory ? ', mandatory' : '') : '';
        row.dataset.desk = deskInput.value.trim();
        row.dataset.crm = crmSelect.value;
      }
      deskInput.addEventListener(custom ? 'input' : 'change', () => { types(); changed(); });
      crmSelect.addEventListener('change', () => { types(); changed(); });
      remove.addEventListener('click', () => { row.remove(); changed(); });
      types();
      return row;
    }

    for (const pair of initial.fields || []) rows.appendChild(mappingRow(pair, /^cf_/.test(pair.desk)));
    const addField = el('button', { type: 'button', class: 'btn btn-small', testid: 'sync-add-field' }, '+ Add field');
    const addCustom = el('button', { type: 'button', class: 'btn btn-small', testid: 'sync-add-custom-field' }, '+ Add custom desk field');
    addField.addEventListener('click', () => {
      const row = mappingRow({ desk: '', crm: '' }, false);
      rows.appendChild(row);
      row.querySelector('select').focus();
      changed();
    });
    addCustom.addEventListener('click', () => {
      const row = mappingRow({ desk: '', crm: '' }, true);
      rows.appendChild(row);
      const input = row.querySelector('input');
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
      changed();
    });

    // -- delete preferences
    function radioGroup(name, legend, choices, value, testPrefix) {
      const inputs = choices.map(([v, title, help]) => {
        const input = el('input', { type: 'radio', name: id(name), value: v, id: id(name + '-' + v), checked: v === value, testid: testPrefix + '-' + v });
        input.addEventListener('change', changed);
        return [input, el('label', { class: 'radio', for: id(name + '-' + v) }, input,
          el('span', {}, el('span', { class: 'radio-title' }, title), el('span', { class: 'radio-help' }, help)))];
      });
      const fieldset = el('fieldset', { class: 'radio-group', testid: testPrefix }, el('legend', {}, legend), inputs.map(([, labelEl]) => labelEl));
      return { fieldset, value: () => (inputs.find(([i]) => i.checked) || [{ value: value }])[0].value, inputs: inputs.map(([i]) => i) };
    }
    const crmDelete = radioGroup('crm-delete', 'On deleting a ' + crmName + ' record', [
      ['always', 'Always delete the corresponding record in Desk', 'Moves it and its associates to the recycle bin.'],
      ['if-no-associates', 'Delete record in Desk if there are no associates', 'Moves it to the recycle bin only when it has no ' + ASSOCIATES[module] + '; otherwise removes the mapping.'],
      ['never', 'Never delete the corresponding record in Desk', 'Removes only the mapping between the records.'],
    ], initial.on_crm_delete || 'never', 'sync-crm-delete-' + module);
    const deskDelete = radioGroup('desk-delete', 'On deleting a Desk record', [
      ['always', 'Always delete the corresponding record in ' + crmName, 'Moves it and its associates to the ' + crmName + ' recycle bin.'],
      ['never', 'Never delete the corresponding record in ' + crmName, 'Removes only the mapping between the records.'],
    ], initial.on_desk_delete || 'never', 'sync-desk-delete-' + module);
    const deskDeleteNote = el('p', { class: 'help sync-oneway-note', testid: 'sync-desk-delete-note-' + module }, 'One-way sync sends nothing to ' + crmName + ', so deleting a Desk record never deletes a ' + crmName + ' record.');

    // -- save
    const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'sync-error' });
    const savedNote = el('span', { class: 'saved-note', testid: 'sync-saved', hidden: true }, '\u2713 Saved');
    const unsaved = el('span', { class: 'muted small', testid: 'sync-unsaved', hidden: true }, 'Unsaved changes');
    const save = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'sync-save' }, 'Save');

    const body = el('div', { class: 'sync-module-body', id: id('body'), hidden: true },
      el('div', { class: 'sync-options' },
        el('div', { class: 'field' }, el('label', { for: id('direction') }, 'Sync Type'), direction, directionHelp),
        secondary ? el('div', { class: 'field field-check' },
          el('div', { class: 'check-row' }, secondary, el('label', { for: id('secondary-email') }, 'Use secondary email for mapping contacts')),
          el('div', { class: 'help' }, 'By default the primary email is used to find duplicates. A contact matched by its secondary email gets the ' + crmName + ' contact\u2019s email as its primary email in Desk.')) : null,
        listViews.field,
        departments ? el('div', { class: 'field' }, el('label', { for: id('departments') }, 'Departments (empty = all departments)'), departments,
          el('div', { class: 'help' }, 'Only the products of these departments sync. Separate names with commas.')) : null,
        el('h3', { class: 'subhead sync-subhead' }, 'Delete preferences'),
        crmDelete.fieldset,
        deskDelete.fieldset,
        deskDeleteNote),
      el('div', { class: 'sync-fields' },
        el('div', { class: 'sync-fields-head' },
          el('h3', { class: 'subhead' }, 'Field mapping'),
          el('span', { class: 'muted small' }, '* mandatory')),
        el('p', { class: 'muted small sync-fields-intro' }, 'Associate each Desk field with the ' + crmName + ' field it syncs with. ' + DUPLICATE_CHECK[module]),
        metaError ? errorBox('The ' + crmName + ' fields could not be read: ' + metaError.message, 'sync-fields-error') : null,
        el('div', { class: 'sync-mapping-wrap' }, mappingTable),
        el('div', { class: 'sync-add-row' }, addField, addCustom)));

    const form = el('form', { class: 'card sync-module', testid: 'sync-module-' + module, dataset: { module } },
      el('div', { class: 'sync-module-head' },
        el('div', { class: 'sync-module-title' },
          el('h2', { class: 'card-title' }, label),
          status),
        el('div', { class: 'plugin-actions' }, enabled, configure)),
      body,
      el('div', { class: 'sync-module-foot', hidden: true },
        error,
        el('div', { class: 'form-actions' }, save, savedNote, unsaved)));
    const foot = form.querySelector('.sync-module-foot');

    function setOpen(open) {
      body.hidden = !open;
      foot.hidden = !open;
      configure.textContent = open ? 'Hide' : 'Configure';
      configure.setAttribute('aria-expanded', String(open));
      form.classList.toggle('open', open);
    }
    configure.addEventListener('click', () => setOpen(body.hidden));

    function paintDirection() {
      const oneWay = direction.value === 'crm-to-desk';
      directionHelp.textContent = oneWay
        ? crmName + ' is the master: its changes reach Desk; Desk changes are not sent to ' + crmName + '.'
        : 'Changes on either side reach the other.';
      for (const input of deskDelete.inputs) input.disabled = oneWay;
      deskDelete.fieldset.classList.toggle('disabled', oneWay);
      deskDeleteNote.hidden = !oneWay;
      for (const cell of rows.querySelectorAll('.sync-arrow')) cell.textContent = arrowText();
    }
    direction.addEventListener('change', () => { paintDirection(); changed(); });
    for (const input of [departments, secondary]) if (input) input.addEventListener(input.type === 'checkbox' ? 'change' : 'input', changed);

    function changed() {
      savedNote.hidden = true;
      unsaved.hidden = false;
      error.hidden = true;
    }

    function read() {
      const fields = [];
      for (const row of rows.querySelectorAll('[data-testid=sync-field-row]')) {
        const desk = row.querySelector('[data-testid=sync-field-desk]').value.trim();
        const crm = row.querySelector('[data-testid=sync-field-crm]').value;
        if (!desk || !crm || desk === 'cf_') throw new Error('Choose a Desk field and a ' + crmName + ' field in every row of the field mapping, or remove the row.');
        if (row.dataset.custom === 'true' && !/^cf_[a-z0-9_]+$/.test(desk)) {
          throw new Error('Custom Desk fields are named cf_ followed by lowercase letters, digits or _ (e.g. cf_tickets); \u201c' + desk + '\u201d is not.');
        }
        fields.push({ desk, crm });
      }
      return Object.assign({}, ctx.settings.modules[module], {
        enabled: form.querySelector('[data-testid=sync-enabled-' + module + ']').checked,
        direction: direction.value,
        fields,
        secondary_email: secondary ? secondary.checked : !!initial.secondary_email,
        list_views: listViews.value(),
        departments: departments ? splitList(departments.value) : (initial.departments || []),
        on_crm_delete: crmDelete.value(),
        on_desk_delete: deskDelete.value(),
      });
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hidden = true;
      let mine;
      try { mine = read(); } catch (e) {
        error.textContent = e.message;
        error.hidden = false;
        return;
      }
      // The whole settings: the saved state of the other modules, this
      // module as on the form, and the current pause state.
      const next = Object.assign({}, ctx.settings, { modules: Object.assign({}, ctx.settings.modules, { [module]: mine }) });
      save.disabled = true;
      save.textContent = 'Saving\u2026';
      try {
        const answer = await api('PUT', pluginPath(ctx.plugin.id) + '/sync', next);
        ctx.settings = (answer && answer.settings) || next;
        unsaved.hidden = true;
        savedNote.hidden = false;
        toast(label + ' sync settings saved.' + (mine.enabled ? ' Changes start a sync.' : ''));
        ctx.onSettings();
        if (mine.enabled) ctx.expectRun();
      } catch (e) {
        if (e.status === 401) { start(); return; }
        error.textContent = e.message;
        error.hidden = false;
      } finally {
        save.disabled = false;
        save.textContent = 'Save';
      }
    });

    /** Repaints the header chips from the saved settings and the overview. */
    function paintStatus() {
      const s = ctx.settings.modules[module];
      const m = (ctx.overview.modules || {})[module] || {};
      clear(status);
      append(status,
        s.enabled ? pill('Syncing', 'ok', 'sync-module-on') : pill('Off', 'muted', 'sync-module-off'),
        s.enabled ? pill(s.direction === 'crm-to-desk' ? 'One-way: ' + crmName + ' \u2192 Desk' : 'Two-way', 'muted') : null,
        pill((m.mapped || 0) + ' mapped', 'muted', 'sync-mapped-' + module),
        m.first_sync_done ? pill('First sync done', 'muted') : (s.enabled ? pill('First sync pending', 'warn') : null));
    }

    paintDirection();
    paintStatus();
    setOpen(!!initial.enabled);
    return { form, paintStatus };
  }

  function syncHistoryTable(ctx) {
    const crmName = ctx.plugin.name || ctx.plugin.id;
    if (!ctx.history.length) {
      return el('p', { class: 'empty', testid: 'sync-history-empty' }, 'No records were synced in the last 7 days.');
    }
    return el('table', { class: 'table sync-table', testid: 'sync-history' },
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col' }, 'Date'),
        el('th', { scope: 'col' }, 'Sync'),
        el('th', { scope: 'col' }, 'Record type'),
        el('th', { scope: 'col', class: 'num' }, 'Added'),
        el('th', { scope: 'col', class: 'num' }, 'Updated'),
        el('th', { scope: 'col', class: 'num' }, 'Failed'))),
      el('tbody', {}, ctx.history.map((h) => el('tr', { testid: 'sync-history-row', dataset: { direction: h.direction, module: h.module } },
        el('td', { class: 'nowrap', testid: 'sync-history-at' }, formatDateTime(h.at)),
        el('td', { class: 'nowrap', testid: 'sync-history-direction' }, directionText(h.direction, crmName)),
        el('td', { testid: 'sync-history-module' }, MODULE_LABELS[h.module] || h.module),
        el('td', { class: 'num', testid: 'sync-history-added' }, String(h.added)),
        el('td', { class: 'num', testid: 'sync-history-updated' }, String(h.updated)),
        el('td', { class: 'num' + (h.failed ? ' sync-failed-count' : ''), testid: 'sync-history-failed' }, String(h.failed))))));
  }

  function failureTable(ctx, filter, onRetried) {
    const crmName = ctx.plugin.name || ctx.plugin.id;
    const shown = ctx.failures.filter((f) => filter === 'all' || f.module === filter);
    if (!shown.length) {
      return el('p', { class: 'empty', testid: 'sync-failures-empty' }, ctx.failures.length ? 'No failures for this record type.' : 'No failures: every record synced.');
    }
    return el('table', { class: 'table sync-table', testid: 'sync-failures' },
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col' }, 'Failed at'),
        el('th', { scope: 'col' }, 'Record'),
        el('th', { scope: 'col' }, 'Sync'),
        el('th', { scope: 'col' }, 'Reason'),
        el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Try Again')))),
      el('tbody', {}, shown.map((f) => {
        const retry = el('button', { type: 'button', class: 'btn btn-small', testid: 'sync-retry' }, 'Try Again');
        retry.addEventListener('click', async () => {
          retry.disabled = true;
          retry.textContent = 'Trying\u2026';
          try {
            const answer = await api('POST', pluginPath(ctx.plugin.id) + '/sync/failures/' + encodeURIComponent(f.id) + '/retry');
            if (answer && answer.synced) toast('\u201c' + f.record + '\u201d synced.');
            else toast('\u201c' + f.record + '\u201d failed again; see the failure log.', 'error');
          } catch (e) {
            toast(e.message, 'error');
          }
          onRetried();
        });
        const ids = [f.desk_id ? 'Desk #' + f.desk_id : null, f.crm_id ? crmName + ' ' + f.crm_id : null].filter(Boolean).join(' \u00b7 ');
        return el('tr', { testid: 'sync-failure-row', dataset: { id: f.id, module: f.module, direction: f.direction } },
          el('td', { class: 'nowrap muted' }, formatDateTime(f.at)),
          el('td', {},
            el('div', { class: 'sync-record', testid: 'sync-failure-record' }, f.record),
            el('div', { class: 'muted small' }, (MODULE_LABELS[f.module] || f.module) + (ids ? ' \u00b7 ' + ids : ''))),
          el('td', { class: 'nowrap' }, directionText(f.direction, crmName)),
          el('td', { class: 'sync-reason', testid: 'sync-failure-reason' }, f.reason),
          el('td', { class: 'right' }, retry));
      })));
  }

  function progressText(ctx) {
    const crmName = ctx.plugin.name || ctx.plugin.id;
    const p = ctx.overview.progress || {};
    if (p.phase === 'import') return 'Importing from ' + crmName;
    if (p.phase === 'export') return 'Exporting to ' + crmName;
    return 'Starting';
  }

  async function syncPage(seq, id, tab) {
    const content = shell('sync');
    content.appendChild(loading());
    let plugins;
    try {
      plugins = (await api('GET', '/api/admin/plugins')).plugins || [];
      await loadSyncPlugins(plugins);
    } catch (e) { guard(seq, e, content); return; }
    if (guard(seq, null, content)) return;
    if (!id && syncPlugins.length) id = syncPlugins[0].id;
    const plugin = plugins.find((p) => p.id === id);
    if (!plugin || !syncPlugins.some((p) => p.id === id)) {
      append(clear(content),
        el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, 'Sync'),
          el('p', { class: 'muted' }, 'Keep contacts, accounts and products the same in Deskpane and a CRM.'))),
        id && !plugin ? errorBox('No plugin \u201c' + id + '\u201d is installed.', 'sync-missing')
          : el('div', { class: 'card' }, el('p', { class: 'empty', testid: 'sync-none' }, id
            ? (plugin.name || id) + ' does not sync records: its manifest lists no modules.'
            : 'No installed plugin syncs records. Install a CRM plugin whose manifest lists modules (contacts, accounts, products) under Integrations.')));
      return;
    }
    paintSyncNav();
    const base = pluginPath(id) + '/sync';
    let overview; let historyAnswer; let failures;
    try {
      [overview, historyAnswer, failures] = await Promise.all([api('GET', base), api('GET', base + '/history'), api('GET', base + '/failures')]);
    } catch (e) { guard(seq, e, content); return; }
    const modules = SYNC_MODULES.map(([m]) => m).filter((m) => overview.settings.modules[m]);
    const [fieldList, viewList] = await Promise.all([
      Promise.all(modules.map((m) => api('GET', base + '/fields/' + m).catch((e) => e))),
      Promise.all(modules.map((m) => api('GET', base + '/list-views/' + m).then((a) => (a && a.list_views) || [], (e) => e))),
    ]);
    if (guard(seq, null, content)) return;
    clear(content);
    document.title = 'Sync \u00b7 ' + (plugin.name || plugin.id) + ' \u00b7 Deskpane admin';
    const crmName = plugin.name || plugin.id;

    const ctx = {
      plugin,
      overview,
      settings: overview.settings,
      history: historyAnswer.entries || [],
      failures: failures.failures || [],
      fields: Object.fromEntries(modules.map((m, i) => [m, fieldList[i]])),
      listViews: Object.fromEntries(modules.map((m, i) => [m, viewList[i]])),
      onSettings: () => { paintControls(); paintProgress(); cards.forEach((c) => c.paintStatus()); },
      expectRun: () => { fastUntil = Date.now() + 4000; schedule(300); },
    };
    const live = () => seq === renderSeq;

    // -- global actions
    const startButton = el('button', { type: 'button', class: 'btn btn-primary', testid: 'sync-start' }, 'Start Sync');
    // Fields and list views are what the CRM said recently; ask it again.
    const refreshButton = el('button', { type: 'button', class: 'btn', testid: 'sync-refresh-fields', title: 'Ask ' + crmName + ' again for its fields and list views' }, 'Refresh CRM fields');
    refreshButton.addEventListener('click', async () => {
      refreshButton.disabled = true;
      try {
        await Promise.all(modules.flatMap((m) => [api('GET', base + '/fields/' + m + '?refresh=true'), api('GET', base + '/list-views/' + m + '?refresh=true')]));
        toast('Fields and list views reloaded from ' + crmName + '.');
      } catch (e) {
        if (e.status === 401) { start(); return; }
        toast(e.message, 'error');
      }
      if (live()) route();
    });
    const pauseButton = el('button', { type: 'button', class: 'btn', testid: 'sync-pause' }, 'Pause Sync');
    const resumeButton = el('button', { type: 'button', class: 'btn btn-primary', testid: 'sync-resume' }, 'Resume Sync');
    const progress = el('div', { class: 'sync-progress', role: 'status', 'aria-live': 'polite', testid: 'sync-progress' });
    const pausedBanner = el('div', { class: 'sync-paused', role: 'status', testid: 'sync-paused', hidden: true },
      el('strong', {}, 'Sync is paused.'),
      ' No data is exchanged or updated between Deskpane and ' + crmName + ' until you resume it.');
    const notice = [];
    if (!plugin.enabled) notice.push(crmName + ' is disabled; enable it under Integrations to sync.');
    for (const [name, c] of Object.entries(plugin.credentials || {})) {
      if (!c.connected) notice.push('The ' + name + ' connection of ' + crmName + ' is not connected; connect it under Integrations to sync.');
    }

    startButton.addEventListener('click', async () => {
      startButton.disabled = true;
      try {
        const answer = await api('POST', base + '/run');
        if (answer && answer.progress) ctx.overview.progress = answer.progress;
        requested = true;
        toast('Sync started.');
        ctx.expectRun();
        paintProgress();
      } catch (e) {
        if (e.status === 401) { start(); return; }
        toast(e.message, 'error');
      } finally {
        paintControls();
      }
    });

    async function setPaused(paused) {
      const button = paused ? pauseButton : resumeButton;
      button.disabled = true;
      try {
        const answer = await api('POST', base + (paused ? '/pause' : '/resume'));
        ctx.settings = Object.assign({}, ctx.settings, { paused: answer && answer.settings ? answer.settings.paused : paused });
        ctx.overview.settings = ctx.settings;
        toast(paused ? 'Sync is paused.' : 'Sync resumed.');
        if (!paused) ctx.expectRun();
      } catch (e) {
        if (e.status === 401) { start(); return; }
        toast(e.message, 'error');
      } finally {
        button.disabled = false;
        ctx.onSettings();
        paintProgress();
      }
    }
    pauseButton.addEventListener('click', () => setPaused(true));
    resumeButton.addEventListener('click', () => setPaused(false));

    function anyEnabled() {
      return Object.values(ctx.settings.modules || {}).some((m) => m.enabled);
    }

    function paintControls() {
      const paused = !!ctx.settings.paused;
      const running = !!(ctx.overview.progress && ctx.overview.progress.running);
      pauseButton.hidden = paused;
      resumeButton.hidden = !paused;
      pausedBanner.hidden = !paused;
      startButton.disabled = paused || running || !anyEnabled();
      startButton.title = paused ? 'Resume the sync first.' : (!anyEnabled() ? 'Enable and save at least one module first.' : '');
    }

    /** Where the sync stands: running (phase, module, records, first sync), paused, or idle. */
    function paintProgress() {
      const p = ctx.overview.progress || {};
      const paused = !!ctx.settings.paused;
      const state = p.running ? 'running' : (paused ? 'paused' : (p.last_error ? 'error' : 'idle'));
      progress.dataset.state = state;
      progress.className = 'sync-progress sync-progress-' + state;
      clear(progress);
      if (p.running) {
        append(progress,
          el('span', { class: 'spinner', 'aria-hidden': 'true' }),
          el('div', { class: 'sync-progress-main' },
            el('div', { class: 'sync-progress-title' },
              el('strong', {}, 'Syncing'),
              p.first_sync ? el('span', { class: 'pill pill-warn', testid: 'sync-first-sync' }, 'First sync') : null),
            el('div', { class: 'sync-progress-facts' },
              el('span', { testid: 'sync-progress-phase' }, progressText(ctx)),
              p.module ? el('span', { testid: 'sync-progress-module' }, MODULE_LABELS[p.module] || p.module) : null,
              el('span', { testid: 'sync-progress-done' }, p.done + (p.done === 1 ? ' record' : ' records') + ' done')),
            p.first_sync ? el('div', { class: 'muted small' }, 'The first sync imports and exports the records created during the last year in bulk; a large database can take hours.') : null));
        return;
      }
      const last = ctx.history[0];
      const icon = el('span', { class: 'sync-state-icon', 'aria-hidden': 'true' }, paused ? '\u275a\u275a' : (state === 'error' ? '!' : '\u2713'));
      const title = paused ? 'Paused' : (state === 'error' ? 'The last sync failed' : (anyEnabled() ? 'Up to date' : 'Not syncing'));
      append(progress, icon,
        el('div', { class: 'sync-progress-main' },
          el('div', { class: 'sync-progress-title' }, el('strong', { testid: 'sync-progress-state' }, title)),
          el('div', { class: 'sync-progress-facts muted' },
            last ? el('span', { testid: 'sync-last-run' }, 'Last sync ' + formatDateTime(last.at)) : el('span', {}, anyEnabled() ? 'No sync in the last 7 days.' : 'Enable a module below and save to start syncing.'),
            p.done ? el('span', { testid: 'sync-progress-done' }, p.done + (p.done === 1 ? ' record' : ' records') + ' handled in the last run') : null,
            requested && !p.done && !last ? el('span', {}, 'Nothing to sync.') : null),
          state === 'error' ? el('div', { class: 'sync-last-error', testid: 'sync-last-error' }, p.last_error) : null));
    }

    // -- tabs
    const failureCount = el('span', { class: 'tab-count', testid: 'sync-failure-count' });
    const tabs = [
      ['settings', 'Configuration'],
      ['history', 'Sync History'],
      ['failures', 'Failure Log'],
    ];
    const tabButtons = {};
    const panels = {};
    const tabBar = el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Sync' }, tabs.map(([key, text]) => {
      const b = el('button', { type: 'button', role: 'tab', class: 'tab', id: 'sync-tab-' + key, testid: 'sync-tab-' + key, 'aria-controls': 'sync-panel-' + key },
        text, key === 'failures' ? failureCount : null);
      b.addEventListener('click', () => showTab(key));
      tabButtons[key] = b;
      return b;
    }));
    function showTab(key) {
      for (const [k] of tabs) {
        tabButtons[k].setAttribute('aria-selected', String(k === key));
        tabButtons[k].classList.toggle('active', k === key);
        tabButtons[k].tabIndex = k === key ? 0 : -1;
        panels[k].hidden = k !== key;
      }
      const hash = '#sync=' + encodeURIComponent(id) + (key === 'settings' ? '' : '&tab=' + key);
      if (location.hash !== hash) history.replaceState(null, '', hash);
    }

    // Configuration
    const cards = modules.map((m) => moduleCard(ctx, m));
    panels.settings = el('div', { role: 'tabpanel', id: 'sync-panel-settings', 'aria-labelledby': 'sync-tab-settings', testid: 'sync-settings' },
      cards.map((c) => c.form));

    // Sync history
    const historyBody = el('div', { class: 'sync-table-wrap' });
    const historyRefresh = el('button', { type: 'button', class: 'btn btn-small', testid: 'sync-history-refresh' }, 'Refresh');
    historyRefresh.addEventListener('click', () => reload());
    panels.history = el('div', { role: 'tabpanel', id: 'sync-panel-history', 'aria-labelledby': 'sync-tab-history' },
      el('section', { class: 'card table-card' },
        el('div', { class: 'card-head sync-card-head' },
          el('div', {}, el('h2', { class: 'card-title' }, 'Sync history'),
            el('p', { class: 'muted small' }, 'Records synced during the last 7 days, newest first.')),
          historyRefresh),
        historyBody));

    // Failure log
    let filter = 'all';
    const filterBar = el('div', { class: 'segmented', role: 'group', 'aria-label': 'Record type', testid: 'sync-failure-filter' });
    const failureBody = el('div', { class: 'sync-table-wrap' });
    const help = el('details', { class: 'sync-help' }, el('summary', {}, 'What do these reasons mean?'),
      el('dl', {}, FAILURE_HELP.map(([m, d]) => [el('dt', {}, m), el('dd', {}, d)])));
    panels.failures = el('div', { role: 'tabpanel', id: 'sync-panel-failures', 'aria-labelledby': 'sync-tab-failures' },
      el('section', { class: 'card table-card' },
        el('div', { class: 'card-head sync-card-head' },
          el('div', {}, el('h2', { class: 'card-title' }, 'Failure log'),
            el('p', { class: 'muted small' }, 'Records that could not be synced, and why. Fix the cause, then click Try Again.')),
          filterBar),
        failureBody,
        el('div', { class: 'sync-help-wrap' }, help)));

    function paintTables() {
      clear(historyBody).appendChild(syncHistoryTable(ctx));
      const counts = { all: ctx.failures.length };
      for (const m of modules) counts[m] = ctx.failures.filter((f) => f.module === m).length;
      clear(filterBar);
      for (const key of ['all'].concat(modules)) {
        const b = el('button', { type: 'button', class: 'seg' + (filter === key ? ' on' : ''), 'aria-pressed': String(filter === key), testid: 'sync-failure-filter-' + key },
          (key === 'all' ? 'All' : MODULE_LABELS[key]) + ' (' + counts[key] + ')');
        b.addEventListener('click', () => { filter = key; paintTables(); });
        filterBar.appendChild(b);
      }
      clear(failureBody).appendChild(failureTable(ctx, filter, () => reload()));
      failureCount.textContent = ctx.failures.length ? String(ctx.failures.length) : '';
      failureCount.hidden = !ctx.failures.length;
    }

    // -- polling: every second while a sync runs (or is expected), else every 5 s
    let timer = null;
    let fastUntil = 0;
    let wasRunning = !!(overview.progress && overview.progress.running);
    let requested = false;
    let lastSeen = '';
    function schedule(ms) {
      clearTimeout(timer);
      if (!live()) return;
      timer = setTimeout(poll, ms);
    }
    async function reload() {
      try {
        const [h, f] = await Promise.all([api('GET', base + '/history'), api('GET', base + '/failures')]);
        if (!live()) return;
        ctx.history = h.entries || [];
        ctx.failures = f.failures || [];
        paintTables();
        paintProgress();
      } catch (e) {
        if (e.status === 401) start();
      }
    }
    async function poll() {
      if (!live()) return;
      let o;
      try { o = await api('GET', base); } catch (e) {
        if (e.status === 401) { start(); return; }
        schedule(5000);
        return;
      }
      if (!live()) return;
      ctx.overview = o;
      ctx.settings = Object.assign({}, ctx.settings, { paused: o.settings.paused });
      const running = !!(o.progress && o.progress.running);
      const seen = JSON.stringify([o.progress, o.modules, o.failures]);
      if (!running && (wasRunning || seen !== lastSeen)) await reload();
      lastSeen = seen;
      wasRunning = running;
      if (!live()) return;
      paintControls();
      paintProgress();
      cards.forEach((c) => c.paintStatus());
      schedule(running || Date.now() < fastUntil ? 1000 : 5000);
    }
    lastSeen = JSON.stringify([overview.progress, overview.modules, overview.failures]);

    append(content,
      el('div', { class: 'page-head sync-page-head', testid: 'sync-page', dataset: { plugin: plugin.id } },
        el('div', { class: 'plugin-head-main' },
          el('div', { class: 'plugin-icon', 'aria-hidden': 'true' }, initials(crmName)),
          el('div', {},
            el('h1', {}, 'Sync \u00b7 ' + crmName),
            el('p', { class: 'muted' }, 'Keep contacts, accounts and products the same in Deskpane and ' + crmName + '. Creating, updating or deleting records on either side starts a sync.'))),
        el('div', { class: 'plugin-actions' }, refreshButton, pauseButton, resumeButton, startButton)),
      notice.map((n) => el('div', { class: 'hint sync-notice', testid: 'sync-notice' }, n)),
      pausedBanner,
      el('section', { class: 'card sync-status-card' }, progress,
        el('div', { class: 'sync-status-links' },
          el('a', { href: '#plugin=' + encodeURIComponent(plugin.id), class: 'small' }, crmName + ' settings and connection'))),
      tabBar,
      panels.settings, panels.history, panels.failures);
    paintControls();
    paintProgress();
    paintTables();
    showTab(['settings', 'history', 'failures'].includes(tab) ? tab : 'settings');
    schedule(wasRunning ? 1000 : 5000);
  }

  // ---------------------------------------------------------------- permission matrix

  const ACCESS_COLUMNS = [
    ['info', 'Information'],
    ['potentials', 'Potentials'],
    ['notes', 'Notes'],
  ];
  const ACTIVITY_COLUMNS = [
    ['calls', 'Calls'],
    ['events', 'Events'],
    ['tasks', 'Tasks'],
  ];

  function permissionRow(plugin, profile, initial) {
    const perms = Object.assign({ visible: true, show: 'contacts', info: 'full', potentials: 'full', notes: 'full', calls: 'full', events: 'full', tasks: 'full' }, initial);
    const status = el('span', { class: 'perm-status muted small', testid: 'perm-status', 'aria-live': 'polite' });
    const row = el('tr', { class: 'perm-row', testid: 'perm-row', dataset: { profile } });
    let chain = Promise.resolve();

    function save(before) {
      status.textContent = 'Saving…';
      status.className = 'perm-status muted small';
      const body = Object.assign({}, perms);
      chain = chain.then(async () => {
        try {
          const saved = await api('PUT', pluginPath(plugin.id) + '/permissions/' + encodeURIComponent(profile), body);
          if (saved && typeof saved === 'object') Object.assign(perms, saved);
          status.textContent = 'Saved';
          status.className = 'perm-status ok small';
        } catch (e) {
          Object.assign(perms, before);
          status.textContent = e.message;
          status.className = 'perm-status err small';
          toast(e.message, 'error');
        }
        paint();
      });
    }

    function change(key, value) {
      const before = Object.assign({}, perms);
      perms[key] = value;
      paint();
      save(before);
    }

    const visible = el('input', { type: 'checkbox', testid: 'perm-visible', 'aria-label': 'Visible to ' + profile });
    visible.addEventListener('change', () => change('visible', visible.checked));

    const showButtons = ['contacts', 'accounts'].map((value) => {
      const b = el('button', { type: 'button', class: 'seg', testid: 'perm-show-' + value }, value === 'contacts' ? 'Contacts' : 'Accounts');
      b.addEventListener('click', () => { if (perms.show !== value) change('show', value); });
      return [value, b];
    });
    const show = el('div', { class: 'segmented', role: 'group', testid: 'perm-show', 'aria-label': 'Show contacts or accounts to ' + profile }, showButtons.map(([, b]) => b));

    const accessButtons = {};
    function accessButton(key, label) {
      const b = el('button', { type: 'button', class: 'access', testid: 'perm-' + key, 'aria-label': label + ' for ' + profile });
      b.addEventListener('click', () => change(key, perms[key] === 'full' ? 'restricted' : 'full'));
      accessButtons[key] = b;
      return b;
    }

    function paint() {
      visible.checked = !!perms.visible;
      row.classList.toggle('hidden-profile', !perms.visible);
      for (const [value, b] of showButtons) {
        b.classList.toggle('on', perms.show === value);
        b.setAttribute('aria-pressed', String(perms.show === value));
      }
      for (const [key, b] of Object.entries(accessButtons)) {
        const full = perms[key] === 'full';
        b.textContent = full ? 'Full' : 'Restricted';
        b.title = (full ? 'Full access' : 'Restricted access') + ' \u2014 click to ' + (full ? 'restrict' : 'grant full access');
        b.className = 'access ' + (full ? 'access-full' : 'access-restricted');
        b.dataset.access = perms[key];
        b.setAttribute('aria-pressed', String(full));
      }
      row.dataset.visible = String(!!perms.visible);
    }

    append(row,
      el('th', { scope: 'row', class: 'perm-profile' }, el('div', {}, profile), status),
      el('td', { class: 'center' }, visible),
      el('td', {}, show),
      ACCESS_COLUMNS.map(([key, label]) => el('td', {}, accessButton(key, label))),
      ACTIVITY_COLUMNS.map(([key, label]) => el('td', { class: 'activity-col' }, accessButton(key, label))));
    paint();
    return row;
  }

  const PROFILE_ORDER = ['Administrator', 'Agent', 'Light Agent'];

  function permissionTable(plugin, permissions) {
    const profiles = Object.keys(permissions).sort((a, b) => {
      const ia = PROFILE_ORDER.indexOf(a); const ib = PROFILE_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    });
    if (!profiles.length) return el('p', { class: 'muted' }, 'No profiles.');
    return el('div', { class: 'table-scroll' }, el('table', { class: 'table perm-table', testid: 'permissions-' + plugin.id, dataset: { plugin: plugin.id } },
      el('thead', {},
        el('tr', {},
          el('th', { scope: 'col', rowspan: '2' }, 'Profile'),
          el('th', { scope: 'col', rowspan: '2', class: 'center' }, 'Visible'),
          el('th', { scope: 'col', rowspan: '2' }, 'Show'),
          ACCESS_COLUMNS.map(([, label]) => el('th', { scope: 'col', rowspan: '2', title: label === 'Information' ? 'Contact / account information' : label }, label)),
          el('th', { scope: 'colgroup', colspan: String(ACTIVITY_COLUMNS.length), class: 'group-head' }, 'Activities')),
        el('tr', {}, ACTIVITY_COLUMNS.map(([, label]) => el('th', { scope: 'col', class: 'sub-head activity-col' }, label)))),
      el('tbody', {}, profiles.map((profile) => permissionRow(plugin, profile, permissions[profile])))));
  }

  async function permissionsPage(seq) {
    const content = shell('permissions');
    const body = el('div', { class: 'stack' }, loading());
    append(content, 
      el('div', { class: 'page-head' }, el('div', {},
        el('h1', {}, 'Permissions'),
        el('p', { class: 'muted' }, 'For each profile: whether the panel is visible, whether it shows the contact or the account, and which parts it may read. Restricted parts are never fetched from the CRM. Changes are saved as you make them.'))),
      body);
    let plugins;
    try {
      plugins = (await api('GET', '/api/admin/plugins')).plugins || [];
    } catch (e) { guard(seq, e, body); return; }
    const tables = await Promise.all(plugins.map((p) => api('GET', pluginPath(p.id) + '/permissions').then((a) => a.permissions || {}, (e) => e)));
    if (guard(seq, null, body)) return;
    clear(body);
    if (!plugins.length) body.appendChild(el('div', { class: 'card' }, el('p', { class: 'empty' }, 'No plugins installed.')));
    plugins.forEach((p, i) => {
      body.appendChild(el('section', { class: 'card', testid: 'perm-card', dataset: { plugin: p.id } },
        el('div', { class: 'card-head' },
          el('h2', { class: 'card-title' }, p.name || p.id),
          el('div', { class: 'chips' }, p.enabled ? pill('Enabled', 'ok') : pill('Disabled', 'muted'))),
        tables[i] instanceof Error ? errorBox(tables[i].message) : permissionTable(p, tables[i])));
    });
  }

  // ---------------------------------------------------------------- agents, profiles and API tokens

  /**
   * The API tokens card: the tokens (label, agent, created, expires) with
   * Revoke, the form that creates one, and the box that shows a new token
   * once. `agents` are the desk's agents (the form offers the active ones).
   * Returns { card, created(answer, who) } so an agent row can create a
   * token and show it here too.
   */
  function tokensCard(seq, agents, initial) {
    const byId = new Map(agents.map((a) => [a.id, a]));
    let shownId = null;

    // The token's element exists only while a new token is shown.
    let value = null;
    const copy = el('button', { type: 'button', class: 'btn btn-small', testid: 'token-copy' }, 'Copy');
    const createdTitle = el('strong', {});
    const valueRow = el('div', { class: 'token-row' }, copy);
    const createdBox = el('div', { class: 'token-box', role: 'status', hidden: true, testid: 'token-created' },
      createdTitle,
      valueRow,
      el('p', { class: 'muted small' }, 'Copy it now: it is not shown again. Send it as ', el('code', {}, 'Authorization: Bearer <token>'),
        ', or embed a panel with ', el('code', {}, '/embed/panel?ticket=ID&plugin=ID#token=<token>'), '.'));
    copy.addEventListener('click', async () => {
      if (!value) return;
      try {
        await navigator.clipboard.writeText(value.textContent);
        toast('Token copied.');
      } catch (e) {
        const range = document.createRange();
        range.selectNodeContents(value);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        toast('Press Ctrl+C (\u2318C) to copy the selected token.');
      }
    });

    const list = el('div', { class: 'tokens-list', testid: 'tokens-list' });
    const listError = el('div', { hidden: true });

    function tokenRow(t) {
      const revoke = el('button', { type: 'button', class: 'btn btn-small', testid: 'token-revoke' }, 'Revoke');
      revoke.addEventListener('click', async () => {
        const what = (t.label ? '\u201c' + t.label + '\u201d' : 'This token') + ' (' + (t.agent_email || 'unknown agent') + ')';
        const yes = await confirmDialog('Revoke this API token?', what + ' stops working at once. Programs using it can no longer sign in with it. This cannot be undone.', 'Revoke');
        if (!yes) return;
        revoke.disabled = true;
        try {
          await api('DELETE', '/api/admin/tokens/' + encodeURIComponent(t.id));
          toast('The API token ' + (t.label ? '\u201c' + t.label + '\u201d ' : '') + 'is revoked.');
          if (shownId === t.id) hideCreated();
          reload();
        } catch (e) {
          if (e.status === 401) { start(); return; }
          toast(e.message, 'error');
          revoke.disabled = false;
        }
      });
      const expired = t.expires_at && Date.parse(t.expires_at) < Date.now();
      return el('tr', { testid: 'token-row', dataset: { id: t.id, agent: t.agent_email || '' } },
        el('td', { testid: 'token-label' }, t.label || el('span', { class: 'muted' }, 'No label')),
        el('td', { testid: 'token-agent-email' }, t.agent_email || el('span', { class: 'muted' }, 'Deleted agent')),
        el('td', { class: 'muted nowrap' }, formatDateTime(t.created_at)),
        el('td', { class: 'nowrap', testid: 'token-expires' }, expired ? pill('Expired', 'error') : formatDateTime(t.expires_at)),
        el('td', { class: 'right' }, revoke));
    }

    function paint(tokens) {
      listError.hidden = true;
      const sorted = tokens.slice().sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
      clear(list).appendChild(sorted.length
        ? el('div', { class: 'tokens-wrap' }, el('table', { class: 'table compact', testid: 'tokens-table' },
          el('thead', {}, el('tr', {}, ['Label', 'Agent', 'Created', 'Expires', ''].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, sorted.map(tokenRow))))
        : el('p', { class: 'empty tokens-empty', testid: 'tokens-empty' }, 'No API tokens.'));
    }

    async function reload() {
      try {
        const answer = await api('GET', '/api/admin/tokens');
        if (seq !== renderSeq) return;
        paint(answer.tokens || []);
      } catch (e) {
        if (e.status === 401) { start(); return; }
        clear(listError).appendChild(errorBox(e.message, 'tokens-error'));
        listError.hidden = false;
      }
    }

    function hideCreated() {
      createdBox.hidden = true;
      if (value) value.remove();
      value = null;
      shownId = null;
    }

    function created(answer, who) {
      hideCreated();
      shownId = answer.id || null;
      const name = who ? (who.name || who.email) : (answer.agent_email || 'an agent');
      createdTitle.textContent = 'New API token for ' + name + (answer.label ? ' (\u201c' + answer.label + '\u201d)' : '')
        + (answer.expires_at ? ', valid until ' + formatDateTime(answer.expires_at) : '') + ':';
      value = el('code', { class: 'mono token', testid: 'token-value' }, answer.token);
      valueRow.insertBefore(value, copy);
      createdBox.hidden = false;
      createdBox.scrollIntoView({ block: 'nearest' });
      reload();
    }

    const active = agents.filter((a) => a.active !== false);
    const agentSelect = el('select', { id: 'token-agent', testid: 'token-agent', required: true },
      active.map((a) => el('option', { value: a.id, selected: a.email === (agent && agent.email) }, (a.name || a.email) + ' \u00b7 ' + a.email)));
    const label = el('input', { id: 'token-label', type: 'text', maxlength: '80', autocomplete: 'off', testid: 'token-label-input', placeholder: 'e.g. Help desk embed' });
    const days = el('input', { id: 'token-days', type: 'number', min: '1', max: '365', step: '1', value: '90', required: true, testid: 'token-days' });
    const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'token-error' });
    const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'token-submit' }, 'Create token');
    const form = el('form', { class: 'subform token-form', testid: 'token-form' },
      el('h3', { class: 'subhead' }, 'New token'),
      el('div', { class: 'token-form-grid' },
        el('div', { class: 'field' }, el('label', { for: 'token-agent' }, 'Acts as'), agentSelect),
        el('div', { class: 'field' }, el('label', { for: 'token-label' }, 'Label (optional)'), label),
        el('div', { class: 'field' }, el('label', { for: 'token-days' }, 'Expires in (days)'), days),
        el('div', { class: 'field token-submit-field' }, submit)),
      error);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hidden = true;
      submit.disabled = true;
      try {
        const body = { agent_id: agentSelect.value, expires_in_days: Number(days.value) };
        if (label.value.trim()) body.label = label.value.trim();
        const answer = await api('POST', '/api/admin/tokens', body);
        toast('API token created. Copy it now: it is not shown again.');
        label.value = '';
        created(answer, byId.get(answer.agent_id || body.agent_id));
      } catch (e) {
        if (e.status === 401) { start(); return; }
        error.textContent = formError(e);
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });

    const card = el('section', { class: 'card tokens-card', testid: 'tokens-card', id: 'api-tokens' },
      el('h2', { class: 'card-title' }, 'API tokens'),
      el('p', { class: 'muted' }, 'A token lets a program or another help desk act as an agent, for example to embed a panel. It has that agent\u2019s profile, expires, and stops working when revoked or when the agent is deactivated.'),
      createdBox,
      listError,
      list,
      active.length ? form : el('p', { class: 'muted' }, 'No active agent to create a token for.'));
    if (initial instanceof Error) {
      clear(listError).appendChild(errorBox(initial.message, 'tokens-error'));
      listError.hidden = false;
    } else {
      paint(initial || []);
    }
    return { card, created };
  }

  async function agentsPage(seq) {
    const content = shell('agents');
    const list = el('div', { class: 'card table-card' }, loading());
    const agentsError = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'agents-error' });
    const forms = el('div', { class: 'agents-forms' });
    const tokensSlot = el('div', {});
    append(content,
      el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, 'Agents & profiles'),
        el('p', { class: 'muted' }, 'Who can sign in, and with which profile. API tokens let programs and other help desks act as an agent.'))),
      agentsError,
      list,
      forms,
      tokensSlot);
    let agents; let profiles; let tokens;
    try {
      [agents, profiles, tokens] = await Promise.all([
        api('GET', '/api/admin/agents'),
        api('GET', '/api/admin/profiles'),
        api('GET', '/api/admin/tokens').then((a) => (a && a.tokens) || [], (e) => (e.status === 401 ? Promise.reject(e) : e)),
      ]);
    } catch (e) { guard(seq, e, list); return; }
    if (guard(seq, null, list)) return;
    agents = agents.agents || [];
    profiles = (profiles.profiles || []).map((p) => (typeof p === 'string' ? p : p.name));
    const refresh = () => { if (seq === renderSeq) agentsPage(++renderSeq); };
    const tokenCard = tokensCard(seq, agents, tokens);
    tokensSlot.appendChild(tokenCard.card);

    function refused(e) {
      if (e.status === 401) { start(); return; }
      agentsError.textContent = e.message;
      agentsError.hidden = false;
      toast(e.message, 'error');
    }

    function agentRow(a) {
      const active = a.active !== false;
      const me = agent && a.id === agent.id;
      const who = a.name || a.email;
      const tokenButton = el('button', { type: 'button', class: 'btn btn-small', testid: 'agent-token', disabled: !active, title: active ? 'Create an API token that acts as ' + who : 'Reactivate ' + who + ' first' }, 'Create API token');
      tokenButton.addEventListener('click', async () => {
        tokenButton.disabled = true;
        agentsError.hidden = true;
        try {
          const answer = await api('POST', '/api/admin/tokens', { agent_id: a.id });
          tokenCard.created(answer, a);
        } catch (e) { refused(e); } finally { tokenButton.disabled = false; }
      });

      const toggle = el('button', { type: 'button', class: 'btn btn-small', testid: 'agent-toggle-active', dataset: { active: String(active) } }, active ? 'Deactivate' : 'Reactivate');
      toggle.addEventListener('click', async () => {
        toggle.disabled = true;
        agentsError.hidden = true;
        try {
          const updated = await api('PATCH', '/api/admin/agents/' + encodeURIComponent(a.id), { active: !active });
          toast(updated.active === false
            ? who + ' is deactivated: signed out everywhere, and their API tokens stopped working.'
            : who + ' can sign in again.');
          refresh();
        } catch (e) {
          refused(e);
          toggle.disabled = false;
        }
      });

      const del = el('button', { type: 'button', class: 'btn btn-small btn-danger-outline', testid: 'agent-delete' }, 'Delete');
      del.addEventListener('click', async () => {
        const yes = await confirmDialog('Delete ' + who + '?',
          who + ' (' + a.email + ') can no longer sign in; their sessions and API tokens end at once. To keep the account for later, deactivate it instead. This cannot be undone.',
          'Delete');
        if (!yes) return;
        del.disabled = true;
        agentsError.hidden = true;
        try {
          await api('DELETE', '/api/admin/agents/' + encodeURIComponent(a.id));
          toast(who + ' was deleted.');
          refresh();
        } catch (e) {
          refused(e);
          del.disabled = false;
        }
      });

      return el('tr', { testid: 'agent-row', class: active ? '' : 'agent-inactive', dataset: { email: a.email, id: a.id, active: String(active) } },
        el('td', {}, el('div', { class: 'agent-cell' },
          el('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' }, initials(a.name)),
          el('span', { testid: 'agent-row-name' }, a.name),
          me ? el('span', { class: 'muted small' }, '(you)') : null,
          active ? null : pill('Inactive', 'warn', 'agent-inactive'))),
        el('td', { class: 'muted' }, a.email),
        el('td', {}, el('span', { class: 'pill pill-muted' }, a.profile)),
        el('td', { class: 'right' }, el('div', { class: 'row-actions' }, tokenButton, toggle, del)));
    }

    clear(list).appendChild(el('table', { class: 'table', testid: 'agents-table' },
      el('thead', {}, el('tr', {}, ['Name', 'Email', 'Profile', ''].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, agents.map(agentRow))));

    const name = el('input', { id: 'agent-name', required: true, testid: 'agent-name', autocomplete: 'off' });
    const email = el('input', { id: 'agent-email', type: 'email', required: true, testid: 'agent-email', autocomplete: 'off' });
    const password = el('input', { id: 'agent-password', type: 'password', required: true, minlength: '8', testid: 'agent-password', autocomplete: 'new-password' });
    const profile = el('select', { id: 'agent-profile', testid: 'agent-profile' }, profiles.map((p) => el('option', { value: p, selected: p === 'Agent' }, p)));
    const error = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'agent-error' });
    const agentForm = el('form', { class: 'card', testid: 'agent-form' },
      el('h2', { class: 'card-title' }, 'Add an agent'),
      el('div', { class: 'field' }, el('label', { for: 'agent-name' }, 'Name'), name),
      el('div', { class: 'field' }, el('label', { for: 'agent-email' }, 'Email'), email),
      el('div', { class: 'field' }, el('label', { for: 'agent-password' }, 'Password'), password),
      el('div', { class: 'field' }, el('label', { for: 'agent-profile' }, 'Profile'), profile),
      error,
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'btn btn-primary', testid: 'agent-submit' }, 'Add agent')));
    agentForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hidden = true;
      try {
        const created = await api('POST', '/api/admin/agents', { name: name.value.trim(), email: email.value.trim(), password: password.value, profile: profile.value });
        toast((created.name || created.email) + ' can now sign in.');
        refresh();
      } catch (e) { error.textContent = formError(e); error.hidden = false; }
    });

    const profileName = el('input', { id: 'profile-name', required: true, testid: 'profile-name-input', autocomplete: 'off' });
    const profileError = el('pre', { class: 'form-error', role: 'alert', hidden: true, testid: 'profile-error' });
    const profileForm = el('form', { class: 'card', testid: 'profile-form' },
      el('h2', { class: 'card-title' }, 'Profiles'),
      el('div', { class: 'chips', testid: 'profiles' }, profiles.map((p) => pill(p, 'muted', 'profile-chip'))),
      el('div', { class: 'field' }, el('label', { for: 'profile-name' }, 'New profile'), profileName),
      profileError,
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'btn', testid: 'profile-submit' }, 'Add profile')));
    profileForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      profileError.hidden = true;
      try {
        await api('POST', '/api/admin/profiles', { name: profileName.value.trim() });
        toast('Profile ' + profileName.value.trim() + ' added. Set its panel permissions under Permissions.');
        refresh();
      } catch (e) { profileError.textContent = formError(e); profileError.hidden = false; }
    });
    append(forms, agentForm, profileForm);
  }

  // ---------------------------------------------------------------- outbox

  async function outboxPage(seq) {
    const content = shell('outbox');
    const list = el('div', { class: 'stack', testid: 'outbox' }, loading());
    append(content, 
      el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, 'Outbox'),
        el('p', { class: 'muted' }, 'Emails the desk sent, such as invitations to approve a CRM connection.'))),
      list);
    let emails;
    try { emails = (await api('GET', '/api/admin/outbox')).emails || []; } catch (e) { guard(seq, e, list); return; }
    if (guard(seq, null, list)) return;
    clear(list);
    if (!emails.length) list.appendChild(el('div', { class: 'card' }, el('p', { class: 'empty', testid: 'outbox-empty' }, 'No emails sent yet.')));
    for (const m of emails.slice().reverse()) {
      list.appendChild(el('article', { class: 'card email', testid: 'outbox-email' },
        el('div', { class: 'email-head' },
          el('div', {}, el('div', { class: 'email-subject', testid: 'outbox-subject' }, m.subject),
            el('div', { class: 'muted small' }, 'To ', el('span', { testid: 'outbox-to' }, m.to))),
          el('span', { class: 'muted small nowrap' }, formatDateTime(m.sent_at))),
        el('div', { class: 'email-body', testid: 'outbox-body' }, m.body)));
    }
  }

  // ---------------------------------------------------------------- start

  async function start() {
    renderSeq++;
    agent = null;
    try {
      agent = (await api('GET', '/api/me')).agent;
    } catch (e) {
      if (e.status !== 401) { clear(root).appendChild(el('div', { class: 'login-page' }, errorBox(e.message))); return; }
      agent = await signInForm(root, 'The admin console is for Administrators.');
    }
    if (agent.profile !== 'Administrator') {
      append(clear(root), topBar(agent, 'admin'), el('main', { class: 'main' },
        el('div', { class: 'card narrow' },
          el('h1', {}, 'Administrators only'),
          el('p', { testid: 'not-admin' }, 'The admin console is for Administrators. Your profile is ' + agent.profile + '.'),
          el('a', { href: '/#/tickets', class: 'btn' }, 'Back to tickets'))));
      return;
    }
    route();
    if (parseHash().page !== 'sync' && parseHash().page !== 'plugins') loadSyncPlugins().catch(() => {});
  }

  window.addEventListener('hashchange', () => { if (agent && agent.profile === 'Administrator') route(); });
  start();
})();
