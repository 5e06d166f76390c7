// @ts-check
/* The agent app (/): sign-in, the ticket list (Handshake Mode), the
 * ticket page with its CRM panels, and the contact and account pages with
 * theirs. Hash routes: #/tickets[?…], #/tickets/{id}, #/contacts/{id},
 * #/accounts/{id}.
 */
import { hashPath } from '../lib/router.js';
import { app } from './app.js';
import { recordPage } from './record-page.js';
import { ticketListPage } from './ticket-list.js';
import { ticketPage } from './ticket-page.js';

/**
 * Renders the page of the current address; unknown addresses go to the list.
 * @param {number} seq
 */
function render(seq) {
  const { parts, params } = hashPath('/tickets');
  if (parts[0] === 'tickets' && parts[1]) return ticketPage(seq, decodeURIComponent(parts[1]));
  if ((parts[0] === 'contacts' || parts[0] === 'accounts') && parts[1] && parts.length === 2) return recordPage(seq, parts[0], decodeURIComponent(parts[1]));
  if (parts[0] !== 'tickets' || parts.length > 1) { location.replace('#/tickets'); return undefined; }
  return ticketListPage(seq, params);
}

app.run({ render });
