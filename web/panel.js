/* Deskpane: helpers shared by every page, and the CRM panel beside a ticket.
 *
 * Everything a plugin or the CRM sends is shown as text: the DOM is built
 * with createElement and textContent only, never with innerHTML.
 * Loaded as a classic script; exposes `window.Deskpane`.
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------- DOM

  /** el('div', {class: 'x', dataset: {testid: 'y'}, onclick: fn}, child, 'text', ...) */
  function el(tag, attrs) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === undefined || value === null || value === false) continue;
        if (key === 'class') node.className = value;
        else if (key === 'text') node.textContent = String(value);
        else if (key === 'testid') node.setAttribute('data-testid', value);
        else if (key === 'dataset') Object.assign(node.dataset, value);
        else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
        else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected') node[key] = value;
        else node.setAttribute(key, value === true ? '' : String(value));
      }
    }
    for (let i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  /** append(node, child, [children], 'text', ...): like Element.append, flattening arrays and skipping nulls. */
  function append(node) {
    for (let i = 1; i < arguments.length; i++) {
      const child = arguments[i];
      if (child === undefined || child === null || child === false) continue;
      if (Array.isArray(child)) { child.forEach((c) => append(node, c)); continue; }
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  /** An href that is safe to follow: http(s) only (and same-site paths when allowed). */
  function safeHref(href, allowRelative) {
    if (typeof href !== 'string') return null;
    const h = href.trim();
    if (/^https?:\/\//i.test(h)) return h;
    if (allowRelative && /^\/(?!\/)/.test(h)) return h;
    return null;
  }

  /** "View in CRM"-style link, or nothing when the address is not http(s). */
  function externalLink(href, label, testid) {
    const safe = safeHref(href);
    if (!safe) return null;
    return el('a', { class: 'crm-link', href: safe, target: '_blank', rel: 'noopener', testid: testid || 'crm-link' }, label || 'View in CRM');
  }

  function formatDateTime(value) {
    if (!value) return '';
    const d = new Date(value);
    if (Number.isNaN(d.getTime())) return String(value);
    return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  function formatDate(value) {
    if (!value) return '';
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
    if (!m) return formatDateTime(value);
    const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  }

  function formatAmount(amount, currency) {
    if (amount === null || amount === undefined || amount === '') return '';
    const n = Number(amount);
    if (!Number.isFinite(n)) return [String(amount), currency].filter(Boolean).join(' ');
    const text = n.toLocaleString(undefined, { minimumFractionDigits: 0, maximumFractionDigits: 2 });
    return currency ? text + ' ' + currency : text;
  }

  function initials(name) {
    const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
    const letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] || '?').slice(0, 2);
    return letters.toUpperCase();
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body || {};
      this.fields = (body && body.fields) || [];
    }
  }

  let bearerToken = null;

  /** Sends API calls with this token instead of the session cookie (embed page). */
  function setToken(token) { bearerToken = token || null; }

  function statusSentence(status) {
    switch (status) {
      case 401: return 'You are not signed in. Sign in and try again.';
      case 403: return 'Your profile is not allowed to do this.';
      case 404: return 'Not found.';
      case 502: return 'The plugin or the CRM failed. Try again later.';
      default: return 'The server answered ' + status + '. Try again.';
    }
  }

  /** fetch JSON; throws ApiError with the server's `error` sentence. */
  async function api(method, path, body, options) {
    const headers = { Accept: 'application/json' };
    const init = { method, headers, credentials: 'same-origin' };
    if (bearerToken) headers.Authorization = 'Bearer ' + bearerToken;
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    if (options && options.signal) init.signal = options.signal;
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      throw new ApiError(0, 'Could not reach the Deskpane server. Check your connection and try again.');
    }
    if (response.status === 204) return null;
    const text = await response.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    if (!response.ok) {
      const message = data && typeof data.error === 'string' && data.error ? data.error : statusSentence(response.status);
      throw new ApiError(response.status, message, data);
    }
    return data;
  }

  // ---------------------------------------------------------------- sign-in form

  /** Renders the sign-in form into `root`; resolves with the agent once signed in. */
  function signInForm(root, subtitle) {
    return new Promise((resolve) => {
      const error = el('p', { class: 'form-error', role: 'alert', testid: 'login-error', hidden: true });
      const email = el('input', { id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true, testid: 'login-email' });
      const password = el('input', { id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true, testid: 'login-password' });
      const submit = el('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'login-submit' }, 'Sign in');
      const form = el('form', { class: 'login-card', testid: 'login-form' },
        el('div', { class: 'login-brand' }, el('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'D'), el('span', { class: 'brand-name' }, 'Deskpane')),
        el('h1', { class: 'login-title' }, 'Sign in'),
        el('p', { class: 'muted' }, subtitle || 'Your tickets, with what the CRM knows about each customer.'),
        el('label', { for: 'login-email' }, 'Email'), email,
        el('label', { for: 'login-password' }, 'Password'), password,
        error, submit);
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        error.hidden = true;
        submit.disabled = true;
        try {
          const answer = await api('POST', '/api/login', { email: email.value.trim(), password: password.value });
          resolve(answer.agent);
        } catch (e) {
          error.textContent = e.status === 401 ? 'Wrong email or password.' : e.message;
          error.hidden = false;
          submit.disabled = false;
          password.focus();
        }
      });
      clear(root).appendChild(el('div', { class: 'login-page' }, form));
      email.focus();
    });
  }

  /** The top bar of the agent app and the admin console. */
  function topBar(agent, current) {
    const nav = el('nav', { class: 'topnav', 'aria-label': 'Main' },
      el('a', { href: '/#/tickets', class: current === 'tickets' ? 'active' : '', testid: 'nav-tickets' }, 'Tickets'),
      agent.profile === 'Administrator'
        ? el('a', { href: '/admin', class: current === 'admin' ? 'active' : '', testid: 'admin-link' }, 'Admin')
        : null);
    const signOut = el('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'sign-out' }, 'Sign out');
    signOut.addEventListener('click', async () => {
      try { await api('POST', '/api/logout'); } catch (e) { /* signed out anyway */ }
      location.href = '/';
    });
    return el('header', { class: 'topbar' },
      el('a', { class: 'brand', href: '/#/tickets' }, el('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'D'), el('span', { class: 'brand-name' }, 'Deskpane')),
      nav,
      el('div', { class: 'whoami', testid: 'current-agent' },
        el('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(agent.name)),
        el('span', { class: 'whoami-text' },
          el('span', { class: 'whoami-name', testid: 'current-agent-name' }, agent.name || agent.email),
          el('span', { class: 'whoami-profile', testid: 'current-agent-profile' }, agent.profile))),
      signOut);
  }

  // ---------------------------------------------------------------- panel

  const SECTION_TITLES = {
    profile: (show) => (show === 'accounts' ? 'Account' : 'Contact'),
    potentials: () => 'Potentials',
    notes: () => 'Notes',
    activities: () => 'Activities',
  };

  const ACTIVITY_GROUPS = [
    ['call', 'Calls'],
    ['event', 'Events'],
    ['task', 'Tasks'],
    ['chat', 'Chats'],
  ];

  function humanMatchKey(key) {
    if (!key) return '';
    return String(key).replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ').toLowerCase();
  }

  function detailRow(label, value, testid) {
    if (value === null || value === undefined || value === '') return null;
    return el('div', { class: 'kv' }, el('dt', {}, label), el('dd', { testid }, String(value)));
  }

  function emptyState(text) {
    return el('p', { class: 'empty', testid: 'section-empty' }, text);
  }

  function renderProfile(data) {
    const p = data.profile;
    if (!p) return emptyState('No matching record in the CRM');
    const moduleName = p.module ? String(p.module).replace(/s$/, '') : '';
    const head = el('div', { class: 'profile-head' },
      el('span', { class: 'avatar avatar-lg', 'aria-hidden': 'true' }, initials(p.display_name)),
      el('div', { class: 'profile-id' },
        el('div', { class: 'profile-name', testid: 'profile-name' }, p.display_name || '(no name)'),
        el('div', { class: 'profile-meta muted' },
          moduleName && !/^(contact|account)$/i.test(moduleName) ? el('span', { class: 'tag', testid: 'profile-module' }, moduleName) : null,
          p.match_key ? el('span', { testid: 'profile-match' }, 'Matched by ' + humanMatchKey(p.match_key)) : null)));
    const list = el('dl', { class: 'kv-list' },
      detailRow('Email', p.email, 'profile-email'),
      detailRow('Secondary email', p.secondary_email, 'profile-secondary-email'),
      detailRow('Phone', p.phone, 'profile-phone'),
      detailRow('Account', p.account, 'profile-account'),
      detailRow('Owner', p.owner, 'profile-owner'),
      (p.fields || []).map((f) => detailRow(f.label || f.name, f.value, 'profile-field')));
    return el('div', { class: 'profile' }, head, list, externalLink(p.link, 'View in CRM', 'profile-link'));
  }

  function renderPotentials(data) {
    const items = data.potentials || [];
    if (!items.length) return emptyState('No potentials');
    return el('ul', { class: 'item-list' }, items.map((pot) => el('li', { class: 'item potential', testid: 'potential' },
      el('div', { class: 'item-head' },
        el('span', { class: 'item-title', testid: 'potential-name' }, pot.name || '(untitled potential)'),
        pot.stage ? el('span', { class: 'badge stage', testid: 'potential-stage' }, pot.stage) : null),
      el('div', { class: 'item-facts' },
        formatAmount(pot.amount, pot.currency) ? el('span', { class: 'amount', testid: 'potential-amount' }, formatAmount(pot.amount, pot.currency)) : null,
        pot.closing_date ? el('span', { testid: 'potential-closing' }, 'Closes ' + formatDate(pot.closing_date)) : null,
        pot.owner ? el('span', { testid: 'potential-owner' }, pot.owner) : null),
      externalLink(pot.link, 'View in CRM', 'potential-link'))));
  }

  function renderNotes(data) {
    const items = data.notes || [];
    if (!items.length) return emptyState('No notes');
    return el('ul', { class: 'item-list' }, items.map((note) => el('li', { class: 'item note', testid: 'note' },
      note.title ? el('div', { class: 'item-title', testid: 'note-title' }, note.title) : null,
      el('div', { class: 'note-content', testid: 'note-content' }, note.content || ''),
      el('div', { class: 'item-facts muted' },
        note.author ? el('span', { testid: 'note-author' }, note.author) : null,
        note.created_time ? el('time', { datetime: note.created_time, testid: 'note-time' }, formatDateTime(note.created_time)) : null,
        externalLink(note.link, 'View in CRM', 'note-link')))));
  }

  function renderActivity(a) {
    const when = [formatDateTime(a.start_time), a.end_time ? formatDateTime(a.end_time) : ''].filter(Boolean).join(' – ');
    return el('li', { class: 'item activity activity-' + (a.kind || 'other'), testid: 'activity', dataset: { kind: a.kind || '' } },
      el('div', { class: 'item-head' },
        el('span', { class: 'item-title', testid: 'activity-subject' }, a.subject || '(no subject)'),
        a.status ? el('span', { class: 'badge', testid: 'activity-status' }, a.status) : null),
      el('div', { class: 'item-facts muted' },
        when ? el('span', { testid: 'activity-time' }, when) : null,
        a.owner ? el('span', { testid: 'activity-owner' }, a.owner) : null,
        externalLink(a.link, 'View in CRM', 'activity-link')),
      a.description ? el('div', { class: 'note-content', testid: 'activity-description' }, a.description) : null);
  }

  function renderActivities(data) {
    const items = data.activities || [];
    if (!items.length) return emptyState('No activities');
    const groups = [];
    const known = ACTIVITY_GROUPS.map(([kind]) => kind);
    for (const [kind, title] of ACTIVITY_GROUPS) {
      const of = items.filter((a) => a.kind === kind);
      if (of.length) groups.push([kind, title, of]);
    }
    const other = items.filter((a) => !known.includes(a.kind));
    if (other.length) groups.push(['other', 'Other', other]);
    return el('div', { class: 'activity-groups' }, groups.map(([kind, title, of]) => el('div', { class: 'activity-group', testid: 'activity-group-' + kind },
      el('h4', { class: 'group-title' }, title, el('span', { class: 'count' }, String(of.length))),
      el('ul', { class: 'item-list' }, of.map(renderActivity)))));
  }

  const RENDERERS = { profile: renderProfile, potentials: renderPotentials, notes: renderNotes, activities: renderActivities };

  function sectionUrl(ticketId, plugin, section, refresh) {
    return '/api/tickets/' + encodeURIComponent(ticketId) + '/panels/' + encodeURIComponent(plugin) + '/' + encodeURIComponent(section) + (refresh ? '?refresh=1' : '');
  }

  /**
   * One plugin's panel: `info` is an entry of GET /api/tickets/{id}/panels.
   * Each section loads on its own, so a slow or failing one never holds up the rest.
   */
  function renderPanel(ticketId, info) {
    const sections = info.sections || [];
    const refresh = el('button', { type: 'button', class: 'btn btn-ghost btn-small panel-refresh', testid: 'panel-refresh', title: 'Fetch fresh data from the CRM' }, '↻ Refresh');
    const panel = el('section', { class: 'panel', testid: 'panel-' + info.plugin, dataset: { plugin: info.plugin }, 'aria-label': info.name || info.plugin },
      el('header', { class: 'panel-head' },
        el('span', { class: 'panel-icon', 'aria-hidden': 'true' }, initials(info.name || info.plugin)),
        el('div', { class: 'panel-heading' },
          el('h2', { class: 'panel-title', testid: 'panel-title' }, info.name || info.plugin),
          el('span', { class: 'panel-sub muted' }, info.show === 'accounts' ? 'Showing the account' : 'Showing the contact')),
        refresh));
    const blocks = {};
    for (const section of sections) {
      const body = el('div', { class: 'section-body' });
      const status = el('span', { class: 'section-status muted' });
      blocks[section] = { body, status, controller: null };
      panel.appendChild(el('div', { class: 'panel-section section-' + section, testid: 'section-' + section, dataset: { section } },
        el('h3', { class: 'section-title' }, SECTION_TITLES[section] ? SECTION_TITLES[section](info.show) : section, status),
        body));
    }
    if (!sections.length) panel.appendChild(emptyState('Your profile may not read any part of this panel.'));

    async function load(section, fresh) {
      const block = blocks[section];
      if (block.controller) block.controller.abort();
      const controller = new AbortController();
      block.controller = controller;
      block.status.textContent = '';
      clear(block.body).appendChild(el('div', { class: 'loading', testid: 'section-loading', 'aria-busy': 'true' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading…'));
      try {
        const data = await api('GET', sectionUrl(ticketId, info.plugin, section, fresh), undefined, { signal: controller.signal });
        if (controller.signal.aborted) return;
        const render = RENDERERS[section];
        clear(block.body).appendChild(render ? render(data || {}) : emptyState('This section cannot be shown.'));
        if (data && data.cached) { block.status.textContent = 'cached'; block.status.title = 'From the panel cache; Refresh fetches it anew from the CRM'; }
      } catch (e) {
        if (e && e.name === 'AbortError') return;
        if (controller.signal.aborted) return;
        clear(block.body).appendChild(el('div', { class: 'panel-error', role: 'alert', testid: 'panel-error' },
          el('span', { class: 'panel-error-icon', 'aria-hidden': 'true' }, '!'),
          el('span', { class: 'panel-error-text' }, e.message || 'This section could not be loaded.')));
      } finally {
        if (block.controller === controller) block.controller = null;
      }
    }

    function loadAll(fresh) {
      return Promise.all(sections.map((s) => load(s, fresh)));
    }

    refresh.addEventListener('click', async () => {
      refresh.disabled = true;
      panel.classList.add('refreshing');
      try { await loadAll(true); } finally { refresh.disabled = false; panel.classList.remove('refreshing'); }
    });
    loadAll(false);
    return panel;
  }

  /** The panels column of a ticket: fetches the list, then each panel on its own. */
  function renderPanels(container, ticketId) {
    clear(container).appendChild(el('div', { class: 'loading', testid: 'panels-loading' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading…'));
    return api('GET', '/api/tickets/' + encodeURIComponent(ticketId) + '/panels').then((answer) => {
      const panels = (answer && answer.panels) || [];
      clear(container);
      if (!panels.length) {
        container.appendChild(el('div', { class: 'panel panel-none', testid: 'no-panels' },
          el('p', { class: 'muted' }, 'No CRM panels for your profile. An administrator can install a CRM plugin or change Permissions.')));
      }
      for (const info of panels) container.appendChild(renderPanel(ticketId, info));
      return panels;
    }, (e) => {
      clear(container).appendChild(el('div', { class: 'panel-error', role: 'alert', testid: 'panels-error' }, e.message));
      return [];
    });
  }

  // ---------------------------------------------------------------- embed page

  async function bootEmbed(root) {
    const params = new URLSearchParams(location.search);
    const ticket = params.get('ticket');
    const plugin = params.get('plugin');
    const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
    if (fragment.get('token')) setToken(fragment.get('token'));
    if (!ticket || !plugin) {
      clear(root).appendChild(el('div', { class: 'panel-error', role: 'alert' }, 'This page needs ?ticket=ID&plugin=ID in its address.'));
      return;
    }
    clear(root).appendChild(el('div', { class: 'loading' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading…'));
    let answer;
    try {
      answer = await api('GET', '/api/tickets/' + encodeURIComponent(ticket) + '/panels');
    } catch (e) {
      const message = e.status === 401
        ? 'Sign in to Deskpane in this browser, or give an API token as #token=… in this page\u2019s address.'
        : e.message;
      clear(root).appendChild(el('div', { class: 'panel-error', role: 'alert', testid: 'embed-error' }, message,
        e.status === 401 ? el('div', {}, el('a', { href: '/', target: '_blank', rel: 'noopener' }, 'Open Deskpane')) : null));
      return;
    }
    const info = ((answer && answer.panels) || []).find((p) => p.plugin === plugin);
    if (!info) {
      clear(root).appendChild(el('div', { class: 'panel-error', role: 'alert', testid: 'embed-error' },
        'The plugin \u201c' + plugin + '\u201d has no panel for you here: it is not installed, not enabled, or hidden for your profile.'));
      return;
    }
    clear(root).appendChild(renderPanel(ticket, info));
  }

  window.Deskpane = {
    el, clear, append, api, ApiError, setToken, safeHref, externalLink,
    formatDateTime, formatDate, formatAmount, initials,
    signInForm, topBar, renderPanel, renderPanels, bootEmbed,
  };

  function autoBoot() {
    const root = document.querySelector('[data-embed-root]');
    if (root) bootEmbed(root);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', autoBoot);
  else autoBoot();
})();
