// The pages' ES modules as a graph, read from web/ (no server, no browser):
// which modules each page's entry imports, directly or not. Used by
// web-modules.test.mjs to check that every page preloads exactly the
// modules it needs (<link rel="modulepreload">), so the browser fetches
// them all at once instead of discovering them import by import.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './harness.mjs';

export const webDir = path.join(repoRoot, 'web');

/** Every .js file under web/, as paths relative to web/ ("admin/main.js"). */
export function allModules(dir = webDir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...allModules(full));
    else if (entry.name.endsWith('.js')) found.push(path.relative(webDir, full).split(path.sep).join('/'));
  }
  return found.sort();
}

/** The relative specifiers a module imports statically (import … from './x.js', import './x.js'). */
export function importsOf(source) {
  const specifiers = [];
  for (const m of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]/gm)) specifiers.push(m[1]);
  for (const m of source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) specifiers.push(m[1]);
  return specifiers;
}

/**
 * The modules `entry` (relative to web/) needs, itself included, sorted;
 * throws on an import that is not a relative path to a .js file of web/.
 */
export function moduleClosure(entry) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const source = readFileSync(path.join(webDir, name), 'utf8');
    for (const spec of importsOf(source)) {
      if (!/^\.\.?\//.test(spec) || !spec.endsWith('.js')) throw new Error(`${name} imports ${spec}: imports between the pages' modules are relative paths to .js files`);
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(name), spec));
      if (target.startsWith('../')) throw new Error(`${name} imports ${spec}, outside web/`);
      visit(target);
    }
  };
  visit(entry);
  return [...seen].sort();
}

/** A page's <script type="module" src="/assets/…"> entry and its modulepreload links (relative to web/). */
export function pageModules(htmlFile) {
  const html = readFileSync(path.join(webDir, htmlFile), 'utf8');
  const entries = [...html.matchAll(/<script type="module" src="\/assets\/([^"]+)"><\/script>/g)].map((m) => m[1]);
  const preloads = [...html.matchAll(/<link rel="modulepreload" href="\/assets\/([^"]+)">/g)].map((m) => m[1]);
  const classic = [...html.matchAll(/<script(?![^>]*type="module")[^>]*>/g)].map((m) => m[0]);
  return { entries, preloads, classic };
}
