// Salesforce beside Zoho CRM (seed 001): a ticket whose requester lives in
// Salesforce shows the Salesforce panel next to the Zoho one, in
// Salesforce's words (Opportunities, calls, events and tasks, "View in
// Salesforce"); the permission matrix offers exactly Salesforce's items; a
// profile without Opportunities sees none, and the JSON API refuses them.
// An agent logs a call from the panel: Salesforce keeps it as a Task of
// subtype Call, and the panel shows it among the calls.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, setup, ticketList } from './harness.mjs';

/** The emulator's OAuth client and refresh token (tests/emulators/salesforce/README.md). */
const SALESFORCE_CLIENT = { id: '3MVG9DESKPANE', secret: 'deskpane-sf-secret', refreshToken: '5Aep861DeskpaneDemo.RefreshToken.0000000000000000000000' };

/** The rows a SOQL query selects in the Salesforce emulator, as the API user. */
async function salesforceQuery(salesforceUrl, soql) {
  const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: SALESFORCE_CLIENT.id, client_secret: SALESFORCE_CLIENT.secret, refresh_token: SALESFORCE_CLIENT.refreshToken });
  const token = await (await fetch(`${salesforceUrl}/services/oauth2/token`, { method: 'POST', body: form })).json();
  if (!token.access_token) throw new Error('the Salesforce emulator gave no access token: ' + JSON.stringify(token));
  const response = await fetch(`${salesforceUrl}/services/data/v62.0/query?q=${encodeURIComponent(soql)}`, { headers: { Authorization: `Bearer ${token.access_token}` } });
  const answer = await response.json();
  if (response.status !== 200) throw new Error(`${soql}: ${response.status} ${JSON.stringify(answer)}`);
  return answer.records;
}

let env;
before(async () => { env = await setup({ salesforce: true }); });
after(async () => { await env?.close(); });

/** The demo ticket of Priya Raman, who lives in Salesforce. */
async function priyasTicket(page) {
  const { tickets } = await ticketList(page);
  const ticket = tickets.find((t) => t.email === 'priya.raman@northwind-traders.example');
  assert.ok(ticket, 'the demo has a ticket from Priya Raman');
  return ticket;
}

test("an agent sees Priya's Salesforce profile, opportunities, notes, events and tasks beside the Zoho panel", async () => {
  const page = await env.signedInPage('agent');
  const ticket = await priyasTicket(page);
  assert.equal(ticket.customer_type, 'Enterprise', "Handshake Mode reads her customer type from Salesforce");
  await page.goto(`/#/tickets/${ticket.id}`);
  const panel = page.getByTestId('panel-salesforce');
  await panel.getByTestId('profile-name').waitFor();
  assert.equal(await panel.getByTestId('profile-name').textContent(), 'Priya Raman');
  assert.equal(await panel.getByTestId('profile-account').textContent(), 'Northwind Traders');
  assert.equal(await panel.getByTestId('profile-owner').textContent(), 'Elena Vasquez');
  const link = panel.getByTestId('profile-link');
  assert.equal(await link.textContent(), 'View in Salesforce');
  assert.match(await link.getAttribute('href'), /\/lightning\/r\/Contact\/003\w{15}\/view$/);
  await page.getByTestId('panel-zoho-crm').waitFor();

  const opportunities = panel.getByTestId('section-potentials');
  assert.match(await opportunities.locator('.section-title').first().textContent(), /^Opportunities/, "the section has Salesforce's name");
  await opportunities.getByTestId('potential').first().waitFor();
  const names = await opportunities.getByTestId('potential-name').allTextContents();
  assert.ok(names.some((n) => n.includes('2027 Renewal')), `opportunities: ${names}`);
  await panel.getByTestId('section-notes').getByTestId('note').first().waitFor();
  const activities = panel.getByTestId('section-activities');
  await activities.getByTestId('activity').first().waitFor();
  assert.equal(await activities.getByTestId('activity-group-event').count(), 1, 'events');
  assert.equal(await activities.getByTestId('activity-group-task').count(), 1, 'tasks');
  assert.equal(await activities.getByTestId('activity-group-call').count(), 0, 'the demo logged no calls with Priya');
  await page.waitForTimeout(200);
  await screenshot(page, 'salesforce-panel', { fullPage: true });
});

test('the permission matrix offers Salesforce its own items: Opportunities, Calls, Events and Tasks', async () => {
  const page = await env.signedInPage('admin', '/admin#permissions');
  const table = page.getByTestId('permissions-salesforce');
  await table.waitFor();
  const heads = await table.locator('thead th').allTextContents();
  assert.ok(heads.includes('Opportunities'), `columns: ${heads}`);
  assert.ok(heads.includes('Calls') && heads.includes('Events') && heads.includes('Tasks'), `logged calls are calls: ${heads}`);
  assert.ok(!heads.includes('Potentials'), `columns: ${heads}`);
  const zohoHeads = await page.getByTestId('permissions-zoho-crm').locator('thead th').allTextContents();
  assert.ok(zohoHeads.includes('Calls') && zohoHeads.includes('Potentials'), `Zoho keeps its items: ${zohoHeads}`);
  await screenshot(page, 'salesforce-permissions');
});

test('a Light Agent (Opportunities restricted) sees no opportunities, and the JSON API refuses them', async () => {
  const page = await env.signedInPage('light');
  const ticket = await priyasTicket(page);
  await page.goto(`/#/tickets/${ticket.id}`);
  const panel = page.getByTestId('panel-salesforce');
  await panel.getByTestId('profile-name').waitFor();
  await panel.getByTestId('section-notes').getByTestId('note').first().waitFor();
  assert.equal(await panel.getByTestId('section-potentials').count(), 0, 'no Opportunities section');
  const listed = await (await page.request.get(`/api/tickets/${ticket.id}/panels`)).json();
  const salesforce = listed.panels.find((p) => p.plugin === 'salesforce');
  assert.deepEqual(salesforce.sections, ['profile', 'notes', 'activities']);
  const refused = await page.request.get(`/api/tickets/${ticket.id}/panels/salesforce/potentials`);
  assert.equal(refused.status(), 403);
  assert.match((await refused.json()).error, /potentials/i);
});

test('restricting Events for Agents in the matrix leaves them no events', async () => {
  const admin = await env.signedInPage('admin', '/admin#permissions');
  const row = admin.getByTestId('permissions-salesforce').locator('tr[data-profile="Agent"]');
  const events = row.getByTestId('perm-events');
  await events.waitFor();
  assert.equal(await events.getAttribute('data-access'), 'full');
  await events.click();
  await row.getByTestId('perm-status').filter({ hasText: 'Saved' }).waitFor();

  const agent = await env.signedInPage('agent');
  const ticket = await priyasTicket(agent);
  const answer = await (await agent.request.get(`/api/tickets/${ticket.id}/panels/salesforce/activities?refresh=1`)).json();
  const kinds = [...new Set(answer.activities.map((a) => a.kind))];
  assert.ok(kinds.includes('task') && !kinds.includes('event'), `kinds: ${kinds}`);
});

test("Salesforce's sync page says deletions are not synced instead of offering delete preferences", async () => {
  const page = await env.signedInPage('admin', '/admin#sync=salesforce');
  const card = page.getByTestId('sync-module-contacts');
  await card.waitFor();
  await page.getByTestId('sync-configure-contacts').click();
  await page.getByTestId('sync-no-deletes-contacts').waitFor();
  assert.match(await page.getByTestId('sync-no-deletes-contacts').textContent(), /never deletes it on the other/);
  assert.equal(await page.getByTestId('sync-crm-delete-contacts').count(), 0, 'no delete preferences to choose');
  assert.equal(await page.getByTestId('sync-module-products').count(), 0, 'Salesforce syncs contacts and accounts only');
});

test("the desk contact's and account's pages show their Salesforce profiles too", async () => {
  const page = await env.signedInPage('agent');
  const ticket = await priyasTicket(page);
  await page.goto(`/#/tickets/${ticket.id}`);
  await page.getByTestId('contact-link').click();
  await page.waitForURL(/#\/contacts\//);
  const contactPanel = page.getByTestId('panel-salesforce');
  await contactPanel.getByTestId('profile-name').waitFor();
  assert.equal(await contactPanel.getByTestId('profile-name').textContent(), 'Priya Raman');
  assert.equal(await page.getByTestId('requester-name').textContent(), 'Priya Raman', "the desk's contact beside it");

  await page.getByTestId('account-link').click();
  await page.waitForURL(/#\/accounts\//);
  assert.equal(await page.getByTestId('record-name').textContent(), 'Northwind Traders');
  const accountPanel = page.getByTestId('panel-salesforce');
  await accountPanel.getByTestId('profile-name').waitFor();
  assert.equal(await accountPanel.getByTestId('profile-name').textContent(), 'Northwind Traders');
  assert.match(await accountPanel.getByTestId('section-profile').locator('.section-title').textContent(), /^Account/, 'titled as the account');
  assert.match(await accountPanel.getByTestId('profile-link').getAttribute('href'), /\/lightning\/r\/Account\//);
  await accountPanel.getByTestId('section-potentials').getByTestId('potential').first().waitFor();
  await screenshot(page, 'salesforce-account-page', { fullPage: true });

  // The same through the JSON API; a kind panels do not go beside is refused.
  const accountId = page.url().split('#/accounts/')[1];
  const profile = await (await page.request.get(`/api/accounts/${accountId}/panels/salesforce/profile`)).json();
  assert.equal(profile.profile.module, 'accounts');
  assert.equal((await page.request.get('/api/products/1/panels')).status(), 404);
});

test('an agent logs a call from the Salesforce panel: a Task of subtype Call in Salesforce, shown among the calls', async () => {
  const page = await env.signedInPage('agent');
  const ticket = await priyasTicket(page);
  await page.goto(`/#/tickets/${ticket.id}`);
  const panel = page.getByTestId('panel-salesforce');
  await panel.getByTestId('profile-name').waitFor();
  const actions = panel.getByTestId('record-actions');
  await actions.waitFor();
  await actions.getByTestId('action-call').click();
  const callForm = actions.getByTestId('call-form');
  await callForm.getByLabel('Subject', { exact: true }).fill('Renewal call with Priya');
  await callForm.getByLabel('Direction', { exact: true }).selectOption('inbound');
  await callForm.getByLabel('Duration in minutes', { exact: true }).fill('7');
  await callForm.getByLabel('Description', { exact: true }).fill('Walked through the 2027 quote.');
  await callForm.getByTestId('record-action-save').click();
  await actions.getByTestId('record-action-status').filter({ hasText: 'Call logged in Salesforce.' }).waitFor();
  const calls = panel.getByTestId('section-activities').getByTestId('activity-group-call');
  const logged = calls.getByTestId('activity').filter({ hasText: 'Renewal call with Priya' });
  await logged.waitFor();
  assert.equal(await logged.getByTestId('activity-status').textContent(), 'Inbound');

  // Salesforce has it as its own Log a Call writes it.
  const [task] = await salesforceQuery(env.salesforceUrl,
    "SELECT TaskSubtype, Status, CallType, CallDurationInSeconds, Description, Who.Name FROM Task WHERE Subject = 'Renewal call with Priya'");
  assert.equal(task.TaskSubtype, 'Call');
  assert.equal(task.Status, 'Completed');
  assert.equal(task.CallType, 'Inbound');
  assert.equal(task.CallDurationInSeconds, 420);
  assert.equal(task.Description, 'Walked through the 2027 quote.');
  assert.equal(task.Who.Name, 'Priya Raman');
});
