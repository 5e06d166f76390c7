// "Use another user's portal link" (Step 1(B)): an administrator of the
// desk who is not a CRM administrator invites one by email, can resend the
// invitation, and the approve link is shown (for the demo, which has no
// mail server); following it connects the CRM as that person.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, setup } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

const CRM_ADMIN = 'crm-admin@zylker.example';

test('request access by email, resend it, and see the approve link and the invitations in the outbox', async () => {
  const admin = await env.signedInPage('admin', '/admin#plugin=zoho-crm');
  await admin.getByTestId('plugin-page').waitFor();
  await admin.getByTestId('portal-link-toggle').click();
  await admin.getByTestId('access-email').fill(CRM_ADMIN);
  const created = admin.waitForResponse((r) => r.url().endsWith('/api/admin/plugins/zoho-crm/access-requests') && r.request().method() === 'POST');
  await admin.getByTestId('access-submit').click();
  assert.equal((await created).status(), 201);

  const row = admin.getByTestId('access-request').filter({ hasText: CRM_ADMIN });
  await row.waitFor();
  assert.equal(await row.getByTestId('access-request-email').textContent(), CRM_ADMIN);
  assert.equal(await row.getByTestId('access-request-status').textContent(), 'Pending');
  assert.equal(await row.getByTestId('access-request-sent').textContent(), '1');
  const link = row.getByTestId('access-approve-link');
  assert.ok(await link.isVisible(), 'the approve link is shown for the demo');
  const href = await link.getAttribute('href');
  assert.match(href, /\/access\/[^/]+$/);
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.equal(await link.getAttribute('rel'), 'noopener');

  const resent = admin.waitForResponse((r) => /\/access-requests\/[^/]+\/resend$/.test(r.url()));
  await row.getByTestId('access-resend').click();
  assert.equal((await resent).status(), 200);
  await row.getByTestId('access-request-sent').filter({ hasText: '2' }).waitFor();
  await screenshot(admin, 'portal-link', { fullPage: true });

  // Both invitations are in the outbox, carrying the approve link.
  await admin.getByTestId('nav-outbox').click();
  await admin.getByTestId('outbox-email').first().waitFor();
  const emails = admin.getByTestId('outbox-email').filter({ has: admin.getByTestId('outbox-to').filter({ hasText: CRM_ADMIN }) });
  assert.equal(await emails.count(), 2);
  const body = await emails.first().getByTestId('outbox-body').textContent();
  assert.ok(body.includes(new URL(href, env.baseUrl).pathname), 'the invitation carries the approve link');
});

test('the CRM administrator approves through the link, and the request shows as approved', async () => {
  const admin = await env.signedInPage('admin', '/admin#plugin=zoho-crm');
  const row = admin.getByTestId('access-request').filter({ hasText: CRM_ADMIN });
  await row.waitFor();
  const href = await row.getByTestId('access-approve-link').getAttribute('href');

  // The CRM administrator's own browser: no desk session.
  const crmAdmin = await (await env.newContext()).newPage();
  await crmAdmin.goto(new URL(href, env.baseUrl).href);
  await crmAdmin.getByTestId('approve-access').click();
  // Through the CRM's consent (the emulator grants it) and back to the console.
  await crmAdmin.waitForURL(/\/admin#plugin=zoho-crm$/);

  await admin.reload();
  const approved = admin.getByTestId('access-request').filter({ hasText: CRM_ADMIN });
  await approved.getByTestId('access-request-status').filter({ hasText: 'Approved' }).waitFor();
  assert.equal(await approved.getByTestId('access-resend').count(), 0, 'nothing to resend once approved');
  const credential = admin.getByTestId('credential-crm').getByTestId('credential-status');
  assert.equal(await credential.textContent(), 'Connected');
});
