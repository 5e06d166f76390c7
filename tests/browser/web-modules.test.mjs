// The pages' ES modules, checked from the files alone (no server, no
// browser): each page loads one module entry and preloads exactly the
// modules that entry imports (so a change to the imports that forgets the
// page's <link rel="modulepreload"> list fails here, with the lines to
// paste), every module is used by a page, and every module is type-checked
// (`// @ts-check` first; `npm run typecheck` runs tsc over them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { allModules, moduleClosure, pageModules, webDir } from './module-graph.mjs';

const PAGES = {
  'index.html': 'agent/main.js',
  'admin.html': 'admin/main.js',
  'embed-panel.html': 'embed/main.js',
};

for (const [page, entry] of Object.entries(PAGES)) {
  test(`${page} loads ${entry} as its only script and preloads every module it imports`, () => {
    const { entries, preloads, classic } = pageModules(page);
    assert.deepEqual(classic, [], 'no classic scripts');
    assert.deepEqual(entries, [entry]);
    const needed = moduleClosure(entry).filter((m) => m !== entry);
    const lines = needed.map((m) => `  <link rel="modulepreload" href="/assets/${m}">`).join('\n');
    assert.deepEqual([...preloads].sort(), needed, `${page} should preload exactly:\n${lines}`);
  });
}

test('every module under web/ is used by a page and starts with // @ts-check', () => {
  const used = new Set(Object.values(PAGES).flatMap((entry) => moduleClosure(entry)));
  for (const name of allModules()) {
    assert.ok(used.has(name), `web/${name} is imported by no page`);
    const first = readFileSync(path.join(webDir, name), 'utf8').split('\n')[0];
    assert.equal(first, '// @ts-check', `web/${name} starts with // @ts-check`);
  }
});
