// @ts-check
/* A page's tabs (the sync and recording pages): a tab bar whose tabs show
 * their panels; the address remembers the tab (#sync=ID&tab=history)
 * without a new render. Arrow keys move between tabs.
 */
import { el } from '../lib/dom.js';

/**
 * @typedef {object} TabOptions
 * @property {string} prefix the tabs' ids and testids: PREFIX-tab-KEY, panels PREFIX-panel-KEY
 * @property {string} label the tab list's accessible name
 * @property {[string, string][]} tabs key and text; the first is the default
 * @property {Record<string, HTMLElement>} panels by tab key
 * @property {Record<string, HTMLElement>} [extras] shown after a tab's text (a count)
 * @property {string} hash the address of the default tab ("#sync=zoho-crm"); other tabs add &tab=KEY
 */

/**
 * The tab bar; `show(key)` selects a tab and shows its panel.
 * @param {TabOptions} options
 * @returns {{bar: HTMLDivElement, show: (key: string) => void}}
 */
export function tabBar(options) {
  const { prefix, tabs, panels } = options;
  const extras = options.extras || {};
  /** @type {Record<string, HTMLButtonElement>} */
  const buttons = {};
  const bar = el('div', { class: 'tabs', role: 'tablist', 'aria-label': options.label }, tabs.map(([key, text], i) => {
    const b = el('button', { type: 'button', role: 'tab', class: 'tab', id: prefix + '-tab-' + key, testid: prefix + '-tab-' + key, 'aria-controls': prefix + '-panel-' + key },
      text, extras[key] || null);
    b.addEventListener('click', () => show(key));
    b.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
      const next = tabs[(i + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length][0];
      show(next);
      buttons[next].focus();
    });
    buttons[key] = b;
    return b;
  }));
  /** @param {string} key a tab's key; an unknown one shows the first tab */
  function show(key) {
    const shown = tabs.some(([k]) => k === key) ? key : tabs[0][0];
    for (const [k] of tabs) {
      buttons[k].setAttribute('aria-selected', String(k === shown));
      buttons[k].classList.toggle('active', k === shown);
      buttons[k].tabIndex = k === shown ? 0 : -1;
      panels[k].hidden = k !== shown;
    }
    const hash = options.hash + (shown === tabs[0][0] ? '' : '&tab=' + shown);
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }
  return { bar, show };
}
