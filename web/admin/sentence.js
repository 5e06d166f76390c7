// @ts-check
/* Sentences of the console with an element inside (a <code>, a <span>):
 * the sentence is translated whole, with a placeholder where the element
 * goes, and each language puts it where its word order needs it.
 */
import { t } from '../lib/i18n.js';

/** Marks a node's placeholder while the text is filled (no catalog text or server string has it). */
const MARK = '\u0000';

/**
 * The text of `key` as children for el(): text params filled as t() fills
 * them, and each `{name}` of `nodes` replaced by its element.
 * @param {string} key
 * @param {Record<string, Node>} nodes the elements, by placeholder name
 * @param {Record<string, string | number>} [params] text placeholders
 * @returns {(string | Node)[]}
 */
export function sentence(key, nodes, params) {
  /** @type {Record<string, string | number>} */
  const marks = {};
  for (const name of Object.keys(nodes)) marks[name] = MARK + name + MARK;
  const text = t(key, { ...params, ...marks });
  return text.split(new RegExp(MARK + '(\\w+)' + MARK)).map((part, i) => (i % 2 ? nodes[part] : part)).filter((part) => part !== '');
}
