// A misbehaving plugin cannot take the ticket page down: the admin installs
// the hostile test plugin from files through the console (it starts
// disabled), sets mode=spin (it runs past its CPU deadline) and enables it
// with the switch; agents then see its panel report the error while the
// Zoho panel and the ticket render normally.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { crmTicket, repoRoot, screenshot, setup } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

const hostileDir = path.join(repoRoot, 'target', 'plugins', 'hostile');

test('the admin installs the hostile plugin from its files (disabled), sets mode=spin and enables it', async () => {
  const admin = await env.signedInPage('admin', '/admin');
  await admin.getByTestId('install-form').waitFor();
  await admin.getByTestId('install-manifest').setInputFiles(path.join(hostileDir, 'plugin.toml'));
  await admin.getByTestId('install-component').setInputFiles(path.join(hostileDir, 'plugin.wasm'));
  const upload = admin.waitForResponse((r) => r.url().endsWith('/api/admin/plugins') && r.request().method() === 'POST');
  await admin.getByTestId('install-submit').click();
  const response = await upload;
  assert.equal(response.status(), 201, await response.text());
  assert.match(response.request().headers()['content-type'], /^multipart\/form-data/);

  // The console opens the new plugin's page; the plugin is installed disabled.
  const page = admin.getByTestId('plugin-page');
  await page.waitFor();
  assert.equal(await page.getAttribute('data-plugin'), 'hostile');
  assert.equal(await page.getByTestId('plugin-name').textContent(), 'Hostile fixture');
  const enabled = page.getByTestId('plugin-enabled');
  assert.equal(await enabled.isChecked(), false, 'a plugin installed from the console starts disabled');
  await admin.getByTestId('install-notice').waitFor();
  await admin.getByTestId('sandbox-card').waitFor();

  // Configure: the form is generated from config_schema.
  const mode = admin.getByTestId('config-mode');
  await mode.fill('spin');
  const patched = admin.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith('/api/admin/plugins/hostile'));
  await admin.getByTestId('config-save').click();
  assert.equal(JSON.parse((await patched).postData()).config.mode, 'spin');
  await admin.getByTestId('config-saved').waitFor();

  // Enable it (the switch in the page head).
  assert.equal(await enabled.isChecked(), false);
  const enabling = admin.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith('/api/admin/plugins/hostile'));
  await enabled.check({ force: true });
  const enabledAnswer = await enabling;
  assert.equal(enabledAnswer.status(), 200, await enabledAnswer.text());
  assert.deepEqual(enabledAnswer.request().postDataJSON(), { enabled: true });
  assert.ok(await enabled.isChecked());

  const plugin = (await (await admin.request.get('/api/admin/plugins')).json()).plugins.find((p) => p.id === 'hostile');
  assert.equal(plugin.enabled, true);
  assert.equal(plugin.config.mode, 'spin');

  // The integrations list shows both plugins.
  await admin.goto('/admin#plugins');
  await admin.locator('[data-testid=plugin-card][data-plugin=hostile]').waitFor();
  assert.equal(await admin.getByTestId('plugin-card').count(), 2);
  await screenshot(admin, 'admin-console');
});

test("agents see the hostile panel's error while the Zoho panel and the ticket still render", async () => {
  const agent = await env.signedInPage('agent');
  const ticket = await crmTicket(agent);
  await agent.goto(`/#/tickets/${ticket.id}`);

  const hostile = agent.getByTestId('panel-hostile');
  await hostile.waitFor();
  await hostile.getByTestId('panel-alert').waitFor({ timeout: 30000 });
  const sections = (await (await agent.request.get(`/api/tickets/${ticket.id}/panels`)).json()).panels.find((p) => p.plugin === 'hostile').sections;
  for (const s of sections) await hostile.getByTestId(`section-${s}`).getByTestId('section-unavailable').waitFor({ timeout: 30000 });
  assert.equal(await hostile.locator('.loading').count(), 0);
  // One message for the panel, not one per section.
  assert.equal(await hostile.getByRole('alert').count(), 1);

  // The error shown is the server's sentence for agents: what happened
  // and a reference to the log (each failure has its own), no internals.
  const answer = await agent.request.get(`/api/tickets/${ticket.id}/panels/hostile/profile?refresh=1`);
  assert.equal(answer.status(), 502);
  const { error } = await answer.json();
  const withoutReference = (/** @type {string} */ text) => text.replace(/ \(reference [0-9a-f]+\)$/, '');
  assert.match(error, /\(reference [0-9a-f]+\)$/);
  const shown = await hostile.getByTestId('panel-alert-text').textContent();
  assert.equal(withoutReference(shown), withoutReference(error));
  assert.doesNotMatch(shown, /https?:|trap|wasm/i, 'no internals on the agent\'s screen');

  // The Zoho panel and the ticket are unaffected.
  const zoho = agent.getByTestId('panel-zoho-crm');
  await zoho.getByTestId('profile-name').waitFor();
  assert.equal(await zoho.getByTestId('profile-name').textContent(), ticket.requester);
  assert.equal(await zoho.locator('.panel-error').count(), 0);
  assert.equal(await zoho.getByTestId('panel-alert').isVisible(), false);
  await zoho.getByTestId('note').first().waitFor();
  assert.equal(await agent.getByTestId('ticket-title').textContent(), ticket.subject);
  await agent.getByTestId('requester-card').waitFor();
  await screenshot(agent, 'error-panel');
});

test('the Zoho panel renders before the hostile plugin gives up', async () => {
  const agent = await env.signedInPage('agent');
  const ticket = await crmTicket(agent);
  // Fresh data from both plugins, so neither answers from the cache.
  await agent.route('**/panels/*/*', (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set('refresh', '1');
    return route.continue({ url: url.toString() });
  });
  await agent.goto(`/#/tickets/${ticket.id}`);
  await agent.getByTestId('panel-zoho-crm').getByTestId('profile-name').waitFor();
  await agent.getByTestId('ticket-title').waitFor();
  // Each section shows its own state: either still loading, or not available (the panel's message says why).
  const states = await agent.getByTestId('panel-hostile').locator('.section-body > *').evaluateAll((els) => els.map((e) => e.className));
  assert.ok(states.every((c) => /loading|section-unavailable/.test(c)), states.join(','));
});
