// The admin console's security controls, driven as an Administrator in the
// real browser against the demo server:
// - A plugin installed through the console starts disabled, and its page
//   shows its Sandbox (the hosts it may reach, the limits it runs with)
//   before the admin enables it; limits above the defaults the manifest
//   asks for wait for the admin's approval. A secret setting's value never
//   comes back to the console; an empty field keeps it.
// - Deactivating an agent ends their open session at once, the sign-in
//   page refuses them with the server's sentence, and reactivating lets
//   them back; the console shows the server's refusals (an admin cannot
//   deactivate themselves) and deletes an agent after a confirm step.
// - Sign-in throttling: after repeated wrong passwords the sign-in form
//   shows the server's 429 sentence ("try again in N seconds").
// - API tokens: created in the console (shown once), listed, revoked; the
//   token works as a Bearer token before revocation and not after.
// The tests run in order and share one server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, copyFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiJson, LOGINS, repoRoot, screenshot, setup } from './harness.mjs';

const hostileDir = path.join(repoRoot, 'target', 'plugins', 'hostile');
/** What tests/fixtures/hostile/plugin.toml's [limits] asks (all at or below the defaults). */
const HOSTILE_LIMITS = { memory_mib: 32, cpu_ms: 300, call_timeout_ms: 5000, max_concurrency: 2, response_bytes: 65536 };

let env;
let greedyDir;
before(async () => { env = await setup(); });
after(async () => {
  if (greedyDir) rmSync(greedyDir, { recursive: true, force: true });
  await env?.close();
});

const plugins = async (page) => (await apiJson(page, 'GET', '/api/admin/plugins')).plugins;
const agents = async (page) => (await apiJson(page, 'GET', '/api/admin/agents')).agents;
const isPluginPatch = (id) => (r) => r.request().method() === 'PATCH' && new URL(r.url()).pathname === `/api/admin/plugins/${id}`;

/** Installs a plugin from its two files through the console's install form; returns the POST's answer. */
async function installThroughConsole(admin, dir) {
  await admin.goto('/admin#plugins');
  await admin.getByTestId('install-form').waitFor();
  await admin.getByTestId('install-manifest').setInputFiles(path.join(dir, 'plugin.toml'));
  await admin.getByTestId('install-component').setInputFiles(path.join(dir, 'plugin.wasm'));
  const upload = admin.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/admin/plugins');
  await admin.getByTestId('install-submit').click();
  const response = await upload;
  assert.equal(response.status(), 201, await response.text());
  return response.json();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** POST /api/login from node (no cookies). */
const loginFetch = (email, password) => fetch(`${env.baseUrl}/api/login`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ email, password }),
});

/** Signs in through the page's form (already showing) and returns without waiting for success. */
async function submitSignIn(page, login) {
  await page.getByTestId('login-email').fill(login.email);
  await page.getByTestId('login-password').fill(login.password);
  await page.getByTestId('login-submit').click();
}

test('a plugin installed through the console starts disabled; its Sandbox card shows no network access and the limits it runs with', async () => {
  const admin = await env.signedInPage('admin', '/admin');
  const installed = await installThroughConsole(admin, hostileDir);
  assert.equal(installed.enabled, false, 'the install answer says disabled');

  const page = admin.locator('[data-testid=plugin-page][data-plugin=hostile]');
  await page.waitFor();
  await admin.getByTestId('toast').filter({ hasText: 'installed, disabled' }).waitFor({ state: 'attached' });
  assert.match(await admin.getByTestId('install-notice').textContent(), /installed and disabled\. Review its sandbox/);

  // The switch says Disabled, and so does the API.
  const enabled = page.getByTestId('plugin-enabled');
  assert.equal(await enabled.isChecked(), false);
  assert.equal(await page.locator('.switch-label').textContent(), 'Disabled');
  const plugin = (await plugins(admin)).find((p) => p.id === 'hostile');
  assert.equal(plugin.enabled, false);

  // The API's sandbox: no hosts at all, and the manifest's limits (none above the defaults).
  assert.deepEqual(plugin.sandbox.allowed_hosts, []);
  assert.deepEqual(plugin.sandbox.extra_hosts, []);
  assert.deepEqual(plugin.sandbox.requests_above_defaults, []);
  assert.equal(plugin.sandbox.above_defaults_approved, false);
  assert.deepEqual(plugin.sandbox.limits, HOSTILE_LIMITS);

  // The Sandbox card shows the same, before the plugin is enabled.
  const card = admin.getByTestId('sandbox-card');
  await card.waitFor();
  assert.equal(await card.getAttribute('data-enabled'), 'false');
  assert.match(await card.getByTestId('sandbox-state').textContent(), /Disabled: review before enabling/);
  const hosts = card.getByTestId('sandbox-hosts');
  assert.equal(await hosts.getByTestId('sandbox-no-network').textContent(), 'No network access: the plugin cannot reach any server.');
  assert.equal(await hosts.getByTestId('sandbox-host').count(), 0);
  const limits = card.getByTestId('sandbox-limits');
  const shown = {
    memory_mib: '32 MiB',
    cpu_ms: '300 ms',
    call_timeout_ms: '5 s',
    max_concurrency: '2',
    response_bytes: '64 KiB',
  };
  for (const [key, text] of Object.entries(shown)) {
    assert.equal(await limits.getByTestId(`sandbox-limit-${key}`).textContent(), text, key);
    assert.equal(await limits.locator(`[data-limit=${key}]`).getAttribute('data-value'), String(HOSTILE_LIMITS[key]), key);
  }
  assert.equal(await card.getByTestId('sandbox-above-defaults').count(), 0, 'nothing to approve');
  assert.equal(await card.getByTestId('approve-limits').count(), 0);

  // The card sits right under the page head, next to the switch.
  const order = await admin.locator('.admin-content > *').evaluateAll((els) => els.map((e) => e.dataset.testid || e.className));
  assert.ok(order.indexOf('sandbox-card') > order.indexOf('plugin-page'), order.join(','));
  assert.ok(order.indexOf('sandbox-card') < order.indexOf('config-form'), order.join(','));
  await card.scrollIntoViewIfNeeded();
  await screenshot(admin, 'plugin-sandbox');

  // An extra host granted in the settings shows in the allow-list, marked as added by an admin.
  await admin.getByTestId('config-extra-hosts').fill('https://crm.example.com');
  const saved = admin.waitForResponse(isPluginPatch('hostile'));
  await admin.getByTestId('config-save').click();
  assert.equal((await saved).status(), 200);
  await admin.getByTestId('config-saved').waitFor();
  const extra = admin.getByTestId('sandbox-card').getByTestId('sandbox-host');
  await extra.first().waitFor();
  assert.equal(await extra.count(), 1);
  assert.equal(await extra.getAttribute('data-source'), 'extra');
  assert.match(await extra.textContent(), /crm\.example\.com.*added by an admin/);
  assert.equal(await admin.getByTestId('sandbox-no-network').count(), 0);
  assert.equal((await plugins(admin)).find((p) => p.id === 'hostile').sandbox.extra_hosts.length, 1);

  // Calls at once: the admin sets the CRM account's allowance in place of
  // the manifest's (2), within the desk's ceiling, then returns to it.
  const concurrency = admin.getByTestId('sandbox-concurrency');
  assert.equal(await concurrency.getAttribute('placeholder'), 'as the plugin asks');
  await concurrency.fill('99');
  await admin.getByTestId('sandbox-concurrency-save').click();
  await admin.getByTestId('toast').filter({ hasText: 'a whole number from 1 to 64' }).waitFor({ state: 'attached' });
  await concurrency.fill('6');
  let patched = admin.waitForResponse(isPluginPatch('hostile'));
  await admin.getByTestId('sandbox-concurrency-save').click();
  assert.equal((await patched).status(), 200);
  await admin.getByTestId('sandbox-limit-max_concurrency').filter({ hasText: /^6$/ }).waitFor();
  assert.equal(await admin.getByTestId('sandbox-concurrency').inputValue(), '6');
  assert.equal((await plugins(admin)).find((p) => p.id === 'hostile').sandbox.concurrency_set, 6);
  patched = admin.waitForResponse(isPluginPatch('hostile'));
  await admin.getByTestId('sandbox-concurrency-reset').click();
  assert.equal((await patched).status(), 200);
  await admin.getByTestId('sandbox-limit-max_concurrency').filter({ hasText: /^2$/ }).waitFor();
  assert.equal((await plugins(admin)).find((p) => p.id === 'hostile').sandbox.concurrency_set, null);
  // Taken away again: no network access.
  await admin.getByTestId('config-extra-hosts').fill('');
  const cleared = admin.waitForResponse(isPluginPatch('hostile'));
  await admin.getByTestId('config-save').click();
  assert.equal((await cleared).status(), 200);
  await admin.getByTestId('sandbox-card').getByTestId('sandbox-no-network').waitFor();

  // Enabling it with the switch flips the card's state; disabled again afterwards.
  const enabling = admin.waitForResponse(isPluginPatch('hostile'));
  await page.getByTestId('plugin-enabled').check({ force: true });
  assert.equal((await enabling).status(), 200);
  await admin.locator('[data-testid=sandbox-card][data-enabled=true]').waitFor();
  assert.equal((await plugins(admin)).find((p) => p.id === 'hostile').enabled, true);
  const disabling = admin.waitForResponse(isPluginPatch('hostile'));
  await page.getByTestId('plugin-enabled').uncheck({ force: true });
  assert.equal((await disabling).status(), 200);
  await admin.locator('[data-testid=sandbox-card][data-enabled=false]').waitFor();
  assert.equal((await plugins(admin)).find((p) => p.id === 'hostile').enabled, false);
});

test('limits above the defaults wait for the admin: listed with a warning, Approve grants them, Take back returns to the defaults', async () => {
  // The hostile fixture under another id, its manifest asking for more than the defaults.
  greedyDir = mkdtempSync(path.join(os.tmpdir(), 'deskpane-greedy-'));
  const manifest = readFileSync(path.join(hostileDir, 'plugin.toml'), 'utf8')
    .replace(/^id = "hostile"$/m, 'id = "greedy"')
    .replace(/^name = "Hostile fixture"$/m, 'name = "Greedy fixture"')
    .replace(/^memory-mib = \d+$/m, 'memory-mib = 128')
    .replace(/^max-concurrency = \d+$/m, 'max-concurrency = 8')
    .replace(/^\[limits\]$/m, '[config.api-secret]\ntype = "secret"\nlabel = "A secret setting"\n\n[limits]');
  assert.match(manifest, /id = "greedy"[\s\S]*api-secret[\s\S]*memory-mib = 128[\s\S]*max-concurrency = 8/);
  writeFileSync(path.join(greedyDir, 'plugin.toml'), manifest);
  copyFileSync(path.join(hostileDir, 'plugin.wasm'), path.join(greedyDir, 'plugin.wasm'));

  const admin = await env.signedInPage('admin', '/admin');
  await installThroughConsole(admin, greedyDir);
  await admin.locator('[data-testid=plugin-page][data-plugin=greedy]').waitFor();

  let plugin = (await plugins(admin)).find((p) => p.id === 'greedy');
  assert.equal(plugin.enabled, false);
  assert.deepEqual(plugin.sandbox.requests_above_defaults, ['memory 128 MiB (default 64)', '8 concurrent calls (default 4)']);
  assert.equal(plugin.sandbox.above_defaults_approved, false);
  assert.equal(plugin.sandbox.limits.memory_mib, 64, 'it runs with the default until approved');
  assert.equal(plugin.sandbox.limits.max_concurrency, 4);

  const card = admin.getByTestId('sandbox-card');
  const above = card.getByTestId('sandbox-above-defaults');
  await above.waitFor();
  assert.equal(await above.getAttribute('data-approved'), 'false');
  assert.deepEqual(await above.getByTestId('sandbox-above-item').allTextContents(), plugin.sandbox.requests_above_defaults);
  assert.equal(await card.getByTestId('sandbox-limit-memory_mib').textContent(), '64 MiB');
  assert.equal(await card.getByTestId('sandbox-limit-max_concurrency').textContent(), '4');
  const approve = card.getByTestId('approve-limits');
  assert.equal(await approve.textContent(), 'Approve these limits');

  // The integrations list flags it too.
  await admin.goto('/admin#plugins');
  await admin.locator('[data-testid=plugin-card][data-plugin=greedy] [data-testid=plugin-limits-pending]').waitFor();
  assert.equal(await admin.locator('[data-testid=plugin-card][data-plugin=hostile] [data-testid=plugin-limits-pending]').count(), 0);
  await admin.goto('/admin#plugin=greedy');
  await above.waitFor();

  // Approve.
  let patched = admin.waitForResponse(isPluginPatch('greedy'));
  await approve.click();
  let response = await patched;
  assert.equal(response.status(), 200, await response.text());
  assert.deepEqual(response.request().postDataJSON(), { approve_limits: true });
  await admin.locator('[data-testid=sandbox-above-defaults][data-approved=true]').waitFor();
  assert.equal(await card.getByTestId('approve-limits').textContent(), 'Take back');
  assert.equal(await card.getByTestId('sandbox-limit-memory_mib').textContent(), '128 MiB');
  assert.equal(await card.getByTestId('sandbox-limit-max_concurrency').textContent(), '8');
  plugin = (await plugins(admin)).find((p) => p.id === 'greedy');
  assert.equal(plugin.sandbox.above_defaults_approved, true);
  assert.equal(plugin.sandbox.limits.memory_mib, 128);

  // Take back.
  patched = admin.waitForResponse(isPluginPatch('greedy'));
  await card.getByTestId('approve-limits').click();
  response = await patched;
  assert.equal(response.status(), 200, await response.text());
  assert.deepEqual(response.request().postDataJSON(), { approve_limits: false });
  await admin.locator('[data-testid=sandbox-above-defaults][data-approved=false]').waitFor();
  assert.equal(await card.getByTestId('approve-limits').textContent(), 'Approve these limits');
  assert.equal(await card.getByTestId('sandbox-limit-memory_mib').textContent(), '64 MiB');
  plugin = (await plugins(admin)).find((p) => p.id === 'greedy');
  assert.equal(plugin.sandbox.above_defaults_approved, false);
  assert.equal(plugin.sandbox.limits.memory_mib, 64);
});

test('a secret setting is masked: set once, it comes back empty with "Set \u2014 leave empty to keep", and saving an empty field keeps it', async () => {
  const admin = await env.signedInPage('admin', '/admin#plugin=greedy');
  const SECRET = 'sk_' + Math.random().toString(36).slice(2) + 'Q7';
  const field = admin.getByTestId('config-api-secret');
  await field.waitFor();
  assert.equal(await field.getAttribute('type'), 'password');
  assert.equal(await field.inputValue(), '');
  assert.equal(await field.getAttribute('placeholder'), 'Not set');

  const save = async () => {
    const patched = admin.waitForResponse(isPluginPatch('greedy'));
    await admin.getByTestId('config-save').click();
    const response = await patched;
    assert.equal(response.status(), 200, await response.text());
    await admin.getByTestId('config-saved').waitFor();
    return response;
  };
  await field.fill(SECRET);
  let response = await save();
  assert.equal(response.request().postDataJSON().config['api-secret'], SECRET);
  assert.ok(!(await response.text()).includes(SECRET), 'the answer never holds the secret');

  let plugin = (await plugins(admin)).find((p) => p.id === 'greedy');
  assert.equal(plugin.config['api-secret'], '');
  assert.deepEqual(plugin.secrets_set, ['api-secret']);
  assert.equal(await field.inputValue(), '');
  assert.equal(await field.getAttribute('placeholder'), 'Set \u2014 leave empty to keep');
  assert.ok(!(await admin.content()).includes(SECRET), 'the secret is not on the page');

  // Saved again with the field empty: "" is sent, and the stored value stays.
  response = await save();
  assert.equal(response.request().postDataJSON().config['api-secret'], '');
  plugin = (await plugins(admin)).find((p) => p.id === 'greedy');
  assert.deepEqual(plugin.secrets_set, ['api-secret']);
  assert.equal(await field.getAttribute('placeholder'), 'Set \u2014 leave empty to keep');
});

test('an admin deactivates the demo agent: their open session ends, sign-in refuses them with the server\'s sentence, and reactivating lets them back in', async () => {
  // The agent's browser, signed in before.
  const agentPage = await env.signedInPage('agent');
  await agentPage.getByTestId('ticket-row').first().waitFor();
  assert.equal((await agentPage.request.get('/api/me')).status(), 200);

  const admin = await env.signedInPage('admin', '/admin#agents');
  const row = admin.locator(`[data-testid=agent-row][data-email="${LOGINS.agent.email}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-active'), 'true');
  assert.equal(await row.getByTestId('agent-inactive').count(), 0);
  const demo = (await agents(admin)).find((a) => a.email === LOGINS.agent.email);
  assert.equal(demo.active, true);
  const isAgentPatch = (r) => r.request().method() === 'PATCH' && new URL(r.url()).pathname === `/api/admin/agents/${demo.id}`;

  // Deactivate.
  const toggle = row.getByTestId('agent-toggle-active');
  assert.equal(await toggle.textContent(), 'Deactivate');
  let patched = admin.waitForResponse(isAgentPatch);
  await toggle.click();
  let response = await patched;
  assert.equal(response.status(), 200, await response.text());
  assert.deepEqual(response.request().postDataJSON(), { active: false });
  assert.equal((await response.json()).active, false);
  await admin.locator(`[data-testid=agent-row][data-email="${LOGINS.agent.email}"][data-active=false]`).waitFor();
  assert.equal(await row.getByTestId('agent-inactive').textContent(), 'Inactive');
  assert.equal(await row.getByTestId('agent-toggle-active').textContent(), 'Reactivate');
  assert.equal((await agents(admin)).find((a) => a.id === demo.id).active, false);

  // The agent's open session: its next API call is refused, and the app falls back to the sign-in page.
  assert.equal((await agentPage.request.get('/api/me')).status(), 401);
  const refusedCall = agentPage.waitForResponse((r) => new URL(r.url()).pathname.startsWith('/api/tickets/'));
  await agentPage.getByTestId('ticket-row').first().getByTestId('ticket-subject').click();
  assert.equal((await refusedCall).status(), 401);
  await agentPage.getByTestId('login-form').waitFor();

  // Signing in again is refused with the server's sentence.
  const direct = await loginFetch(LOGINS.agent.email, LOGINS.agent.password);
  assert.equal(direct.status, 403);
  const { error: sentence } = await direct.json();
  assert.match(sentence, /deactivated/);
  const login = agentPage.waitForResponse((r) => new URL(r.url()).pathname === '/api/login');
  await submitSignIn(agentPage, LOGINS.agent);
  assert.equal((await login).status(), 403);
  const loginError = agentPage.getByTestId('login-error');
  await loginError.waitFor();
  assert.equal(await loginError.textContent(), sentence);
  assert.equal(await agentPage.getByTestId('current-agent').count(), 0);

  // Reactivate: the agent signs in again.
  patched = admin.waitForResponse(isAgentPatch);
  await row.getByTestId('agent-toggle-active').click();
  response = await patched;
  assert.equal(response.status(), 200, await response.text());
  assert.deepEqual(response.request().postDataJSON(), { active: true });
  await admin.locator(`[data-testid=agent-row][data-email="${LOGINS.agent.email}"][data-active=true]`).waitFor();
  assert.equal(await row.getByTestId('agent-inactive').count(), 0);
  assert.equal(await row.getByTestId('agent-toggle-active').textContent(), 'Deactivate');

  await submitSignIn(agentPage, LOGINS.agent);
  await agentPage.getByTestId('current-agent').waitFor();
  assert.equal(await agentPage.getByTestId('current-agent-profile').textContent(), 'Agent');
  assert.equal((await agentPage.request.get('/api/me')).status(), 200);
});

test("the console shows the server's refusal, in plain words, when an admin tries to deactivate or delete themselves", async () => {
  const admin = await env.signedInPage('admin', '/admin#agents');
  const me = (await agents(admin)).find((a) => a.email === LOGINS.admin.email);
  const expected = await admin.request.patch(`/api/admin/agents/${me.id}`, { data: { active: false } });
  assert.equal(expected.status(), 409);
  const { error: sentence } = await expected.json();
  assert.ok(sentence && sentence.length > 0);

  const row = admin.locator(`[data-testid=agent-row][data-email="${LOGINS.admin.email}"]`);
  await row.waitFor();
  const patched = admin.waitForResponse((r) => r.request().method() === 'PATCH' && new URL(r.url()).pathname === `/api/admin/agents/${me.id}`);
  await row.getByTestId('agent-toggle-active').click();
  assert.equal((await patched).status(), 409);
  const error = admin.getByTestId('agents-error');
  await error.waitFor();
  // The server's refusal (you cannot deactivate yourself) in the console's plain words.
  assert.match(sentence, /cannot deactivate yourself/);
  assert.match(await error.textContent(), /^You cannot remove or deactivate your own account/);
  assert.equal(await row.getAttribute('data-active'), 'true');

  // Delete yourself: confirmed, then refused with the server's sentence.
  const deleteExpected = await admin.request.delete(`/api/admin/agents/${me.id}`);
  assert.equal(deleteExpected.status(), 409);
  const { error: deleteSentence } = await deleteExpected.json();
  await row.getByTestId('agent-delete').click();
  await admin.getByTestId('confirm-dialog').waitFor();
  const deleted = admin.waitForResponse((r) => r.request().method() === 'DELETE' && new URL(r.url()).pathname === `/api/admin/agents/${me.id}`);
  await admin.getByTestId('confirm-delete').click();
  assert.equal((await deleted).status(), 409);
  assert.match(deleteSentence, /cannot delete yourself/);
  await admin.getByTestId('agents-error').filter({ hasText: /^You cannot remove or deactivate your own account/ }).waitFor();
  assert.equal((await agents(admin)).filter((a) => a.id === me.id).length, 1);
  assert.equal((await admin.request.get('/api/me')).status(), 200, 'still signed in');
});

test('an admin deletes an agent after confirming; Cancel keeps them', async () => {
  const admin = await env.signedInPage('admin', '/admin#agents');
  const temp = await apiJson(admin, 'POST', '/api/admin/agents', { name: 'Temp Worker', email: 'temp@deskpane.example', password: 'temp-pass-1234', profile: 'Agent' });
  await admin.reload();
  const row = admin.locator('[data-testid=agent-row][data-email="temp@deskpane.example"]');
  await row.waitFor();

  await row.getByTestId('agent-delete').click();
  await admin.getByTestId('confirm-dialog').waitFor();
  await admin.getByTestId('confirm-cancel').click();
  assert.equal(await admin.getByTestId('confirm-dialog').count(), 0);
  assert.equal((await agents(admin)).filter((a) => a.id === temp.id).length, 1, 'Cancel keeps the agent');

  await row.getByTestId('agent-delete').click();
  const deleted = admin.waitForResponse((r) => r.request().method() === 'DELETE' && new URL(r.url()).pathname === `/api/admin/agents/${temp.id}`);
  await admin.getByTestId('confirm-delete').click();
  assert.equal((await deleted).status(), 204);
  await row.waitFor({ state: 'detached' });
  assert.equal((await agents(admin)).filter((a) => a.id === temp.id).length, 0);
  const signIn = await loginFetch('temp@deskpane.example', 'temp-pass-1234');
  assert.equal(signIn.status, 401, 'a deleted agent cannot sign in');
});

test("after repeated wrong passwords the admin console's sign-in form shows the server's 429 sentence", async () => {
  const admin = await env.signedInPage('admin', '/admin#agents');
  const victim = { email: 'throttled@deskpane.example', password: 'throttled-pass-1234' };
  await apiJson(admin, 'POST', '/api/admin/agents', { name: 'Throttled Admin', email: victim.email, password: victim.password, profile: 'Administrator' });

  // Wrong passwords until the account must wait a few seconds (the wait doubles per failure).
  let throttled = null;
  for (let i = 0; i < 20 && !throttled; i++) {
    const r = await loginFetch(victim.email, 'not-the-password');
    if (r.status === 429) {
      const wait = Number(r.headers.get('retry-after'));
      assert.ok(wait >= 1, `Retry-After: ${r.headers.get('retry-after')}`);
      assert.match((await r.json()).error, /^too many failed sign-ins; try again in \d+ seconds$/);
      if (wait >= 3) throttled = r;
      else await sleep((wait + 1) * 1000);
    } else {
      assert.equal(r.status, 401, await r.text());
    }
  }
  assert.ok(throttled, 'the account was throttled');

  // Even the right password waits, and the form says so in the server's words.
  const page = await (await env.newContext()).newPage();
  await page.goto('/admin');
  await page.getByTestId('login-form').waitFor();
  const login = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/login');
  await submitSignIn(page, victim);
  const response = await login;
  assert.equal(response.status(), 429);
  assert.ok(Number(response.headers()['retry-after']) >= 1);
  const { error: sentence } = await response.json();
  const loginError = page.getByTestId('login-error');
  await loginError.waitFor();
  assert.equal(await loginError.textContent(), sentence);
  assert.match(sentence, /^too many failed sign-ins; try again in \d+ seconds$/);
  assert.equal(await page.getByTestId('current-agent').count(), 0);
});

test('an admin creates an API token in the console, sees it listed and revokes it: it works as a Bearer token before and not after', async () => {
  const admin = await env.signedInPage('admin', '/admin#agents');
  const card = admin.getByTestId('tokens-card');
  await card.waitFor();
  const demo = (await agents(admin)).find((a) => a.email === LOGINS.agent.email);

  const form = card.getByTestId('token-form');
  await form.getByTestId('token-agent').selectOption(demo.id);
  await form.getByTestId('token-label-input').fill('Security test');
  await form.getByTestId('token-days').fill('30');
  const posted = admin.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/admin/tokens');
  await form.getByTestId('token-submit').click();
  const response = await posted;
  assert.equal(response.status(), 201, await response.text());
  assert.deepEqual(response.request().postDataJSON(), { agent_id: demo.id, label: 'Security test', expires_in_days: 30 });
  const answer = await response.json();
  assert.equal(answer.agent_id, demo.id);
  assert.equal(answer.agent_email, LOGINS.agent.email);
  assert.equal(answer.label, 'Security test');
  assert.equal((Date.parse(answer.expires_at) - Date.parse(answer.created_at)) / 86400000, 30);
  assert.ok(answer.token && answer.token.length > 20);

  // Shown once, with a copy hint.
  const created = card.getByTestId('token-created');
  await created.waitFor();
  assert.equal(await created.getByTestId('token-value').textContent(), answer.token);
  assert.match(await created.textContent(), /not shown again/);
  await created.getByTestId('token-copy').waitFor();

  // Listed (never with the token itself).
  const row = card.locator(`[data-testid=token-row][data-id="${answer.id}"]`);
  await row.waitFor();
  assert.equal(await row.getByTestId('token-label').textContent(), 'Security test');
  assert.equal(await row.getByTestId('token-agent-email').textContent(), LOGINS.agent.email);
  const listed = await apiJson(admin, 'GET', '/api/admin/tokens');
  assert.ok(listed.tokens.some((t) => t.id === answer.id));
  assert.ok(!JSON.stringify(listed).includes(answer.token), 'the list never holds the token');

  // It works.
  const bearer = () => fetch(`${env.baseUrl}/api/me`, { headers: { Authorization: `Bearer ${answer.token}` } });
  const before = await bearer();
  assert.equal(before.status, 200);
  assert.equal((await before.json()).agent.email, LOGINS.agent.email);

  // After a reload the list still shows it, the token itself is gone from the page.
  await admin.reload();
  await row.waitFor();
  assert.ok(!(await admin.content()).includes(answer.token), 'shown once');

  // Revoke (with a confirm step).
  await row.getByTestId('token-revoke').click();
  await admin.getByTestId('confirm-dialog').waitFor();
  const revoked = admin.waitForResponse((r) => r.request().method() === 'DELETE' && new URL(r.url()).pathname === `/api/admin/tokens/${answer.id}`);
  await admin.getByTestId('confirm-delete').click();
  assert.equal((await revoked).status(), 204);
  await row.waitFor({ state: 'detached' });
  assert.ok(!(await apiJson(admin, 'GET', '/api/admin/tokens')).tokens.some((t) => t.id === answer.id));

  // It no longer works.
  assert.equal((await bearer()).status, 401);
});
