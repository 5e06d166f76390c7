// The admin console's connection lifecycle: Disconnect, Connect again
// through the CRM's OAuth consent, and Delete integration (with a
// confirmation dialog), after which agents see no CRM panel and the ticket
// list has no customer types.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { crmTicket, screenshot, setup } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('disconnect, then connect again through OAuth', async () => {
  const agent = await env.signedInPage('agent');
  const ticket = await crmTicket(agent);
  const admin = await env.signedInPage('admin', '/admin#plugin=zoho-crm');
  const card = admin.getByTestId('credential-crm');
  await card.waitFor();
  assert.equal(await card.getByTestId('credential-status').textContent(), 'Connected');

  await card.getByTestId('disconnect').click();
  await admin.getByTestId('confirm-dialog').getByTestId('confirm-delete').click();
  await admin.getByTestId('credential-crm').getByTestId('credential-status').filter({ hasText: 'Not connected' }).waitFor();
  const answer = await agent.request.get(`/api/tickets/${ticket.id}/panels/zoho-crm/notes?refresh=1`);
  assert.equal(answer.status(), 502, 'a disconnected CRM cannot answer');

  // The integration's health says so: Failing on the list, the last error on its page.
  await admin.goto('/admin#plugins');
  const row = admin.locator('[data-testid="plugin-card"][data-plugin="zoho-crm"]');
  await row.getByTestId('plugin-status').filter({ hasText: 'Failing' }).waitFor();
  await admin.goto('/admin#plugin=zoho-crm');
  const health = admin.getByTestId('health-card');
  await health.getByTestId('health-state').filter({ hasText: 'Failing' }).waitFor();
  assert.match(await health.getByTestId('health-last-failure').textContent(), /not connected/i);
  await screenshot(admin, 'admin-plugin-health-failing');

  // Connect: the browser goes to the CRM's consent page and comes back.
  const consent = admin.waitForRequest((r) => r.url().startsWith(`${env.emulatorUrl}/oauth/v2/auth?`));
  await admin.getByTestId('credential-crm').getByTestId('connect').click();
  const consentUrl = new URL((await consent).url());
  assert.ok(consentUrl.searchParams.get('redirect_uri').endsWith('/oauth/callback'));
  await admin.waitForURL(/\/admin#plugin=zoho-crm$/);
  await admin.getByTestId('credential-crm').getByTestId('credential-status').filter({ hasText: /^Connected$/ }).waitFor();
  const plugin = (await (await admin.request.get('/api/admin/plugins')).json()).plugins.find((p) => p.id === 'zoho-crm');
  assert.equal(plugin.credentials.crm.connected, true);
  const again = await agent.request.get(`/api/tickets/${ticket.id}/panels/zoho-crm/notes?refresh=1`);
  assert.equal(again.status(), 200, 'connected again, the CRM answers');

  // Test connection asks once more and shows it working.
  const health2 = admin.getByTestId('health-card');
  await health2.getByTestId('test-connection').click();
  await health2.getByTestId('health-test-result').filter({ hasText: 'Zoho CRM answered.' }).waitFor();
  await health2.getByTestId('health-state').filter({ hasText: 'Working' }).waitFor();
});

test('the OAuth client form sends client id, secret and URLs per credential', async () => {
  const admin = await env.signedInPage('admin', '/admin#plugin=zoho-crm');
  const card = admin.getByTestId('credential-crm');
  await card.locator('summary').click();
  assert.equal(await card.getByTestId('oauth-client-id').inputValue(), '1000.DESKPANE');
  await card.getByTestId('oauth-client-secret').fill('deskpane-secret');
  const patch = admin.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith('/api/admin/plugins/zoho-crm'));
  await card.getByTestId('oauth-save').click();
  const body = JSON.parse((await patch).postData());
  assert.equal(body.oauth.crm.client_id, '1000.DESKPANE');
  assert.equal(body.oauth.crm.client_secret, 'deskpane-secret');
  assert.ok(body.oauth.crm.authorize_url.startsWith(env.emulatorUrl));
  assert.ok(body.oauth.crm.token_url.startsWith(env.emulatorUrl));
  await admin.getByTestId('credential-crm').getByTestId('oauth-configured').filter({ hasText: 'OAuth client set' }).waitFor();
});

test('deleting the integration asks for confirmation, then removes the panel and Handshake Mode', async () => {
  const agent = await env.signedInPage('agent');
  const ticket = await crmTicket(agent);
  const admin = await env.signedInPage('admin', '/admin#plugin=zoho-crm');

  // Cancel first: nothing happens.
  await admin.getByTestId('delete-integration').click();
  await admin.getByTestId('confirm-dialog').waitFor();
  await admin.getByTestId('confirm-cancel').click();
  assert.equal(await admin.getByTestId('confirm-dialog').count(), 0);
  assert.equal((await admin.request.get('/api/admin/plugins/zoho-crm/permissions')).status(), 200);

  await admin.getByTestId('delete-integration').click();
  const dialog = admin.getByTestId('confirm-dialog');
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Zoho CRM/);
  const deleted = admin.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith('/api/admin/plugins/zoho-crm'));
  await dialog.getByTestId('confirm-delete').click();
  assert.equal((await deleted).status(), 204);
  await admin.waitForURL(/#plugins$/);
  await admin.getByTestId('plugin-list').waitFor();
  assert.equal(await admin.locator('[data-testid=plugin-card][data-plugin=zoho-crm]').count(), 0);

  await agent.goto(`/#/tickets/${ticket.id}`);
  await agent.getByTestId('ticket-title').waitFor();
  await agent.getByTestId('no-panels').waitFor();
  assert.equal(await agent.getByTestId('panel-zoho-crm').count(), 0);

  await agent.goto('/#/tickets');
  await agent.getByTestId('ticket-row').first().waitFor();
  await agent.getByTestId('handshake-hint').waitFor();
  const list = await (await agent.request.get('/api/ticket-list')).json();
  assert.deepEqual(list.customer_type_sources, []);
  assert.ok((await agent.getByTestId('ticket-customer-type').allTextContents()).every((t) => t === '—'));
});
