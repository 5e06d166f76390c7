// The message catalogs (web/i18n/<language>.json), checked from the files
// alone (no server, no browser): every language has exactly English's keys,
// each text has the placeholders English has and every plural form its
// language needs; every key the pages ask for with t('…') exists and every
// key is used somewhere (error.<code> keys: by a code the server sends);
// and web/lib/i18n.js picks the language, fills
// placeholders, chooses plural forms and falls back to English.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { allModules, webDir } from './module-graph.mjs';

const LANGUAGES = ['en', 'pt-BR', 'zh-CN'];
const catalog = (language) => JSON.parse(readFileSync(path.join(webDir, 'i18n', language + '.json'), 'utf8'));
const english = catalog('en');
const sources = allModules().map((name) => [name, readFileSync(path.join(webDir, name), 'utf8')]);

/** The placeholders of a message (all its plural forms together), sorted. */
function placeholders(message) {
  const texts = typeof message === 'string' ? [message] : Object.values(message);
  return [...new Set(texts.flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();
}

for (const language of LANGUAGES.slice(1)) {
  test(`${language}.json has exactly the keys of en.json`, () => {
    const own = catalog(language);
    const missing = Object.keys(english).filter((key) => !(key in own));
    const unknown = Object.keys(own).filter((key) => !(key in english));
    assert.deepEqual(missing, [], `${language}.json lacks keys of en.json`);
    assert.deepEqual(unknown, [], `${language}.json has keys en.json does not`);
  });
}

for (const language of LANGUAGES) {
  test(`${language}.json: every text is filled in, with English's placeholders and the plural forms ${language} needs`, () => {
    const own = catalog(language);
    const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
    for (const [key, message] of Object.entries(own)) {
      const en = english[key];
      if (en === undefined) continue; // reported above
      assert.equal(typeof message === 'string', typeof en === 'string', `${language} ${key}: plural forms in one language only`);
      if (typeof message === 'string') {
        assert.ok(message.trim(), `${language} ${key} is empty`);
      } else {
        assert.deepEqual(Object.keys(message).sort(), [...categories].sort(), `${language} ${key}: the plural forms of ${language}`);
        for (const [form, text] of Object.entries(message)) assert.ok(text.trim(), `${language} ${key}.${form} is empty`);
      }
      assert.deepEqual(placeholders(message), placeholders(en), `${language} ${key}: placeholders`);
    }
  });
}

test('every t(\'…\') key the pages use is in en.json, and every key of en.json is used', () => {
  const used = [];
  for (const [name, source] of sources) {
    for (const m of source.matchAll(/\bt\(\s*'([^']+)'/g)) used.push([name, m[1]]);
  }
  assert.ok(used.length > 50, 'the pages call t()');
  const unknown = used.filter(([, key]) => !(key in english)).map(([name, key]) => `${name}: ${key}`);
  assert.deepEqual(unknown, [], 'keys used but not in en.json');
  // Keys may also be named in tables (['field.phone', 'phone']) and passed to t() later;
  // error.<code> keys translate the server's coded messages (next test).
  const all = sources.map(([, source]) => source).join('\n');
  const unused = Object.keys(english).filter((key) => !key.startsWith('error.') && !all.includes(`'${key}'`));
  assert.deepEqual(unused, [], 'keys of en.json no page names');
});

test('every message code the server sends (host/src/panels.rs, desk/schema.rs) has an error.<code> key, and every such key a code', () => {
  const source = (f) => readFileSync(path.join(webDir, '..', 'host', 'src', f), 'utf8');
  const rust = ['panels.rs', 'server/panels.rs'].map(source).join('\n');
  const crm = [...new Set([...rust.matchAll(/"(crm\.[a-z_]+)"/g)].map((m) => m[1]))];
  assert.ok(crm.includes('crm.unreachable') && crm.includes('crm.not_connected'), `codes found: ${crm}`);
  const panel = [...new Set([...rust.matchAll(/"(panel\.[a-z_.]+)"/g)].map((m) => m[1]))];
  assert.ok(panel.includes('panel.restricted.notes') && panel.includes('panel.invalid.task_date'), `codes found: ${panel}`);
  // A field problem's code: `Problem::Email => ("email", ...)` in Problem::code.
  const field = [...new Set([...source('desk/schema.rs').matchAll(/Problem::\w+(?: \{ [^}]*\}|\([^)]*\))? => \("([a-z_]+)"/g)].map((m) => 'field.' + m[1]))];
  assert.ok(field.includes('field.required') && field.includes('field.too_long'), `codes found: ${field}`);
  const codes = [...crm, ...panel, ...field].sort();
  const keys = Object.keys(english).filter((key) => key.startsWith('error.')).map((key) => key.slice('error.'.length)).sort();
  assert.deepEqual(keys, codes);
  for (const code of crm) assert.ok(placeholders(english['error.' + code]).includes('crm'), `error.${code} names the CRM`);
});

/** web/lib/i18n.js with fetch, navigator and document stood in for. */
async function i18nModule(browserLanguages, catalogs) {
  globalThis.fetch = async (url) => {
    const language = /\/assets\/i18n\/([\w-]+)\.json$/.exec(String(url))[1];
    const data = catalogs[language];
    return { ok: !!data, status: data ? 200 : 404, json: async () => data };
  };
  Object.defineProperty(globalThis, 'navigator', { value: { languages: browserLanguages, language: browserLanguages[0] }, configurable: true });
  globalThis.document = { documentElement: {} };
  const source = readFileSync(path.join(webDir, 'lib', 'i18n.js'), 'utf8');
  return import('data:text/javascript;base64,' + Buffer.from(source + `\n// ${Math.random()}`).toString('base64'));
}

test('i18n.js: the agent\'s language, else the browser\'s, else English', async () => {
  const { pickLanguage } = await i18nModule(['en'], {});
  assert.equal(pickLanguage('zh-CN', ['pt-BR']), 'zh-CN', 'the agent\'s setting wins');
  assert.equal(pickLanguage(null, ['pt-BR', 'en']), 'pt-BR');
  assert.equal(pickLanguage(undefined, ['fr-FR', 'pt-PT', 'en']), 'pt-BR', 'the first language offered');
  assert.equal(pickLanguage(null, ['zh', 'en']), 'zh-CN');
  assert.equal(pickLanguage(null, ['zh-TW']), 'zh-CN');
  assert.equal(pickLanguage('', ['de-DE', 'fr']), 'en', 'English when none is offered');
  assert.equal(pickLanguage('pt-br', []), 'pt-BR');
});

test('i18n.js: placeholders, plural forms and numbers per language; a missing text falls back to English', async () => {
  const en = { 'a.hello': 'Hello {name}', 'a.count': { one: '{count} ticket', other: '{count} tickets' }, 'a.only': 'Only in English' };
  const pt = { 'a.hello': 'Olá {name}', 'a.count': { one: '{count} ticket', many: '{count} de tickets', other: '{count} tickets' } };
  const i18n = await i18nModule(['pt-BR', 'en'], { en, 'pt-BR': pt });
  assert.equal(await i18n.setLanguage(null), 'pt-BR');
  assert.equal(i18n.locale(), 'pt-BR');
  assert.equal(globalThis.document.documentElement.lang, 'pt-BR');
  assert.equal(i18n.t('a.hello', { name: 'Ana' }), 'Olá Ana');
  assert.equal(i18n.t('a.count', { count: 1 }), '1 ticket');
  assert.equal(i18n.t('a.count', { count: 1234 }), '1.234 tickets', 'numbers the Brazilian way');
  assert.equal(i18n.t('a.only'), 'Only in English', 'a text pt-BR lacks is read from English');
  assert.equal(i18n.t('a.nowhere'), 'a.nowhere');
  assert.equal(await i18n.setLanguage('en'), 'en');
  assert.equal(i18n.t('a.count', { count: 1 }), '1 ticket');
  assert.equal(i18n.t('a.count', { count: 1234 }), '1,234 tickets');
  assert.equal(i18n.formatList(['Zoho CRM', 'Salesforce']), 'Zoho CRM and Salesforce');
});

test('i18n.js: a language whose catalog cannot be read shows English', async () => {
  const i18n = await i18nModule(['zh-CN'], { en: { 'a.hello': 'Hello {name}' } });
  assert.equal(await i18n.setLanguage(null), 'zh-CN');
  assert.equal(i18n.t('a.hello', { name: 'Li' }), 'Hello Li');
});
