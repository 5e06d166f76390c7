// A third party's plugin, installed the way the admin console intends: the
// publisher packs the JavaScript Sample CRM connector into a signed .dpkg
// (`deskpane plugin keygen` + `plugin pack`, as its author would); the admin
// turns "Allow unsigned plugins" off, adds the publisher under Trusted
// publishers, uploads the package, sees who signed it, points it at the
// Sample CRM with its API key and enables it; an agent then reads the
// requester's profile and every page of deals and notes from it on a
// contact's page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiJson, repoRoot, screenshot, setup } from './harness.mjs';

let env;
let work;
let packagePath;
let publicKey;

before(async () => {
  env = await setup({ sampleCrm: true });
  work = mkdtempSync(path.join(os.tmpdir(), 'deskpane-publisher-'));
  const deskpane = path.join(repoRoot, 'target', 'debug', 'deskpane');
  const keygen = execFileSync(deskpane, ['plugin', 'keygen', '--out', path.join(work, 'publisher.key')], { encoding: 'utf8' });
  publicKey = keygen.split(/\s+/).find((w) => w.startsWith('ed25519:'));
  assert.ok(publicKey, keygen);
  execFileSync(deskpane, ['plugin', 'pack', path.join(repoRoot, 'target', 'plugins', 'sample-crm-js'),
    '--key', path.join(work, 'publisher.key'), '--out', work], { stdio: 'pipe' });
  const file = readdirSync(work).find((f) => f.endsWith('.dpkg'));
  assert.ok(file, 'plugin pack wrote a .dpkg');
  packagePath = path.join(work, file);
});

after(async () => {
  await env?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the admin trusts the publisher, installs the signed JavaScript package and connects it to the Sample CRM', async () => {
  const admin = await env.signedInPage('admin', '/admin#plugins');

  // The demo allows unsigned plugins; this desk wants signatures.
  const policy = admin.getByTestId('plugin-policy');
  await policy.waitFor();
  const allow = admin.getByTestId('allow-unsigned');
  if (await allow.isChecked()) {
    const saved = admin.waitForResponse((r) => r.url().endsWith('/api/admin/plugin-policy') && r.request().method() === 'PUT');
    await allow.uncheck({ force: true });
    assert.equal((await saved).status(), 200);
  }
  assert.equal((await apiJson(admin, 'GET', '/api/admin/plugin-policy')).allow_unsigned, false);

  await admin.getByTestId('publisher-name').fill('Acme Connectors');
  await admin.getByTestId('publisher-key').fill(publicKey);
  const trusted = admin.waitForResponse((r) => r.url().endsWith('/api/admin/publishers') && r.request().method() === 'POST');
  await admin.getByTestId('publisher-submit').click();
  assert.ok((await trusted).ok());
  await admin.getByTestId('publisher-row').filter({ hasText: 'Acme Connectors' }).waitFor();

  await admin.getByTestId('install-package').setInputFiles(packagePath);
  // A 13 MB interpreter component is compiled (once: then it is in the
  // desk's compiled-plugin cache) before the desk answers.
  const upload = admin.waitForResponse((r) => r.url().endsWith('/api/admin/plugins') && r.request().method() === 'POST', { timeout: 180000 });
  await admin.getByTestId('install-submit').click();
  const response = await upload;
  assert.equal(response.status(), 201, await response.text());

  const page = admin.getByTestId('plugin-page');
  await page.waitFor();
  assert.equal(await page.getAttribute('data-plugin'), 'sample-crm-js');
  const signature = admin.getByTestId('plugin-signature').first();
  assert.equal(await signature.getAttribute('data-signed'), 'true');
  assert.match(await signature.textContent(), /Acme Connectors/);

  await admin.getByTestId('config-api-url').fill(env.sampleCrmUrl);
  await admin.getByTestId('config-extra-hosts').fill(env.sampleCrmUrl);
  const configured = admin.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith('/api/admin/plugins/sample-crm-js'));
  await admin.getByTestId('config-save').click();
  assert.equal((await configured).status(), 200);
  await admin.getByTestId('config-saved').waitFor();

  await admin.getByTestId('api-key-input-sample-crm').fill('sample-crm-conformance-key');
  const keyed = admin.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith('/credentials/sample-crm'));
  await admin.getByTestId('api-key-save-sample-crm').click();
  assert.equal((await keyed).status(), 200);

  const enabled = admin.getByTestId('plugin-enabled');
  const enabling = admin.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith('/api/admin/plugins/sample-crm-js'));
  await enabled.check({ force: true });
  assert.equal((await enabling).status(), 200);
  await screenshot(admin, 'admin-signed-plugin');
});

test("the agent reads the requester's profile, every page of deals and notes from the installed JavaScript plugin", async () => {
  const agent = await env.signedInPage('agent', '/');
  // Paige has 45 deals and 45 notes in the Sample CRM: three pages of each.
  const contact = await apiJson(agent, 'POST', '/api/contacts', { fields: { first_name: 'Paige', last_name: 'Pages', email: 'paige@pages.example' } });
  await agent.goto(`/#/contacts/${contact.id}`);
  const panel = agent.getByTestId('panel-sample-crm-js');
  await panel.waitFor();
  await panel.getByTestId('profile-name').waitFor();
  assert.equal(await panel.getByTestId('profile-name').textContent(), 'Paige Pages');
  assert.match(await panel.getByTestId('profile-match').textContent(), /email/i);
  await panel.getByTestId('note').first().waitFor();
  assert.equal(await panel.getByTestId('note').count(), 45);
  assert.equal(await panel.getByTestId('potential').count(), 45);
  await screenshot(agent, 'agent-sample-crm-js-panel');
});
