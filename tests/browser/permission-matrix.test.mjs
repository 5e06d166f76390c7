// The admin console's permission matrix: one row per profile with Visible,
// Contacts/Accounts and Full/Restricted per part. Unticking Visible for the
// Agent profile hides the panel from agents; restricting a part hides that
// section.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { crmTicket, screenshot, setup } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

async function openMatrix() {
  const admin = await env.signedInPage('admin', '/admin#permissions');
  const table = admin.getByTestId('permissions-zoho-crm');
  await table.waitFor();
  return { admin, table, row: (profile) => table.locator(`[data-testid=perm-row][data-profile="${profile}"]`) };
}

async function saved(row) {
  await row.getByTestId('perm-status').filter({ hasText: 'Saved' }).waitFor();
}

test('the matrix has a row per profile, showing the demo restriction of Light Agent potentials', async () => {
  const { admin, table, row } = await openMatrix();
  const profiles = await table.locator('[data-testid=perm-row]').evaluateAll((rows) => rows.map((r) => r.dataset.profile));
  const api = (await (await admin.request.get('/api/admin/plugins/zoho-crm/permissions')).json()).permissions;
  assert.deepEqual([...profiles].sort(), Object.keys(api).sort());
  for (const p of ['Administrator', 'Agent', 'Light Agent']) assert.ok(profiles.includes(p), `row for ${p}`);
  assert.equal(await row('Light Agent').getByTestId('perm-potentials').textContent(), 'Restricted');
  assert.equal(await row('Agent').getByTestId('perm-potentials').textContent(), 'Full');
  for (const key of ['info', 'notes', 'calls', 'events', 'tasks']) {
    assert.equal(await row('Light Agent').getByTestId(`perm-${key}`).textContent(), 'Full', key);
  }
  assert.ok(await row('Agent').getByTestId('perm-visible').isChecked());
  assert.equal(await row('Agent').getByTestId('perm-show-contacts').getAttribute('aria-pressed'), 'true');
});

test('unticking Visible for the Agent profile makes the panel disappear for agents', async () => {
  const agent = await env.signedInPage('agent');
  const ticket = await crmTicket(agent);
  await agent.goto(`/#/tickets/${ticket.id}`);
  await agent.getByTestId('panel-zoho-crm').getByTestId('profile-name').waitFor();

  const { admin, row } = await openMatrix();
  const put = admin.waitForRequest((r) => r.method() === 'PUT' && r.url().endsWith('/api/admin/plugins/zoho-crm/permissions/Agent'));
  await row('Agent').getByTestId('perm-visible').uncheck();
  const body = JSON.parse((await put).postData());
  assert.equal(body.visible, false);
  assert.deepEqual(Object.keys(body).sort(), ['calls', 'events', 'info', 'notes', 'potentials', 'show', 'tasks', 'visible']);
  await saved(row('Agent'));
  await screenshot(admin, 'permission-matrix');

  // Saved on the server.
  const api = (await (await admin.request.get('/api/admin/plugins/zoho-crm/permissions')).json()).permissions;
  assert.equal(api.Agent.visible, false);
  assert.equal(api['Light Agent'].visible, true);

  await agent.reload();
  await agent.getByTestId('ticket-title').waitFor();
  await agent.getByTestId('no-panels').waitFor();
  assert.equal(await agent.getByTestId('panel-zoho-crm').count(), 0);
  assert.equal(await agent.getByTestId('ticket-title').textContent(), ticket.subject);
  const section = await agent.request.get(`/api/tickets/${ticket.id}/panels/zoho-crm/profile`);
  assert.equal(section.status(), 403);

  // Ticking it again brings the panel back.
  await row('Agent').getByTestId('perm-visible').check();
  await saved(row('Agent'));
  await agent.reload();
  await agent.getByTestId('panel-zoho-crm').getByTestId('profile-name').waitFor();
});

test('restricting Notes and Calls for the Agent profile removes them from the agent\'s panel', async () => {
  const { row } = await openMatrix();
  await row('Agent').getByTestId('perm-notes').click();
  await saved(row('Agent'));
  await row('Agent').getByTestId('perm-calls').click();
  await saved(row('Agent'));
  assert.equal(await row('Agent').getByTestId('perm-notes').textContent(), 'Restricted');
  assert.equal(await row('Agent').getByTestId('perm-calls').textContent(), 'Restricted');

  const agent = await env.signedInPage('agent');
  const ticket = await crmTicket(agent);
  await agent.goto(`/#/tickets/${ticket.id}`);
  const panel = agent.getByTestId('panel-zoho-crm');
  await panel.getByTestId('profile-name').waitFor();
  await panel.getByTestId('section-activities').locator('[data-testid=activity], [data-testid=section-empty]').first().waitFor();
  assert.equal(await panel.getByTestId('section-notes').count(), 0);
  assert.equal(await panel.getByTestId('activity-group-call').count(), 0, 'no calls group');
  const kinds = await panel.getByTestId('activity').evaluateAll((as) => as.map((a) => a.dataset.kind));
  assert.ok(!kinds.includes('call'), `kinds shown: ${kinds}`);
  assert.ok(await panel.getByTestId('section-potentials').count() === 1);
});

test('the Accounts toggle makes the panel show the requester\'s account', async () => {
  const { row } = await openMatrix();
  await row('Agent').getByTestId('perm-show-accounts').click();
  await saved(row('Agent'));
  assert.equal(await row('Agent').getByTestId('perm-show-accounts').getAttribute('aria-pressed'), 'true');

  const agent = await env.signedInPage('agent');
  const ticket = await crmTicket(agent);
  await agent.goto(`/#/tickets/${ticket.id}`);
  const panel = agent.getByTestId('panel-zoho-crm');
  const profile = panel.getByTestId('section-profile');
  await profile.locator('[data-testid=profile-name], [data-testid=section-empty]').first().waitFor();
  assert.match(await profile.locator('.section-title').textContent(), /Account/);
  const data = await (await agent.request.get(`/api/tickets/${ticket.id}/panels/zoho-crm/profile`)).json();
  if (data.profile) {
    assert.equal(data.profile.module, 'accounts');
    assert.equal(await profile.getByTestId('profile-name').textContent(), data.profile.display_name);
  } else {
    assert.equal(await profile.getByTestId('section-empty').textContent(), 'No matching record in the CRM');
  }
});
