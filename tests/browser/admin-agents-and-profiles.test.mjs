// The admin console's agents and profiles: a new profile gets its own row
// in the permission matrix (hidden until an admin grants it: least
// privilege), and a new agent can sign in with it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, signIn } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

const NEW_AGENT = { name: 'Cora Contractor', email: 'cora@deskpane.example', password: 'cora-pass-1234' };

test('an admin adds a profile and an agent with it; the agent signs in and sees the panel per that profile', async () => {
  const admin = await env.signedInPage('admin', '/admin#agents');
  const table = admin.getByTestId('agents-table');
  await table.waitFor();
  for (const email of ['admin@deskpane.example', 'agent@deskpane.example', 'light@deskpane.example']) {
    assert.equal(await admin.locator(`[data-testid=agent-row][data-email="${email}"]`).count(), 1, email);
  }

  await admin.getByTestId('profile-name-input').fill('Contractor');
  await admin.getByTestId('profile-submit').click();
  await admin.getByTestId('profile-chip').filter({ hasText: 'Contractor' }).waitFor();

  await admin.getByTestId('agent-name').fill(NEW_AGENT.name);
  await admin.getByTestId('agent-email').fill(NEW_AGENT.email);
  await admin.getByTestId('agent-password').fill(NEW_AGENT.password);
  await admin.getByTestId('agent-profile').selectOption('Contractor');
  await admin.getByTestId('agent-submit').click();
  const row = admin.locator(`[data-testid=agent-row][data-email="${NEW_AGENT.email}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /Contractor/);

  // The matrix has a row for the new profile, hidden until granted; showing
  // and hiding the panel again are saved.
  await admin.getByTestId('nav-permissions').click();
  const contractor = admin.getByTestId('permissions-zoho-crm').locator('[data-testid=perm-row][data-profile="Contractor"]');
  await contractor.waitFor();
  assert.equal(await contractor.getAttribute('data-visible'), 'false', 'a new profile sees no panel until an admin grants it');
  assert.equal(await contractor.getByTestId('perm-visible').isChecked(), false);
  const isPut = (r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === '/api/admin/plugins/zoho-crm/permissions/Contractor';
  for (const visible of [true, false]) {
    const put = admin.waitForResponse(isPut);
    await contractor.getByTestId('perm-visible').setChecked(visible);
    assert.equal((await put).status(), 200);
    await contractor.getByTestId('perm-status').filter({ hasText: 'Saved' }).waitFor();
    assert.equal(await contractor.getAttribute('data-visible'), String(visible));
  }

  const page = await (await env.newContext()).newPage();
  await signIn(page, NEW_AGENT);
  assert.equal(await page.getByTestId('current-agent-profile').textContent(), 'Contractor');
  await page.getByTestId('ticket-row').first().getByTestId('ticket-subject').click();
  await page.getByTestId('ticket-title').waitFor();
  await page.getByTestId('no-panels').waitFor();
  assert.equal(await page.getByTestId('panel-zoho-crm').count(), 0);
});

test('a duplicate email is refused with the server\'s sentence', async () => {
  const admin = await env.signedInPage('admin', '/admin#agents');
  await admin.getByTestId('agent-form').waitFor();
  await admin.getByTestId('agent-name').fill('Another Agent');
  await admin.getByTestId('agent-email').fill('agent@deskpane.example');
  await admin.getByTestId('agent-password').fill('another-pass-123');
  await admin.getByTestId('agent-submit').click();
  await admin.getByTestId('agent-error').waitFor();
  assert.ok((await admin.getByTestId('agent-error').textContent()).length > 5);
});

test('agents cannot use the admin console', async () => {
  const page = await env.signedInPage('agent', '/admin');
  await page.getByTestId('not-admin').waitFor();
  assert.equal((await page.request.get('/api/admin/plugins')).status(), 403);
});
