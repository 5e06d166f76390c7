// @ts-check
/* Building the DOM. Everything a plugin or the CRM sends is shown as text:
 * pages are built with createElement and textContent only, never with
 * innerHTML (the CSP forbids inline scripts and styles as well).
 */
import { t } from './i18n.js';

/**
 * What `el()` and `append()` take as children: nodes, text (numbers and
 * strings become text nodes), nested arrays; null, undefined and false are
 * skipped.
 * @typedef {Node | string | number | boolean | null | undefined | ChildList} Child
 * @typedef {Child[]} ChildList
 */

/**
 * Attributes of `el()`: `class`, `text`, `testid` (data-testid), `dataset`,
 * `on<event>` listeners, the properties value/checked/disabled/selected,
 * and any other attribute (true = present, null/undefined/false = absent).
 * @typedef {Record<string, any>} Attrs
 */

/** Properties set as properties rather than attributes. */
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected']);

/**
 * `el('div', {class: 'x', testid: 'y', onclick: fn}, child, 'text', ...)`
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = String(value);
      else if (key === 'testid') node.setAttribute('data-testid', value);
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
      else if (PROPERTIES.has(key)) /** @type {any} */ (node)[key] = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(node, ...children);
  return node;
}

/**
 * Like Element.append, flattening arrays and skipping null, undefined and false.
 * @template {Node} N
 * @param {N} node
 * @param {...Child} children
 * @returns {N}
 */
export function append(node, ...children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) { child.forEach((c) => append(node, c)); continue; }
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * Removes every child of `node`.
 * @template {Node} N
 * @param {N} node
 * @returns {N}
 */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/**
 * The spinner with "Loading…".
 * @param {Attrs} [attrs] extra attributes (e.g. a testid)
 * @returns {HTMLDivElement}
 */
export function loading(attrs) {
  return el('div', { class: 'loading', ...attrs }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), t('common.loading'));
}

/**
 * A red alert box with a sentence.
 * @param {Child} message
 * @param {string} [testid]
 * @returns {HTMLDivElement}
 */
export function errorBox(message, testid) {
  return el('div', { class: 'panel-error', role: 'alert', testid }, message);
}

/**
 * The element with this id, which the page's HTML must have.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error('the page has no #' + id);
  return node;
}
