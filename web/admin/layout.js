// @ts-check
/* The console's page frame: the top bar, the side navigation (with a link
 * per syncing plugin under Sync, and Recording when a contact centre is
 * installed) and the content column.
 */
import { el } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { app } from './app.js';
import { NAV } from './nav.js';
import { paintRecordingNav } from './recording/plugins.js';
import { paintSyncNav } from './sync/sync-plugins.js';

/**
 * Replaces the page with the console's frame, `current` marked in the side
 * navigation; returns the content column to fill.
 * @param {string} current a key of NAV
 * @returns {HTMLDivElement}
 */
export function adminPage(current) {
  const content = el('div', { class: 'admin-content' });
  const side = el('nav', { class: 'sidenav', 'aria-label': t('admin.nav.label') },
    el('div', { class: 'sidenav-title' }, t('admin.nav.setup')),
    NAV.map(([key, label]) => [
      el('a', { href: '#' + key, class: current === key ? 'active' : '', testid: key === 'sync' ? 'sync-nav' : 'nav-' + key }, t(label)),
      key === 'sync' ? el('div', { id: 'sync-subnav', class: 'sidenav-sub' }) : null,
      key === 'sync' ? el('div', { id: 'recording-nav', class: 'sidenav-group' }) : null]));
  app.layout('admin', el('main', { class: 'main admin-layout' }, side, content));
  paintSyncNav();
  paintRecordingNav();
  return content;
}

/**
 * A page's heading and the line under it.
 * @param {string} title
 * @param {string} intro
 * @returns {HTMLDivElement}
 */
export function pageHead(title, intro) {
  return el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, title), el('p', { class: 'muted' }, intro)));
}
