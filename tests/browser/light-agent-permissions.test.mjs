// Profile-level permissions for the Light Agent (the demo restricts their
// Potentials): the panel shows the contact, notes and activities but no
// potentials, and the JSON API refuses potentials to that session.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { crmTicket, screenshot, setup } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('a Light Agent sees the Zoho panel without its potentials section', async () => {
  const page = await env.signedInPage('light');
  assert.match(await page.getByTestId('current-agent-profile').textContent(), /Light Agent/);
  const ticket = await crmTicket(page);
  await page.goto(`/#/tickets/${ticket.id}`);
  const panel = page.getByTestId('panel-zoho-crm');
  await panel.getByTestId('profile-name').waitFor();
  assert.equal(await panel.getByTestId('profile-name').textContent(), ticket.requester);
  await panel.getByTestId('section-notes').getByTestId('note').first().waitFor();
  await panel.getByTestId('section-activities').getByTestId('activity').first().waitFor();
  assert.equal(await panel.getByTestId('section-potentials').count(), 0, 'no potentials section');
  assert.equal(await panel.getByTestId('potential').count(), 0);
  assert.equal(await page.getByTestId('ticket-title').textContent(), ticket.subject);
  await page.waitForTimeout(200);
  await screenshot(page, 'light-agent-view');
});

test("the Light Agent's session gets 403 from the potentials endpoint, and the panel list omits it", async () => {
  const page = await env.signedInPage('light');
  const ticket = await crmTicket(page);
  const listed = await (await page.request.get(`/api/tickets/${ticket.id}/panels`)).json();
  const zoho = listed.panels.find((p) => p.plugin === 'zoho-crm');
  assert.ok(zoho, 'the Zoho panel is listed');
  assert.ok(!zoho.sections.includes('potentials'), `sections: ${zoho.sections}`);
  assert.ok(zoho.sections.includes('profile'));

  const viaRequest = await page.request.get(`/api/tickets/${ticket.id}/panels/zoho-crm/potentials`);
  assert.equal(viaRequest.status(), 403);
  const body = await viaRequest.json();
  assert.equal(typeof body.error, 'string');
  assert.match(body.error, /potentials/i);

  // The same from inside the page, with the page's own cookie.
  const inPage = await page.evaluate(async (id) => {
    const r = await fetch(`/api/tickets/${id}/panels/zoho-crm/potentials?refresh=1`, { credentials: 'same-origin' });
    return { status: r.status, body: await r.json() };
  }, ticket.id);
  assert.equal(inPage.status, 403);
  assert.equal(typeof inPage.body.error, 'string');
});

test('an Agent (not restricted) gets the potentials of the same ticket', async () => {
  const page = await env.signedInPage('agent');
  const ticket = await crmTicket(page);
  const response = await page.request.get(`/api/tickets/${ticket.id}/panels/zoho-crm/potentials`);
  assert.equal(response.status(), 200);
  assert.ok(Array.isArray((await response.json()).potentials));
});
