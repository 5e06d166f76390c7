// The embed page (/embed/panel?ticket=ID&plugin=ID) renders one plugin's
// panel alone, for an iframe in another help desk: with the session cookie,
// or with an API token in the URL fragment sent as a Bearer token. Only the
// origins given with `deskpane serve --embed-origin` (and the desk itself)
// may frame it: "another help desk" here is a small page served from its
// own loopback port, allowed that way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { crmTicket, freePort, screenshot, setup } from './harness.mjs';

let env;
let ticket;
let token;
/** "Another help desk": serves the page that frames the panel. */
let helpDesk;
let helpDeskOrigin;
before(async () => {
  const port = await freePort();
  helpDeskOrigin = `http://127.0.0.1:${port}`;
  helpDesk = http.createServer((req, res) => {
    const frameSrc = new URL(req.url, helpDeskOrigin).searchParams.get('frame') || '';
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Another help desk</title><h1>Another help desk</h1>
      <iframe id="crm" width="420" height="700" src="${frameSrc.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"></iframe>`);
  });
  await new Promise((resolve) => helpDesk.listen(port, '127.0.0.1', resolve));
  env = await setup({ extraArgs: ['--embed-origin', helpDeskOrigin] });
  // The admin creates an API token for the agent in the console.
  const admin = await env.signedInPage('admin', '/admin#agents');
  ticket = await crmTicket(admin);
  const row = admin.locator('[data-testid=agent-row][data-email="agent@deskpane.example"]');
  await row.getByTestId('agent-token').click();
  token = (await admin.getByTestId('token-value').textContent()).trim();
  assert.ok(token.length > 10, 'the console shows the new token');
});
after(async () => {
  await env?.close();
  helpDesk?.close();
});

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

test('the embedded panel works inside an iframe of another help desk whose origin the desk allows', async () => {
  // Only the embed page may be framed, by the desk and the allowed origin.
  const embed = await fetch(`${env.baseUrl}${embedPath()}`);
  assert.match(embed.headers.get('content-security-policy') || '', new RegExp(`frame-ancestors 'self' ${helpDeskOrigin}(;|$)`));
  const admin = await fetch(`${env.baseUrl}/admin`);
  assert.match(admin.headers.get('content-security-policy') || '', /frame-ancestors 'none'/);

  const context = await env.newContext();
  const page = await context.newPage();
  const src = `${env.baseUrl}${embedPath()}#token=${encodeURIComponent(token)}`;
  await page.goto(`${helpDeskOrigin}/?frame=${encodeURIComponent(src)}`);
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
