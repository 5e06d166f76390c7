// @ts-check
/* The sync page's tabs: Configuration, Sync History, Failure Log. The
 * address remembers the tab (#sync=ID&tab=history) without a new render.
 */
import { t } from '../../lib/i18n.js';
import { tabBar } from '../tabs.js';

/** @type {[string, string][]} each tab's key and the catalog key of its name */
export const TABS = [
  ['settings', 'admin.config.title'],
  ['history', 'admin.sync.historyTab'],
  ['failures', 'admin.sync.failuresTab'],
];

/**
 * The tab bar; `show(key)` selects a tab and shows its panel.
 * @param {string} pluginId
 * @param {Record<string, HTMLElement>} panels by tab key
 * @param {HTMLSpanElement} failureCount shown beside Failure Log
 * @returns {{bar: HTMLDivElement, show: (key: string) => void}}
 */
export function syncTabs(pluginId, panels, failureCount) {
  return tabBar({ prefix: 'sync', label: t('admin.nav.sync'), tabs: TABS.map(([key, text]) => [key, t(text)]), panels, extras: { failures: failureCount }, hash: '#sync=' + encodeURIComponent(pluginId) });
}
