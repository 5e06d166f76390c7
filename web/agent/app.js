// @ts-check
/* The agent app's App: the signed-in agent, its router and layout. */
import { byId, el } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { App } from '../lib/shell.js';

export const app = new App({ root: byId('app'), title: 'Deskpane' });

/**
 * The agent app's page frame (top bar with Tickets active); returns the main element to fill.
 * @returns {HTMLElement}
 */
export function agentPage() {
  return app.layout('tickets', el('main', { class: 'main', id: 'main' }));
}

/**
 * The link near the top of a ticket, contact or account page that moves
 * focus to its CRM panels: on narrow screens they come below the record
 * (the stylesheet hides the link where they sit beside it).
 * @param {HTMLElement} panels the panels' column
 * @returns {HTMLAnchorElement}
 */
export function panelsLink(panels) {
  const link = el('a', { href: location.hash, class: 'jump-to-panels', testid: 'jump-to-panels' },
    t('agent.jumpToPanels'), el('span', { 'aria-hidden': 'true' }, ' ↓'));
  link.addEventListener('click', (event) => {
    event.preventDefault();
    panels.setAttribute('tabindex', '-1');
    panels.addEventListener('blur', () => panels.removeAttribute('tabindex'), { once: true });
    panels.focus({ preventScroll: true });
    panels.scrollIntoView({ block: 'start' });
  });
  return link;
}
