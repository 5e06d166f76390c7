// @ts-check
/* Links to addresses that come from plugins and the CRM: only http(s)
 * (and, where allowed, same-site paths) are ever followed.
 */
import { el } from './dom.js';
import { t } from './i18n.js';

/**
 * An href that is safe to follow: http(s) only (and same-site paths when allowed).
 * @param {unknown} href
 * @param {boolean} [allowRelative]
 * @returns {string | null}
 */
export function safeHref(href, allowRelative) {
  if (typeof href !== 'string') return null;
  const h = href.trim();
  if (/^https?:\/\//i.test(h)) return h;
  if (allowRelative && /^\/(?!\/)/.test(h)) return h;
  return null;
}

/**
 * A "View in CRM"-style link opening in a new tab, or null when the address is not http(s).
 * @param {unknown} href
 * @param {string} [label]
 * @param {string} [testid]
 * @param {string} [name] the accessible name, when the label alone does not
 *   say which record the link opens (it should begin with the label)
 * @returns {HTMLAnchorElement | null}
 */
export function externalLink(href, label, testid, name) {
  const safe = safeHref(href);
  if (!safe) return null;
  return el('a', { class: 'crm-link', href: safe, target: '_blank', rel: 'noopener', testid: testid || 'crm-link', 'aria-label': name }, label || t('common.viewInCrm'));
}
