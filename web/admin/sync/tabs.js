// @ts-check
/* The sync page's tabs: Configuration, Sync History, Failure Log. The
 * address remembers the tab (#sync=ID&tab=history) without a new render.
 */
import { el } from '../../lib/dom.js';

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
  /** @type {Record<string, HTMLButtonElement>} */
  const buttons = {};
  const bar = el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Sync' }, TABS.map(([key, text]) => {
    const b = el('button', { type: 'button', role: 'tab', class: 'tab', id: 'sync-tab-' + key, testid: 'sync-tab-' + key, 'aria-controls': 'sync-panel-' + key },
      text, key === 'failures' ? failureCount : null);
    b.addEventListener('click', () => show(key));
    buttons[key] = b;
    return b;
  }));
  /** @param {string} key */
  function show(key) {
    for (const [k] of TABS) {
      buttons[k].setAttribute('aria-selected', String(k === key));
      buttons[k].classList.toggle('active', k === key);
      buttons[k].tabIndex = k === key ? 0 : -1;
      panels[k].hidden = k !== key;
    }
    const hash = '#sync=' + encodeURIComponent(pluginId) + (key === 'settings' ? '' : '&tab=' + key);
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }
  return { bar, show };
}
