// @ts-check
/* The ticket page (#/tickets/{id}): the ticket and its requester on the
 * left (and, for a ticket from a contact centre's conversation, what it
 * recorded in the CRM), the CRM panels on the right; both load side by side.
 */
import { api } from '../lib/api.js';
import { append, clear, el, loading } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { renderPanels } from '../panel/panels.js';
import { agentPage, app, panelsLink } from './app.js';
import { priorityBadge, statusBadge } from './badges.js';
import { conversationCard, loadTicketRecording } from './conversation-card.js';
import { loadRequester, requesterCard } from './requester-card.js';

/**
 * The ticket's card: number, subject, badges, facts and description.
 * @param {Api.Ticket} ticket
 * @returns {HTMLDivElement}
 */
function ticketCard(ticket) {
  const f = ticket.fields || {};
  const meta = [
    [t('ticket.department'), f.department],
    [t('ticket.channel'), f.channel],
    [t('ticket.created'), formatDateTime(ticket.created_at)],
    [t('ticket.updated'), formatDateTime(ticket.updated_at)],
  ].filter(([, v]) => v);
  return el('div', { class: 'card ticket-card' },
    el('div', { class: 'ticket-id muted' }, t('ticket.number', { id: ticket.id })),
    el('h1', { class: 'ticket-title', testid: 'ticket-title', tabindex: '-1' }, f.subject || t('common.noSubject')),
    el('div', { class: 'ticket-badges' },
      statusBadge(f.status, 'ticket-status'),
      priorityBadge(f.priority, 'ticket-priority')),
    el('dl', { class: 'ticket-meta' }, meta.map(([k, v]) => el('div', { class: 'kv' }, el('dt', {}, k), el('dd', {}, v)))),
    el('h2', { class: 'card-title' }, t('field.description')),
    f.description
      ? el('div', { class: 'ticket-description', testid: 'ticket-description' }, f.description)
      : el('p', { class: 'muted', testid: 'ticket-description' }, t('ticket.noDescription')));
}

/**
 * Renders the ticket page.
 * @param {number} seq the render
 * @param {string} id the ticket's id
 */
export async function ticketPage(seq, id) {
  const main = agentPage();
  const left = el('div', { class: 'ticket-main', testid: 'ticket' }, loading());
  const right = el('aside', { class: 'ticket-panels', testid: 'panels', 'aria-label': t('agent.panels') });
  append(main,
    el('nav', { class: 'crumbs' }, el('a', { href: '#/tickets', testid: 'back-to-list' }, t('agent.allTickets')), panelsLink(right)),
    el('div', { class: 'ticket-layout' }, left, right));

  // The ticket and the panels load side by side; neither waits for the other.
  const panels = renderPanels(right, 'tickets', id);
  const recording = loadTicketRecording(id).catch(() => null);

  /** @type {Api.Ticket} */
  let ticket;
  try {
    ticket = await api('GET', '/api/tickets/' + encodeURIComponent(id));
  } catch (e) {
    if (!app.live(seq)) return;
    if (e.status === 401) return app.start();
    clear(left).appendChild(el('div', { class: 'panel-error', role: 'alert', testid: 'ticket-error' }, e.message));
    return;
  }
  if (!app.live(seq)) return;
  const f = ticket.fields || {};
  document.title = (f.subject || t('ticket.ticket')) + ' · Deskpane';
  const requester = el('div', { class: 'requester-slot' });
  const conversation = el('div', { class: 'conversation-slot' });
  append(clear(left), ticketCard(ticket), requester, conversation);
  // Opening a ticket moves keyboard focus to its heading.
  const heading = left.querySelector('h1');
  if (heading) heading.focus();
  showConversation(seq, id, conversation, right, recording, panels);

  const { contact, account } = await loadRequester(f);
  if (!app.live(seq)) return;
  requester.appendChild(requesterCard(contact, account, f.email));
}

/**
 * Adds the Conversation card when the ticket came from a contact centre's
 * conversation; creating a record there refreshes the panels from the CRM.
 * @param {number} seq the render
 * @param {string} id the ticket's id
 * @param {HTMLElement} slot where the card goes
 * @param {HTMLElement} right the panels column
 * @param {Promise<Api.TicketRecording | null>} recording
 * @param {Promise<Api.PanelInfo[]>} panels the panels' list (for the plugins' names)
 */
async function showConversation(seq, id, slot, right, recording, panels) {
  const [rec, infos] = await Promise.all([recording, panels]);
  if (!rec || !app.live(seq)) return;
  /** @type {Record<string, string>} */
  const names = Object.fromEntries(infos.map((p) => [p.plugin, p.name || p.plugin]));
  /** @param {string} plugin */
  const nameOf = (plugin) => names[plugin] || plugin;
  slot.appendChild(conversationCard(id, rec, nameOf, () => {
    if (app.live(seq)) renderPanels(right, 'tickets', id, { fresh: true });
  }));
}
