// @ts-check
/* "Not a CRM administrator?": invites someone with admin access to the CRM
 * to approve the connection (the portal link), and lists the invitations
 * with Resend.
 */
import { api, formError } from '../../lib/api.js';
import { el } from '../../lib/dom.js';
import { formatDateTime } from '../../lib/format.js';
import { t } from '../../lib/i18n.js';
import { safeHref } from '../../lib/links.js';
import { toast } from '../../lib/ui.js';
import { pluginPath } from '../app.js';

/**
 * One invitation: email, status, times sent, when, the approve link (demo) and Resend.
 * @param {Api.Plugin} p
 * @param {Api.AccessRequest} r
 * @param {() => void} onChange
 * @returns {HTMLTableRowElement}
 */
function accessRequestRow(p, r, onChange) {
  const resend = el('button', { type: 'button', class: 'btn btn-small', testid: 'access-resend' }, t('admin.portal.resend'));
  resend.addEventListener('click', async () => {
    resend.disabled = true;
    try {
      await api('POST', pluginPath(p.id) + '/access-requests/' + encodeURIComponent(r.id) + '/resend');
      toast(t('admin.portal.resent', { email: r.email }));
      onChange();
    } catch (e) {
      toast(e.message, 'error');
      resend.disabled = false;
    }
  });
  const href = safeHref(r.approve_url, true);
  return el('tr', { testid: 'access-request', dataset: { id: r.id, status: r.status } },
    el('td', { testid: 'access-request-email' }, r.email),
    el('td', {}, el('span', { class: 'pill ' + (r.status === 'approved' ? 'pill-ok' : 'pill-warn'), testid: 'access-request-status' }, t(r.status === 'approved' ? 'admin.portal.approved' : 'admin.portal.pending'))),
    el('td', { class: 'num', testid: 'access-request-sent' }, String(r.sent_count)),
    el('td', { class: 'muted nowrap' }, formatDateTime(r.created_at)),
    el('td', { class: 'approve-cell' }, href
      ? el('a', { href, target: '_blank', rel: 'noopener', testid: 'access-approve-link', class: 'mono small' }, new URL(href, location.origin).href)
      : el('span', { class: 'muted' }, '—')),
    el('td', {}, r.status === 'approved' ? null : resend));
}

/**
 * @param {Api.Plugin} p
 * @param {Api.AccessRequest[]} requests
 * @param {() => void} onChange
 * @returns {HTMLTableElement}
 */
function accessRequestTable(p, requests, onChange) {
  return el('table', { class: 'table compact', testid: 'access-requests' },
    el('thead', {}, el('tr', {}, [t('admin.portal.email'), t('admin.portal.status'), t('admin.portal.sent'), t('admin.portal.requested'), t('admin.portal.approveLink'), ''].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, requests.map((r) => accessRequestRow(p, r, onChange))));
}

/**
 * @param {Api.Plugin} p
 * @param {() => void} onChange renders the page anew
 * @returns {HTMLElement}
 */
export function portalLinkCard(p, onChange) {
  const requests = p.access_requests || [];
  const email = el('input', { type: 'email', id: 'access-email', required: true, placeholder: 'crm-admin@example.com', testid: 'access-email' });
  const submit = el('button', { type: 'submit', class: 'btn btn-primary', testid: 'access-submit' }, t('admin.portal.request'));
  const error = el('p', { class: 'form-error', role: 'alert', hidden: true, testid: 'access-error' });
  const form = el('form', { class: 'subform inline-form', testid: 'access-form', hidden: !requests.length },
    el('div', { class: 'field grow' }, el('label', { for: 'access-email' }, t('admin.portal.adminEmail')), email),
    submit);
  const toggle = el('button', { type: 'button', class: 'btn btn-link', testid: 'portal-link-toggle', 'aria-expanded': String(!!requests.length) }, t('admin.portal.toggle'));
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
      /** @type {Api.AccessRequest} */
      const r = await api('POST', pluginPath(p.id) + '/access-requests', { email: email.value.trim() });
      toast(t('admin.portal.sentTo', { email: r.email }));
      onChange();
    } catch (e) {
      error.textContent = formError(e);
      error.hidden = false;
      submit.disabled = false;
    }
  });
  return el('section', { class: 'card', testid: 'portal-link-card' },
    el('div', { class: 'card-head' }, el('h2', { class: 'card-title' }, t('admin.portal.title')), toggle),
    el('p', { class: 'muted' }, t('admin.portal.intro')),
    form, error, requests.length ? accessRequestTable(p, requests, onChange) : null);
}
