// @ts-check
/* The agent app's App: the signed-in agent, its router and layout. */
import { byId, el } from '../lib/dom.js';
import { App } from '../lib/shell.js';

export const app = new App({ root: byId('app'), title: 'Deskpane' });

/**
 * The agent app's page frame (top bar with Tickets active); returns the main element to fill.
 * @returns {HTMLElement}
 */
export function agentPage() {
  return app.layout('tickets', el('main', { class: 'main', id: 'main' }));
}
