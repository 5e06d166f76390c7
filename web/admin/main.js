// @ts-check
/* The admin console (/admin, Administrators): integrations (install,
 * configure, connect, portal link, disconnect, delete), each plugin's
 * sandbox, sync of contacts, accounts and products, the recording of
 * contact-centre conversations into the CRM, the permission matrix,
 * agents, profiles and API tokens, and the outbox. Hash routes: see nav.js.
 */
import { el } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { profileName } from '../lib/shell.js';
import { agentsPage } from './agents/page.js';
import { app } from './app.js';
import { adminRoute } from './nav.js';
import { outboxPage } from './outbox/page.js';
import { pluginPage } from './plugin/page.js';
import { permissionsPage } from './permissions/page.js';
import { pluginsPage } from './plugins/page.js';
import { loadContactCentres } from './recording/plugins.js';
import { recordingPage } from './recording/page.js';
import { syncPage } from './sync/page.js';
import { loadSyncPlugins } from './sync/sync-plugins.js';

/**
 * Renders the page of the current address.
 * @param {number} seq
 */
function render(seq) {
  const where = adminRoute();
  document.title = t('admin.title');
  // The page's HTML is English; the skip link reads in the console's language.
  const skip = document.querySelector('a.skip-link');
  if (skip) skip.textContent = t('admin.skipToMain');
  switch (where.page) {
    case 'plugin': return pluginPage(seq, where.id || '');
    case 'sync': return syncPage(seq, where.id, where.tab);
    case 'recording': return recordingPage(seq, where.id, where.tab);
    case 'permissions': return permissionsPage(seq);
    case 'agents': return agentsPage(seq);
    case 'outbox': return outboxPage(seq);
    default: return pluginsPage(seq);
  }
}

/**
 * Only Administrators use the console; anyone else is told so.
 * @param {Api.Agent} agent
 * @returns {boolean}
 */
function admit(agent) {
  if (agent.profile === 'Administrator') return true;
  app.layout('admin', el('main', { class: 'main' },
    el('div', { class: 'card narrow' },
      el('h1', {}, t('admin.notAdmin.title')),
      el('p', { testid: 'not-admin' }, t('admin.notAdmin.text', { profile: profileName(agent.profile) })),
      el('a', { href: '/#/tickets', class: 'btn' }, t('admin.notAdmin.back')))));
  return false;
}

/**
 * The side navigation lists the syncing plugins and the contact centres on
 * every page (the plugins, sync and recording pages load them themselves).
 */
function started() {
  const page = adminRoute().page;
  if (page !== 'sync' && page !== 'plugins') loadSyncPlugins().catch(() => {});
  if (page !== 'recording' && page !== 'plugins') loadContactCentres().catch(() => {});
}

app.run({ render, admit, started });
