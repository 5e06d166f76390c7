// @ts-check
/* The pages' language: English, Portuguese (Brazil) or Chinese (Simplified).
 * The agent's own setting wins, else the browser's languages, else English.
 * Every sentence lives in a message catalog (web/i18n/<language>.json), a
 * flat object of key -> text with named placeholders ("{crm}"); a text that
 * depends on a count is an object of plural forms ({"one": …, "other": …},
 * chosen with Intl.PluralRules). A key the language lacks is read from
 * English.
 */

/** @typedef {'en' | 'pt-BR' | 'zh-CN'} Language */
/** @typedef {string | Record<string, string>} Message a text, or its plural forms */
/** @typedef {Record<string, string | number>} Params */

/** @type {Language[]} the languages the pages ship in, as the agent setting spells them */
export const LANGUAGES = ['en', 'pt-BR', 'zh-CN'];

/** @type {Record<Language, string>} each language's name in itself (never translated) */
export const LANGUAGE_NAMES = { 'en': 'English', 'pt-BR': 'Português (Brasil)', 'zh-CN': '中文（简体）' };

/** @type {Record<string, Message>} */
let english = {};
/** @type {Record<string, Message>} */
let messages = {};
/** @type {Language} */
let current = 'en';

/** The latest setLanguage call: an older one that finishes later changes nothing. */
let generation = 0;

/** @type {Map<Language, Promise<Record<string, Message>>>} catalogs fetched so far */
const catalogs = new Map();

/**
 * The language in use, as a BCP 47 tag for Intl ("en", "pt-BR", "zh-CN").
 * @returns {Language}
 */
export function locale() {
  return current;
}

/**
 * The language to use: the agent's setting when it is one the pages ship
 * in, else the first of the browser's languages that is ("pt-PT" and "pt"
 * read Brazilian Portuguese, every "zh" Simplified Chinese), else English.
 * @param {string | null | undefined} preferred the agent's setting
 * @param {readonly string[]} browser the browser's languages, most wanted first
 * @returns {Language}
 */
export function pickLanguage(preferred, browser) {
  for (const tag of [preferred, ...browser]) {
    const t = String(tag || '').toLowerCase();
    if (!t) continue;
    const exact = LANGUAGES.find((l) => l.toLowerCase() === t);
    if (exact) return exact;
    const base = t.split(/[-_]/)[0];
    if (base === 'en') return 'en';
    if (base === 'pt') return 'pt-BR';
    if (base === 'zh') return 'zh-CN';
  }
  return 'en';
}

/**
 * A catalog, fetched once; an empty one when it cannot be read (English then shows).
 * @param {Language} language
 * @returns {Promise<Record<string, Message>>}
 */
function catalog(language) {
  let loaded = catalogs.get(language);
  if (!loaded) {
    loaded = fetch('/assets/i18n/' + language + '.json', { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .catch(() => { catalogs.delete(language); return {}; });
    catalogs.set(language, loaded);
  }
  return loaded;
}

/**
 * Switches the pages to the agent's language (or the browser's when the
 * agent has none) and loads its catalog; `t` reads it from then on.
 * @param {string | null} [preferred] the agent's setting
 * @returns {Promise<Language>}
 */
export async function setLanguage(preferred) {
  const browser = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  const language = pickLanguage(preferred, browser);
  const mine = ++generation;
  const [en, own] = await Promise.all([catalog('en'), language === 'en' ? null : catalog(language)]);
  if (mine !== generation) return current;
  english = en;
  messages = own || en;
  current = language;
  document.documentElement.lang = language;
  return language;
}

/**
 * Fills `{name}` placeholders; numbers are written the language's way.
 * @param {string} text
 * @param {Params} params
 * @returns {string}
 */
function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return whole;
    const value = params[name];
    return typeof value === 'number' ? formatNumber(value) : String(value);
  });
}

/**
 * The text of `key` in the current language (English when it has none),
 * with `params` filled in. A message with plural forms picks the form for
 * `params.count`.
 * @param {string} key
 * @param {Params} [params]
 * @returns {string}
 */
export function t(key, params) {
  const own = messages[key];
  const message = own !== undefined ? own : english[key];
  if (message === undefined) return key;
  const p = params || {};
  if (typeof message === 'string') return fill(message, p);
  const count = Number(p.count);
  const form = own !== undefined ? new Intl.PluralRules(current).select(count) : new Intl.PluralRules('en').select(count);
  return fill(message[form] || message.other || '', p);
}

/**
 * A sentence the server sent with a stable code ({code: "crm.unreachable",
 * params: {crm: "Zoho CRM", …}}): the catalogs' `error.<code>`, else the
 * server's own (English) sentence.
 * @param {{code?: string | null, params?: Params | null} | null | undefined} coded
 * @param {string} sentence the server's sentence
 * @returns {string}
 */
export function serverText(coded, sentence) {
  const key = coded && coded.code ? 'error.' + coded.code : '';
  if (!key || (messages[key] === undefined && english[key] === undefined)) return sentence;
  return t(key, (coded && coded.params) || {});
}

/**
 * A number the language's way ("1,234.5", "1.234,5").
 * @param {number} n
 * @param {Intl.NumberFormatOptions} [options]
 * @returns {string}
 */
export function formatNumber(n, options) {
  return new Intl.NumberFormat(current, options).format(n);
}

/**
 * A list the language's way: "Zoho CRM and Salesforce", "Zoho CRM e Salesforce", "Zoho CRM和Salesforce".
 * @param {string[]} items
 * @returns {string}
 */
export function formatList(items) {
  return new Intl.ListFormat(current, { style: 'long', type: 'conjunction' }).format(items);
}
