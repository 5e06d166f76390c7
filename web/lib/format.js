// @ts-check
/* Formatting dates, amounts, durations, sizes and initials for display,
 * the pages' language's way (i18n.js). */
import { locale } from './i18n.js';

/**
 * The language dates and numbers are written in: the given one, else the
 * pages' (i18n.js: the agent's setting or the browser's).
 * @param {string | undefined} lang
 * @returns {string}
 */
function localeOr(lang) {
  return lang || locale() || document.documentElement.lang || navigator.language || 'en';
}

/** A day without a time ("2026-11-25"), as CRMs give due and closing dates. */
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Whether `value` is a day without a time ("2026-11-25").
 * @param {unknown} value
 * @returns {boolean}
 */
export function isDateOnly(value) {
  return typeof value === 'string' && DAY.test(value);
}

/**
 * A date and time in the pages' language ("Mar 4, 2025, 09:30 AM"); a day
 * without a time ("2025-03-04") is shown as that day, never as midnight;
 * '' for nothing.
 * @param {string | number | Date | null | undefined} value
 * @param {string} [lang] a BCP 47 tag; the pages' language by default
 * @returns {string}
 */
export function formatDateTime(value, lang) {
  if (!value) return '';
  if (isDateOnly(value)) return formatDate(/** @type {string} */ (value), lang);
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(localeOr(lang), { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/**
 * A date ("Mar 4, 2025"). A "YYYY-MM-DD" day is that day wherever the
 * browser is (never shifted by its time zone); a date and time shows its
 * local day.
 * @param {string | null | undefined} value
 * @param {string} [lang] a BCP 47 tag; the pages' language by default
 * @returns {string}
 */
export function formatDate(value, lang) {
  if (!value) return '';
  const options = /** @type {Intl.DateTimeFormatOptions} */ ({ year: 'numeric', month: 'short', day: 'numeric' });
  const m = DAY.exec(String(value));
  if (m) {
    const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return day.toLocaleDateString(localeOr(lang), { ...options, timeZone: 'UTC' });
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleDateString(localeOr(lang), options);
}

/**
 * How long ago `value` was, in words ("5 minutes ago", "yesterday"); ''
 * for nothing or a time that cannot be read.
 * @param {string | number | Date | null | undefined} value
 * @param {string} [lang] a BCP 47 tag; the pages' language by default
 * @param {number} [now] milliseconds since the epoch; the clock by default
 * @returns {string}
 */
export function formatAge(value, lang, now) {
  if (!value) return '';
  const at = new Date(value).getTime();
  if (Number.isNaN(at)) return '';
  const seconds = Math.round(((now === undefined ? Date.now() : now) - at) / 1000);
  const words = new Intl.RelativeTimeFormat(localeOr(lang), { numeric: 'auto' });
  /** @type {[Intl.RelativeTimeFormatUnit, number][]} each unit and the seconds it holds */
  const units = [['day', 86400], ['hour', 3600], ['minute', 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return words.format(-Math.round(seconds / size), unit);
  }
  return words.format(-Math.max(0, seconds), 'second');
}

/**
 * An amount in its currency, the language's way ("$240,000", "1.200,50 €",
 * "US$ 36.000"); without a currency, the number alone ("1,200.5"). A code
 * Intl does not know is written after the number ("1,200 XBT"). '' for
 * nothing.
 * @param {number | string | null | undefined} amount
 * @param {string | null} [currency] ISO 4217 ("USD")
 * @param {string} [lang] a BCP 47 tag; the pages' language by default
 * @returns {string}
 */
export function formatAmount(amount, currency, lang) {
  if (amount === null || amount === undefined || amount === '') return '';
  const n = Number(amount);
  if (!Number.isFinite(n)) return [String(amount), currency].filter(Boolean).join(' ');
  const digits = Number.isInteger(n) ? 0 : 2;
  if (currency) {
    try {
      return new Intl.NumberFormat(localeOr(lang), { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
    } catch (e) {
      // Not an ISO 4217 code: the number, then the code as the CRM gave it.
    }
  }
  const text = new Intl.NumberFormat(localeOr(lang), { minimumFractionDigits: 0, maximumFractionDigits: 2 }).format(n);
  return currency ? text + ' ' + currency : text;
}

/** Elements whose content is never text to read (code, styles, embedded things). */
const UNREAD = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'HEAD', 'TITLE', 'SVG', 'MATH', 'SELECT', 'TEXTAREA']);

/** Elements that stand on lines of their own. */
const BLOCKS = new Set(['P', 'DIV', 'LI', 'UL', 'OL', 'DL', 'DT', 'DD', 'TR', 'TABLE', 'THEAD', 'TBODY', 'BLOCKQUOTE', 'PRE', 'HR',
  'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'SECTION', 'ARTICLE', 'HEADER', 'FOOTER', 'ADDRESS', 'FIGURE', 'FIGCAPTION']);

/** Something that looks like a tag or an entity. */
const MARKUP = /<\/?[a-z][^>]*>|&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i;

/** Markup with its own line structure (then its raw line breaks are only spacing, as in HTML). */
const STRUCTURED = /<(br|p|div|li|ul|ol|tr|table|h[1-6]|blockquote|pre)\b/i;

/**
 * A CRM's rich text (notes are often HTML) as plain text to show with
 * `textContent`: the text only, entities decoded, <br>, <p>, <div> and
 * <li> as line breaks (an item with a bullet), scripts and styles dropped.
 * Parsed by DOMParser into an inert document: nothing in it runs or loads,
 * and nothing of it is ever inserted as markup. Text without markup comes
 * back as it is, line breaks and all.
 * @param {string | null | undefined} value
 * @returns {string}
 */
export function htmlToText(value) {
  const source = value === null || value === undefined ? '' : String(value);
  if (!MARKUP.test(source)) return source;
  const structured = STRUCTURED.test(source);
  const doc = new DOMParser().parseFromString(source, 'text/html');
  let out = '';
  const lineBreak = () => { if (out && !out.endsWith('\n')) out += '\n'; };
  /**
   * @param {Node} node
   * @param {boolean} pre whitespace is kept as it is (inside <pre>)
   */
  const walk = (node, pre) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === Node.TEXT_NODE) {
        const text = child.nodeValue || '';
        if (!structured || pre) { out += text; continue; }
        const spaced = text.replace(/\s+/g, ' ');
        // Spacing between blocks is no text of its own.
        if (spaced !== ' ' || (out && !out.endsWith('\n'))) out += spaced;
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        const tag = child.nodeName.toUpperCase();
        if (UNREAD.has(tag)) continue;
        if (tag === 'BR') { out += '\n'; continue; }
        const block = BLOCKS.has(tag);
        if (block) lineBreak();
        if (tag === 'LI') out += '\u2022 ';
        walk(child, pre || tag === 'PRE');
        if (block) lineBreak();
      }
    }
  };
  walk(doc.body, false);
  return out
    .split('\n')
    .map((line) => (structured ? line.trim() : line.replace(/\s+$/, '')))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Two letters for an avatar: "Ada Lovelace" -> "AL", "zoho" -> "ZO".
 * @param {string | null | undefined} name
 * @returns {string}
 */
export function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] || '?').slice(0, 2);
  return letters.toUpperCase();
}

/**
 * 300 -> "300 ms", 5000 -> "5 s", 1500 -> "1.5 s".
 * @param {number | string} ms
 * @returns {string}
 */
export function formatMs(ms) {
  const n = Number(ms);
  if (!Number.isFinite(n)) return String(ms);
  return n < 1000 ? n + ' ms' : (n / 1000).toLocaleString(locale(), { maximumFractionDigits: 2 }) + ' s';
}

/**
 * 65536 -> "64 KiB", 8388608 -> "8 MiB".
 * @param {number | string} bytes
 * @returns {string}
 */
export function formatBytes(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n)) return String(bytes);
  /** @type {[string, number][]} */
  const units = [['GiB', 1 << 30], ['MiB', 1 << 20], ['KiB', 1 << 10]];
  for (const [unit, size] of units) {
    if (n >= size) return (n / size).toLocaleString(locale(), { maximumFractionDigits: 1 }) + ' ' + unit;
  }
  return n + ' bytes';
}

