// @ts-check
/* The sync page's tabs: Configuration, Sync History, Failure Log. The
 * address remembers the tab (#sync=ID&tab=history) without a new render.
 */
import { tabBar } from '../tabs.js';

/** @type {[string, string][]} */
export const TABS = [
  ['settings', 'Configuration'],
  ['history', 'Sync History'],
  ['failures', 'Failure Log'],
];

/**
 * The tab bar; `show(key)` selects a tab and shows its panel.
 * @param {string} pluginId
 * @param {Record<string, HTMLElement>} panels by tab key
 * @param {HTMLSpanElement} failureCount shown beside Failure Log
 * @returns {{bar: HTMLDivElement, show: (key: string) => void}}
 */
export function syncTabs(pluginId, panels, failureCount) {
  return tabBar({ prefix: 'sync', label: 'Sync', tabs: TABS, panels, extras: { failures: failureCount }, hash: '#sync=' + encodeURIComponent(pluginId) });
}
