// The embed page (/embed/panel?ticket=ID&plugin=ID) renders one plugin's
// panel alone, for an iframe in another help desk: with the session cookie,
// or with an API token in the URL fragment sent as a Bearer token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { crmTicket, screenshot, setup } from './harness.mjs';

let env;
let ticket;
let token;
before(async () => {
  env = await setup();
  // The admin creates an API token for the agent in the console.
  const admin = await env.signedInPage('admin', '/admin#agents');
  ticket = await crmTicket(admin);
  const row = admin.locator('[data-testid=agent-row][data-email="agent@deskpane.example"]');
  await row.getByTestId('agent-token').click();
  token = (await admin.getByTestId('token-value').textContent()).trim();
  assert.ok(token.length > 10, 'the console shows the new token');
});
after(async () => { await env?.close(); });

const embedPath = () => `/embed/panel?ticket=${encodeURIComponent(ticket.id)}&plugin=zoho-crm`;

test('the embed page renders the panel with the session cookie', async () => {
  const page = await env.signedInPage('agent');
  await page.goto(embedPath());
  const panel = page.getByTestId('panel-zoho-crm');
  await panel.getByTestId('profile-name').waitFor();
  assert.equal(await panel.getByTestId('profile-name').textContent(), ticket.requester);
  await panel.getByTestId('section-notes').getByTestId('note').first().waitFor();
  assert.equal(await page.getByTestId('ticket-title').count(), 0, 'the panel alone, without the ticket');
  assert.equal(await page.locator('.topbar').count(), 0);
});

test('the embed page renders the panel with an API token from the URL fragment, sent as Bearer', async () => {
  const context = await env.newContext({ viewport: { width: 440, height: 800 } });
  const page = await context.newPage();
  const auth = [];
  page.on('request', (r) => { if (r.url().includes('/api/')) auth.push(r.headers().authorization); });
  await page.goto(`${embedPath()}#token=${encodeURIComponent(token)}`);
  const panel = page.getByTestId('panel-zoho-crm');
  await panel.getByTestId('profile-name').waitFor();
  assert.equal(await panel.getByTestId('profile-name').textContent(), ticket.requester);
  await panel.getByTestId('section-activities').getByTestId('activity').first().waitFor();
  assert.ok(auth.length >= 2 && auth.every((h) => h === `Bearer ${token}`), JSON.stringify(auth));
  assert.equal((await context.cookies()).length, 0, 'no session cookie was involved');
  await screenshot(page, 'embed-panel');
});

test('the embedded panel works inside an iframe of another page', async () => {
  const context = await env.newContext();
  const page = await context.newPage();
  await page.setContent(`<!doctype html><title>Another help desk</title><h1>Another help desk</h1>
    <iframe id="crm" style="width:420px;height:700px;border:1px solid #ccc" src="${env.baseUrl}${embedPath()}#token=${encodeURIComponent(token)}"></iframe>`);
  const frame = page.frameLocator('#crm');
  await frame.getByTestId('panel-zoho-crm').getByTestId('profile-name').waitFor();
  assert.equal(await frame.getByTestId('profile-name').textContent(), ticket.requester);
});

test('without a session or token the embed page asks to sign in', async () => {
  const page = await (await env.newContext()).newPage();
  await page.goto(embedPath());
  await page.getByTestId('embed-error').waitFor();
  assert.match(await page.getByTestId('embed-error').textContent(), /sign in/i);
  assert.equal(await page.getByTestId('panel-zoho-crm').count(), 0);
});

test('a plugin the agent cannot see is reported, not rendered', async () => {
  const page = await env.signedInPage('agent');
  await page.goto(`/embed/panel?ticket=${encodeURIComponent(ticket.id)}&plugin=no-such-plugin`);
  await page.getByTestId('embed-error').waitFor();
  assert.match(await page.getByTestId('embed-error').textContent(), /no-such-plugin/);
});
