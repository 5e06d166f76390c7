// Signed plugin packages in the admin console, driven as an Administrator
// in the real browser against the demo server (which allows unsigned
// plugins, since it installs the ones it builds):
// - The Trusted publishers card adds a publisher from the public key
//   `deskpane plugin keygen` printed (a malformed key is refused with the
//   server's sentence), and the "Allow unsigned plugins" switch shows its
//   warning while on; turned off, the console refuses loose files with the
//   server's sentence.
// - A .dpkg that `deskpane plugin pack --key` made installs through the
//   upload form, and its card reads "Signed by <name> (<fingerprint>)";
//   the demo's own plugins read "Unsigned".
// - Removing the publisher (after a confirm step) leaves the plugin
//   installed, marked as no longer trusted.
// The tests run in order and share one server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiJson, repoRoot, screenshot, setup } from './harness.mjs';

const deskpaneBin = process.env.DESKPANE_BIN || path.join(repoRoot, 'target', 'debug', 'deskpane');
const exampleDir = path.join(repoRoot, 'target', 'plugins', 'example');
const hostileDir = path.join(repoRoot, 'target', 'plugins', 'hostile');

let env;
let work;
let admin;
/** The publisher's public key line and fingerprint, as keygen printed them. */
let publicKey;
let fingerprint;
let packagePath;

before(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deskpane-dpkg-'));
  const keyFile = path.join(work, 'publisher.key');
  const printed = execFileSync(deskpaneBin, ['plugin', 'keygen', '--out', keyFile], { encoding: 'utf8' });
  publicKey = printed.split(/\s+/).find((w) => w.startsWith('ed25519:'));
  fingerprint = (printed.match(/Fingerprint: ([0-9a-f]{24})/) || [])[1];
  assert.ok(publicKey && fingerprint, printed);
  execFileSync(deskpaneBin, ['plugin', 'pack', exampleDir, '--key', keyFile, '--out', work], { encoding: 'utf8' });
  packagePath = path.join(work, 'example-0.1.0.dpkg');
  env = await setup();
  admin = await env.signedInPage('admin', '/admin#plugins');
});
after(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
  await env?.close();
});

const card = (id) => admin.locator(`[data-testid=plugin-card][data-plugin="${id}"]`);
const isInstall = (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/admin/plugins';

test('the demo plugins read Unsigned; the Trusted publishers card shows the switch on, with its warning', async () => {
  await admin.goto('/admin#plugins');
  await card('zoho-crm').waitFor();
  assert.equal(await card('zoho-crm').getByTestId('plugin-signature').textContent(), 'Unsigned');
  const publishers = admin.getByTestId('publishers-card');
  await publishers.getByTestId('publishers-empty').waitFor();
  const toggle = publishers.getByTestId('allow-unsigned');
  assert.equal(await toggle.isChecked(), true, 'the demo allows unsigned plugins');
  assert.match(await publishers.getByTestId('allow-unsigned-warning').textContent(), /install code no trusted publisher vouched for/);
});

test('a publisher is added from the key keygen printed; a malformed key is refused with the server\u2019s sentence', async () => {
  const publishers = admin.getByTestId('publishers-card');
  await publishers.getByTestId('publisher-name').fill('Example Ltd');
  await publishers.getByTestId('publisher-key').fill('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5');
  await publishers.getByTestId('publisher-submit').click();
  await publishers.getByTestId('publisher-error').filter({ hasText: 'ed25519:' }).waitFor();

  await publishers.getByTestId('publisher-key').fill(publicKey);
  await publishers.getByTestId('publisher-submit').click();
  const row = publishers.locator(`[data-testid=publisher-row][data-fingerprint="${fingerprint}"]`);
  await row.waitFor();
  assert.equal(await row.getByTestId('publisher-row-name').textContent(), 'Example Ltd');
  assert.equal(await publishers.getByTestId('publisher-error').isHidden(), true);
  const { publishers: listed } = await apiJson(admin, 'GET', '/api/admin/publishers');
  assert.deepEqual(listed.map((p) => p.public_key), [publicKey]);
});

test('with unsigned plugins turned off, loose files are refused with the server\u2019s sentence', async () => {
  const publishers = admin.getByTestId('publishers-card');
  const saved = admin.waitForResponse((r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === '/api/admin/plugin-policy');
  await publishers.getByTestId('allow-unsigned').uncheck({ force: true });
  assert.equal((await saved).status(), 200);
  await publishers.getByTestId('allow-unsigned-warning').waitFor({ state: 'hidden' });
  assert.deepEqual(await apiJson(admin, 'GET', '/api/admin/plugin-policy'), { allow_unsigned: false });

  const form = admin.getByTestId('install-form');
  await form.getByTestId('install-manifest').setInputFiles(path.join(hostileDir, 'plugin.toml'));
  await form.getByTestId('install-component').setInputFiles(path.join(hostileDir, 'plugin.wasm'));
  const upload = admin.waitForResponse(isInstall);
  await form.getByTestId('install-submit').click();
  assert.equal((await upload).status(), 403);
  await form.getByTestId('install-error').filter({ hasText: 'not signed' }).waitFor();
  assert.ok(!(await apiJson(admin, 'GET', '/api/admin/plugins')).plugins.some((p) => p.id === 'hostile'));
});

test('a .dpkg signed by the trusted publisher installs through the form and reads "Signed by"', async () => {
  await admin.goto('/admin#plugins');
  const form = admin.getByTestId('install-form');
  await form.waitFor();
  // The refused loose files may still be chosen: a package goes alone.
  await form.getByTestId('install-manifest').setInputFiles([]);
  await form.getByTestId('install-component').setInputFiles([]);
  await form.getByTestId('install-package').setInputFiles(packagePath);
  const upload = admin.waitForResponse(isInstall);
  await form.getByTestId('install-submit').click();
  const response = await upload;
  assert.equal(response.status(), 201, await response.text());

  const page = admin.locator('[data-testid=plugin-page][data-plugin=example]');
  await page.waitFor();
  const expected = `Signed by Example Ltd (${fingerprint})`;
  assert.equal(await page.getByTestId('plugin-signature').textContent(), expected);
  await admin.getByTestId('back-to-plugins').click();
  await card('example').waitFor();
  assert.equal(await card('example').getByTestId('plugin-signature').textContent(), expected);
  await admin.getByTestId('publishers-card').locator('[data-testid=publisher-plugins]').filter({ hasText: 'example' }).waitFor();
  await screenshot(admin, 'admin-trusted-publishers', { fullPage: true });
});

test('removing the publisher keeps its plugin, marked as no longer trusted', async () => {
  const row = admin.locator(`[data-testid=publisher-row][data-fingerprint="${fingerprint}"]`);
  await row.getByTestId('publisher-remove').click();
  await admin.getByTestId('confirm-dialog').filter({ hasText: 'Stop trusting Example Ltd?' }).waitFor();
  await admin.getByTestId('confirm-delete').click();
  await admin.getByTestId('publishers-empty').waitFor();
  await admin.reload();
  await card('example').waitFor();
  assert.match(await card('example').getByTestId('plugin-signature').textContent(), /Signed by Example Ltd \(.+\), no longer trusted/);
});
