/* Deskpane agent app: sign-in, the ticket list (Handshake Mode) and the
 * ticket page with its CRM panels. Hash routes: #/tickets, #/tickets/{id}.
 * Builds the DOM with createElement/textContent only (see panel.js).
 */
(function () {
  'use strict';

  const { el, clear, append, api, topBar, signInForm, renderPanels, formatDateTime, initials } = window.Deskpane;
  const root = document.getElementById('app');
  let agent = null;
  let renderSeq = 0;

  const STATUS_CLASS = { 'Open': 'status-open', 'On Hold': 'status-hold', 'Escalated': 'status-escalated', 'Closed': 'status-closed' };
  const PRIORITY_CLASS = { 'Low': 'prio-low', 'Medium': 'prio-medium', 'High': 'prio-high', 'Urgent': 'prio-urgent' };

  function statusBadge(status, testid) {
    if (!status) return el('span', { class: 'muted' }, '—');
    return el('span', { class: 'badge ' + (STATUS_CLASS[status] || ''), testid }, status);
  }

  function priorityBadge(priority, testid) {
    if (!priority) return el('span', { class: 'muted' }, '—');
    return el('span', { class: 'prio ' + (PRIORITY_CLASS[priority] || ''), testid }, el('span', { class: 'prio-dot', 'aria-hidden': 'true' }), priority);
  }

  function customerTypeBadge(type) {
    if (!type) return el('span', { class: 'muted', testid: 'ticket-customer-type' }, '—');
    const slug = String(type).toLowerCase().replace(/[^a-z0-9]+/g, '-');
    return el('span', { class: 'ctype ctype-' + slug, testid: 'ticket-customer-type' }, type);
  }

  function shell(current) {
    const main = el('main', { class: 'main', id: 'main' });
    append(clear(root), topBar(agent, current), main);
    return main;
  }

  function parseHash() {
    const hash = location.hash.replace(/^#/, '') || '/tickets';
    const [path, query] = hash.split('?');
    return { parts: path.split('/').filter(Boolean), params: new URLSearchParams(query || '') };
  }

  async function route() {
    const seq = ++renderSeq;
    const { parts, params } = parseHash();
    if (parts[0] === 'tickets' && parts[1]) return ticketPage(seq, decodeURIComponent(parts[1]));
    if (parts[0] !== 'tickets' || parts.length > 1) { location.replace('#/tickets'); return undefined; }
    return ticketList(seq, params);
  }

  // ---------------------------------------------------------------- ticket list

  async function ticketList(seq, params) {
    const order = params.get('order') === 'customer-type' ? 'customer-type' : 'newest';
    const type = params.get('customer_type') || '';
    const main = shell('tickets');

    const orderSelect = el('select', { id: 'order-select', testid: 'order-select' },
      el('option', { value: 'newest', selected: order === 'newest' }, 'Newest'),
      el('option', { value: 'customer-type', selected: order === 'customer-type' }, 'Customer type'));
    const typeSelect = el('select', { id: 'customer-type-filter', testid: 'customer-type-filter' },
      el('option', { value: '' }, 'All customer types'));
    const count = el('span', { class: 'muted', testid: 'ticket-count' });
    const hint = el('p', { class: 'hint', testid: 'handshake-hint', hidden: true });
    const body = el('tbody', {}, el('tr', {}, el('td', { colspan: '6' }, el('div', { class: 'loading' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading…'))));
    const table = el('table', { class: 'table tickets-table', testid: 'ticket-table' },
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col' }, 'Subject'),
        el('th', { scope: 'col' }, 'Requester'),
        el('th', { scope: 'col' }, 'Status'),
        el('th', { scope: 'col' }, 'Priority'),
        el('th', { scope: 'col' }, 'Customer type'),
        el('th', { scope: 'col' }, 'Created'))),
      body);

    function go(nextOrder, nextType) {
      const q = new URLSearchParams();
      if (nextOrder !== 'newest') q.set('order', nextOrder);
      if (nextType) q.set('customer_type', nextType);
      const s = q.toString();
      location.hash = '#/tickets' + (s ? '?' + s : '');
    }
    orderSelect.addEventListener('change', () => go(orderSelect.value, typeSelect.value));
    typeSelect.addEventListener('change', () => go(orderSelect.value, typeSelect.value));

    append(main, 
      el('div', { class: 'page-head' },
        el('div', {}, el('h1', {}, 'Tickets'), count),
        el('div', { class: 'toolbar' },
          el('label', { class: 'field-inline', for: 'order-select' }, el('span', {}, 'Order by'), orderSelect),
          el('label', { class: 'field-inline', for: 'customer-type-filter' }, el('span', {}, 'Customer type'), typeSelect))),
      hint,
      el('div', { class: 'card table-card' }, table));

    const q = new URLSearchParams({ order });
    if (type) q.set('customer_type', type);
    let answer;
    try {
      answer = await api('GET', '/api/ticket-list?' + q.toString());
    } catch (e) {
      if (seq !== renderSeq) return;
      if (e.status === 401) return start();
      clear(body).appendChild(el('tr', {}, el('td', { colspan: '6' }, el('div', { class: 'panel-error', role: 'alert', testid: 'ticket-list-error' }, e.message))));
      return;
    }
    if (seq !== renderSeq) return;
    const types = answer.customer_types || [];
    for (const t of types) typeSelect.appendChild(el('option', { value: t, selected: t === type }, t));
    if (type && !types.includes(type)) typeSelect.appendChild(el('option', { value: type, selected: true }, type));
    if (!answer.customer_type_source) {
      hint.textContent = 'Customer types come from a CRM. Connect a CRM plugin and set its customer-type field to order and filter tickets by them (Handshake Mode).';
      hint.hidden = false;
    }

    const tickets = answer.tickets || [];
    count.textContent = tickets.length === 1 ? '1 ticket' : tickets.length + ' tickets';
    clear(body);
    if (!tickets.length) {
      body.appendChild(el('tr', {}, el('td', { colspan: '6' }, el('p', { class: 'empty', testid: 'no-tickets' }, type ? 'No tickets from ' + type + ' customers.' : 'No tickets yet.'))));
    }
    for (const t of tickets) {
      const href = '#/tickets/' + encodeURIComponent(t.id);
      const row = el('tr', { class: 'ticket-row', testid: 'ticket-row', dataset: { id: t.id } },
        el('td', { class: 'cell-subject' }, el('a', { href, testid: 'ticket-subject' }, t.subject || '(no subject)')),
        el('td', {}, el('div', { class: 'cell-requester' },
          el('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' }, initials(t.requester || t.email)),
          el('span', { class: 'requester' },
            el('span', { testid: 'ticket-requester' }, t.requester || t.email || '—'),
            t.requester && t.email ? el('span', { class: 'muted small' }, t.email) : null))),
        el('td', {}, statusBadge(t.status, 'ticket-status')),
        el('td', {}, priorityBadge(t.priority, 'ticket-priority')),
        el('td', {}, customerTypeBadge(t.customer_type)),
        el('td', { class: 'muted nowrap', testid: 'ticket-created' }, formatDateTime(t.created_at)));
      row.addEventListener('click', (event) => {
        if (event.target.closest('a')) return;
        location.hash = href;
      });
      body.appendChild(row);
    }
  }

  // ---------------------------------------------------------------- ticket page

  function contactCard(contact, account, fallbackEmail) {
    const f = (contact && contact.fields) || {};
    const name = [f.first_name, f.last_name].filter(Boolean).join(' ');
    const rows = [
      ['Email', f.email || fallbackEmail, 'requester-email'],
      ['Secondary email', f.secondary_email, null],
      ['Phone', f.phone, 'requester-phone'],
      ['Mobile', f.mobile, null],
      ['Title', f.title, null],
      ['Account', account && account.fields ? account.fields.account_name : null, 'requester-account'],
      ['City', [f.city, f.country].filter(Boolean).join(', '), null],
    ].filter(([, v]) => v);
    return el('div', { class: 'card requester-card', testid: 'requester-card' },
      el('h3', { class: 'card-title' }, 'Requester'),
      el('div', { class: 'profile-head' },
        el('span', { class: 'avatar avatar-lg', 'aria-hidden': 'true' }, initials(name || fallbackEmail)),
        el('div', { class: 'profile-id' },
          el('div', { class: 'profile-name', testid: 'requester-name' }, name || fallbackEmail || 'Unknown requester'),
          f.title ? el('div', { class: 'muted' }, f.title) : null)),
      el('dl', { class: 'kv-list' }, rows.map(([label, value, testid]) => el('div', { class: 'kv' }, el('dt', {}, label), el('dd', { testid }, value)))));
  }

  async function ticketPage(seq, id) {
    const main = shell('tickets');
    const left = el('div', { class: 'ticket-main', testid: 'ticket' }, el('div', { class: 'loading' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading…'));
    const right = el('aside', { class: 'ticket-panels', testid: 'panels', 'aria-label': 'CRM panels' });
    append(main, 
      el('nav', { class: 'crumbs' }, el('a', { href: '#/tickets', testid: 'back-to-list' }, '← All tickets')),
      el('div', { class: 'ticket-layout' }, left, right));

    // The ticket and the panels load side by side; neither waits for the other.
    renderPanels(right, id);

    let ticket;
    try {
      ticket = await api('GET', '/api/tickets/' + encodeURIComponent(id));
    } catch (e) {
      if (seq !== renderSeq) return;
      if (e.status === 401) return start();
      clear(left).appendChild(el('div', { class: 'panel-error', role: 'alert', testid: 'ticket-error' }, e.message));
      return;
    }
    if (seq !== renderSeq) return;
    const f = ticket.fields || {};
    document.title = (f.subject || 'Ticket') + ' · Deskpane';
    const requester = el('div', { class: 'requester-slot' });
    const meta = [
      ['Department', f.department],
      ['Channel', f.channel],
      ['Created', formatDateTime(ticket.created_at)],
      ['Updated', formatDateTime(ticket.updated_at)],
    ].filter(([, v]) => v);
    append(clear(left), 
      el('div', { class: 'card ticket-card' },
        el('div', { class: 'ticket-id muted' }, 'Ticket #' + ticket.id),
        el('h1', { class: 'ticket-title', testid: 'ticket-title' }, f.subject || '(no subject)'),
        el('div', { class: 'ticket-badges' },
          statusBadge(f.status, 'ticket-status'),
          priorityBadge(f.priority, 'ticket-priority')),
        el('dl', { class: 'ticket-meta' }, meta.map(([k, v]) => el('div', { class: 'kv' }, el('dt', {}, k), el('dd', {}, v)))),
        el('h3', { class: 'card-title' }, 'Description'),
        f.description
          ? el('div', { class: 'ticket-description', testid: 'ticket-description' }, f.description)
          : el('p', { class: 'muted', testid: 'ticket-description' }, 'No description.')),
      requester);

    let contact = null;
    let account = null;
    try {
      if (f.contact_id) contact = await api('GET', '/api/contacts/' + encodeURIComponent(f.contact_id));
      const accountId = f.account_id || (contact && contact.fields && contact.fields.account_id);
      if (accountId) account = await api('GET', '/api/accounts/' + encodeURIComponent(accountId)).catch(() => null);
    } catch (e) {
      contact = null;
    }
    if (seq !== renderSeq) return;
    requester.appendChild(contactCard(contact, account, f.email));
  }

  // ---------------------------------------------------------------- start

  async function start() {
    renderSeq++;
    agent = null;
    document.title = 'Deskpane';
    try {
      agent = (await api('GET', '/api/me')).agent;
    } catch (e) {
      if (e.status !== 401) {
        clear(root).appendChild(el('div', { class: 'login-page' }, el('div', { class: 'panel-error', role: 'alert' }, e.message)));
        return;
      }
      agent = await signInForm(root);
    }
    route();
  }

  window.addEventListener('hashchange', () => { if (agent) route(); });
  start();
})();
