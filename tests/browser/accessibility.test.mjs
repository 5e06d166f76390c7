// Accessibility and phones: axe-core runs on every main page of the agent
// app, the admin console and the embed page, at 1280x800 and at 390x844,
// and finds no serious or critical violation; at 390 px no page is wider
// than the screen, Sign out is on screen, the ticket list is cards and the
// CRM panel is a link away. By keyboard: the skip link is the first Tab
// stop and moves focus to main, opening a ticket puts focus on its heading,
// Enter on the panel's Refresh leaves focus on the button, and every "View
// in CRM" link names its record.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { crmTicket, screenshot, setup, signIn } from './harness.mjs';

const require = createRequire(import.meta.url);
/** axe-core's browser build, evaluated in the page (the page's CSP forbids inline scripts, not this). */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let env;
/** A demo ticket whose requester is in Zoho CRM, and that requester's desk contact. */
let ticket;
let contactId;
before(async () => {
  env = await setup();
  const page = await env.signedInPage('agent');
  ticket = await crmTicket(page);
  contactId = (await (await page.request.get(`/api/tickets/${ticket.id}`)).json()).fields.contact_id;
  assert.ok(contactId, `ticket ${ticket.id} has a desk contact`);
});
after(async () => { await env?.close(); });

/** Resolves once nothing on the page shows a spinner any more. */
async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('.loading, [aria-busy=true]'));
}

/** The panel beside a ticket or contact, with every section loaded. */
async function panelLoaded(page) {
  await page.getByTestId('panel-zoho-crm').getByTestId('profile-name').waitFor();
  await settled(page);
}

/**
 * The main pages: who sees them, where, and when they are ready.
 * @type {{name: string, who: string, path: () => string, ready: (page: import('playwright-core').Page) => Promise<void>}[]}
 */
const PAGES = [
  { name: 'agent ticket list', who: 'agent', path: () => '/#/tickets', ready: async (page) => { await page.getByTestId('ticket-row').first().waitFor(); await settled(page); } },
  { name: 'ticket view with the CRM panel', who: 'agent', path: () => `/#/tickets/${ticket.id}`, ready: async (page) => { await page.getByTestId('requester-card').waitFor(); await panelLoaded(page); } },
  { name: 'contact page', who: 'agent', path: () => `/#/contacts/${contactId}`, ready: async (page) => { await page.getByTestId('requester-card').waitFor(); await panelLoaded(page); } },
  { name: 'embedded panel', who: 'agent', path: () => `/embed/panel?ticket=${ticket.id}&plugin=zoho-crm`, ready: panelLoaded },
  { name: 'admin Integrations list', who: 'admin', path: () => '/admin#plugins', ready: async (page) => { await page.getByTestId('plugin-name').first().waitFor(); await settled(page); } },
  { name: 'plugin page', who: 'admin', path: () => '/admin#plugin=zoho-crm', ready: async (page) => { await page.getByTestId('plugin-page').waitFor(); await page.getByTestId('permissions-zoho-crm').waitFor(); await settled(page); } },
  { name: 'permissions', who: 'admin', path: () => '/admin#permissions', ready: async (page) => { await page.getByTestId('permissions-zoho-crm').waitFor(); await settled(page); } },
  { name: 'agents and profiles', who: 'admin', path: () => '/admin#agents', ready: async (page) => { await page.getByTestId('agents-table').waitFor(); await settled(page); } },
  { name: 'sync page', who: 'admin', path: () => '/admin#sync=zoho-crm', ready: async (page) => { await page.getByTestId('sync-page').waitFor(); await page.getByTestId('sync-progress').waitFor(); await settled(page); } },
];

/** Runs axe-core on the page; returns its violations of impact serious or critical. */
async function seriousViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The violations as lines a person can act on: rule, what it wants, and each element with why. */
function describeViolations(violations) {
  return violations.map((v) => [
    `${v.impact} ${v.id} (${v.nodes.length}): ${v.help} ${v.helpUrl}`,
    ...v.nodes.map((n) => `    ${n.target.join(' ')}\n      ${n.html.slice(0, 200)}\n      ${(n.failureSummary || '').replace(/\n\s*/g, ' ')}`),
  ].join('\n')).join('\n');
}

/** Signed-in pages of one viewport, one per sign-in, made when first asked for. */
function pagesAt(viewport) {
  const pages = {};
  return async (who) => {
    if (!pages[who]) {
      const context = await env.newContext({ viewport });
      pages[who] = await context.newPage();
      await signIn(pages[who], who);
    }
    return pages[who];
  };
}

/** Opens one of PAGES afresh. */
async function open(page, spec) {
  await page.goto('about:blank');
  await page.goto(spec.path());
  await spec.ready(page);
}

for (const [label, viewport] of [['desktop 1280x800', DESKTOP], ['phone 390x844', PHONE]]) {
  describe(`axe-core at ${label}`, () => {
    const pageFor = pagesAt(viewport);
    for (const spec of PAGES) {
      test(`${spec.name}: no serious or critical violation${viewport === PHONE ? ', nothing wider than the screen, Sign out on screen' : ''}`, async () => {
        const page = await pageFor(spec.who);
        await open(page, spec);
        const violations = await seriousViolations(page);
        assert.equal(violations.length, 0, `axe-core on the ${spec.name} at ${label} (${page.url()}):\n${describeViolations(violations)}`);
        if (viewport !== PHONE) return;
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= PHONE.width, `the ${spec.name} is ${width} px wide at ${PHONE.width} px`);
        const signOut = page.getByTestId('sign-out');
        if (await signOut.count()) {
          const box = await signOut.boundingBox();
          assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width, `Sign out is within the screen on the ${spec.name}: ${JSON.stringify(box)}`);
        }
      });
    }
  });
}

describe('at 390 px', () => {
  const pageFor = pagesAt(PHONE);

  test('the ticket list is one card per ticket, each within the screen', async () => {
    const page = await pageFor('agent');
    await open(page, PAGES[0]);
    const rows = await page.getByTestId('ticket-row').evaluateAll((trs) => trs.map((tr) => {
      const box = tr.getBoundingClientRect();
      const subject = /** @type {HTMLElement} */ (tr.querySelector('.cell-subject')).getBoundingClientRect();
      return { left: box.left, right: box.right, width: box.width, subjectWidth: subject.width };
    }));
    assert.ok(rows.length > 1);
    for (const row of rows) {
      assert.ok(row.left >= 0 && row.right <= PHONE.width, `a ticket card within the screen: ${JSON.stringify(row)}`);
      assert.ok(row.subjectWidth > row.width * 0.8, `the subject spans the card: ${JSON.stringify(row)}`);
    }
    const head = await page.locator('thead').boundingBox();
    assert.ok(head.width <= 1 && head.height <= 1, `no column headers on screen, they stay for screen readers: ${JSON.stringify(head)}`);
    await screenshot(page, 'phone-ticket-list');
  });

  test('the ticket view links to its CRM panel near the top', async () => {
    const page = await pageFor('agent');
    await open(page, PAGES[1]);
    const jump = page.getByTestId('jump-to-panels');
    assert.ok(await jump.isVisible(), 'the CRM panel link shows');
    const box = await jump.boundingBox();
    assert.ok(box.y < 150, `the link is near the top: ${JSON.stringify(box)}`);
    const panels = page.getByTestId('panels');
    await screenshot(page, 'phone-ticket');
    await jump.click();
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('data-testid')), 'panels');
    const top = await panels.evaluate((node) => node.getBoundingClientRect().top);
    assert.ok(top >= 56 && top < 120, `the panel is scrolled to the top, below the top bar (top ${top})`);
    await screenshot(page, 'phone-ticket-panel');
  });

  test('the Contacts/Accounts switch and the sync status keep their words on one line', async () => {
    const page = await pageFor('admin');
    await open(page, PAGES.find((p) => p.name === 'permissions'));
    const lineHeight = (locator) => locator.evaluate((node) => node.getBoundingClientRect().height / parseFloat(getComputedStyle(node).lineHeight));
    for (const value of ['contacts', 'accounts']) {
      const button = page.getByTestId(`perm-show-${value}`).first();
      assert.ok(await lineHeight(button) < 2, `the ${value} button is one line high`);
    }
    await open(page, PAGES.find((p) => p.name === 'sync page'));
    const state = page.getByTestId('sync-progress-state');
    assert.ok(await lineHeight(state) < 2, `"${await state.textContent()}" is one line high`);
    // The demo syncs nothing yet: shown as neutral, not with a success tick.
    assert.equal(await state.textContent(), 'Not syncing');
    assert.equal(await page.getByTestId('sync-state-icon').textContent(), '\u2013');
    assert.match(await page.getByTestId('sync-progress').getAttribute('class'), /sync-progress-off/);
  });
});

describe('by keyboard', () => {
  const pageFor = pagesAt(DESKTOP);

  for (const spec of [PAGES[0], PAGES.find((p) => p.name === 'admin Integrations list')]) {
    test(`the skip link is the first Tab stop of the ${spec.name}, shows, and moves focus to main`, async () => {
      const page = await pageFor(spec.who);
      await open(page, spec);
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => ({ testid: document.activeElement?.getAttribute('data-testid'), text: document.activeElement?.textContent }));
      assert.deepEqual(focused, { testid: 'skip-link', text: 'Skip to main content' });
      const box = await page.getByTestId('skip-link').boundingBox();
      assert.ok(box && box.y >= 0 && box.height > 10, `the focused skip link is on screen: ${JSON.stringify(box)}`);
      const url = page.url();
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'MAIN');
      assert.equal(page.url(), url, 'the address (the route) stays');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => !!document.activeElement?.closest('main')), true, 'the next Tab stop is inside main');
    });
  }

  test('opening a ticket from the list moves focus to its heading', async () => {
    const page = await pageFor('agent');
    await open(page, PAGES[0]);
    const link = page.getByTestId('ticket-row').filter({ has: page.locator(`[href="#/tickets/${ticket.id}"]`) }).getByTestId('ticket-subject');
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('ticket-title').waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'ticket-title');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), ticket.subject);
  });

  test('Enter on the panel\'s Refresh keeps focus on it while and after the sections reload', async () => {
    const page = await pageFor('agent');
    await open(page, PAGES[1]);
    const panel = page.getByTestId('panel-zoho-crm');
    const refresh = panel.getByTestId('panel-refresh');
    const reloaded = page.waitForResponse((r) => /\/panels\/zoho-crm\/profile\?refresh=1$/.test(r.url()));
    await refresh.focus();
    await page.keyboard.press('Enter');
    const focusedTestid = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    assert.equal(await focusedTestid(), 'panel-refresh', 'focus stays on Refresh while it loads');
    await reloaded;
    await panelLoaded(page);
    assert.equal(await focusedTestid(), 'panel-refresh', 'focus is on Refresh once loaded');
    assert.equal(await refresh.getAttribute('aria-disabled'), null, 'Refresh is usable again');
  });

  test('each "View in CRM" link has its own accessible name, naming its record', async () => {
    const page = await pageFor('agent');
    await open(page, PAGES[1]);
    const panel = page.getByTestId('panel-zoho-crm');
    const links = await panel.locator('a.crm-link').evaluateAll((as) => as.map((a) => ({ text: a.textContent, name: a.getAttribute('aria-label') || a.textContent })));
    assert.ok(links.length >= 5, `the demo requester's panel has links: ${links.length}`);
    const names = links.map((l) => l.name);
    assert.equal(new Set(names).size, names.length, `the names differ: ${names.join(' | ')}`);
    for (const { text, name } of links) assert.ok(name.startsWith(text) && name.length > text.length, `"${name}" begins with the visible "${text}" and says more`);
    assert.ok(names.includes(`View in Zoho CRM: ${ticket.requester}`), `the profile's link names ${ticket.requester}: ${names.join(' | ')}`);
  });
});
