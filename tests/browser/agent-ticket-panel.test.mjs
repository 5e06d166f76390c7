// An agent signs in, opens a ticket from the list, and sees the Zoho CRM
// panel beside it: the requester's profile, potentials, notes and
// activities, each section loaded on its own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { crmTicket, screenshot, setup, signIn, LOGINS } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('a wrong password is refused on the sign-in form, the right one signs in', async () => {
  const page = await (await env.newContext()).newPage();
  await page.goto('/');
  await page.getByTestId('login-email').fill(LOGINS.agent.email);
  await page.getByTestId('login-password').fill('not-the-password');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('login-error').waitFor();
  assert.match(await page.getByTestId('login-error').textContent(), /wrong email or password/i);
  await page.getByTestId('login-password').fill(LOGINS.agent.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('current-agent').waitFor();
  assert.match(await page.getByTestId('current-agent').textContent(), /Agent/);
  assert.equal(await page.getByTestId('admin-link').count(), 0, 'agents get no link to the admin console');
});

test('the ticket list shows subject, requester, status, priority, customer type and created date', async () => {
  const page = await env.signedInPage('agent');
  await page.getByTestId('ticket-row').first().waitFor();
  const { tickets } = await (await page.request.get('/api/ticket-list')).json();
  assert.ok(tickets.length > 0, 'the demo has tickets');
  assert.equal(await page.getByTestId('ticket-row').count(), tickets.length);
  const first = page.getByTestId('ticket-row').first();
  assert.equal(await first.getByTestId('ticket-subject').textContent(), tickets[0].subject);
  assert.equal(await first.getByTestId('ticket-requester').textContent(), tickets[0].requester || tickets[0].email);
  assert.equal(await first.getByTestId('ticket-status').textContent(), tickets[0].status);
  assert.equal(await first.getByTestId('ticket-priority').textContent(), tickets[0].priority);
  assert.equal(await first.getByTestId('ticket-customer-type').textContent(), tickets[0].customer_type || '—');
  assert.notEqual((await first.getByTestId('ticket-created').textContent()).trim(), '');
  const headers = await page.locator('thead th').allTextContents();
  assert.deepEqual(headers.map((h) => h.trim().toLowerCase()), ['subject', 'requester', 'status', 'priority', 'customer type', 'created']);
  await screenshot(page, 'ticket-list');
});

test('opening a ticket shows the ticket and the Zoho panel with profile, potentials, notes and activities', async () => {
  const page = await env.signedInPage('agent');
  const ticket = await crmTicket(page);
  await page.getByTestId('ticket-row').filter({ has: page.locator(`[href="#/tickets/${ticket.id}"]`) }).getByTestId('ticket-subject').click();
  await page.waitForURL(`**/#/tickets/${ticket.id}`);

  // The ticket on the left.
  assert.equal(await page.getByTestId('ticket-title').textContent(), ticket.subject);
  await page.getByTestId('ticket-description').waitFor();
  await page.getByTestId('requester-card').waitFor();
  assert.equal(await page.getByTestId('requester-email').textContent(), ticket.email);

  // The Zoho CRM panel on the right.
  const panel = page.getByTestId('panel-zoho-crm');
  await panel.waitFor();
  assert.equal(await panel.getByTestId('panel-title').textContent(), 'Zoho CRM');
  const profile = panel.getByTestId('section-profile');
  await profile.getByTestId('profile-name').waitFor();
  assert.equal(await profile.getByTestId('profile-name').textContent(), ticket.requester);
  assert.equal(await profile.getByTestId('profile-email').textContent(), ticket.email);
  const fieldTexts = await profile.locator('.kv').allTextContents();
  assert.ok(fieldTexts.some((t) => t.includes(ticket.customer_type)), `the profile lists the customer type ${ticket.customer_type}: ${fieldTexts}`);

  const api = async (section) => (await page.request.get(`/api/tickets/${ticket.id}/panels/zoho-crm/${section}`)).json();
  const [potentials, notes, activities] = await Promise.all([api('potentials'), api('notes'), api('activities')]);
  await panel.getByTestId('section-potentials').locator('[data-testid=potential], [data-testid=section-empty]').first().waitFor();
  await panel.getByTestId('section-notes').locator('[data-testid=note], [data-testid=section-empty]').first().waitFor();
  await panel.getByTestId('section-activities').locator('[data-testid=activity], [data-testid=section-empty]').first().waitFor();
  assert.ok(potentials.potentials.length > 0 && notes.notes.length > 0 && activities.activities.length > 0,
    'the demo requester has potentials, notes and activities in the CRM');
  assert.equal(await panel.getByTestId('potential').count(), potentials.potentials.length);
  assert.equal(await panel.getByTestId('note').count(), notes.notes.length);
  assert.equal(await panel.getByTestId('activity').count(), activities.activities.length);
  assert.equal(await panel.getByTestId('potential-name').first().textContent(), potentials.potentials[0].name);
  // Notes are rich text in the CRM: their text shows, without tags.
  assert.equal(await panel.getByTestId('note-content').first().textContent(), notes.notes[0].content.replace(/<[^>]+>/g, ''));

  // Activities are grouped by kind.
  const kinds = new Set(activities.activities.map((a) => a.kind));
  for (const [kind, title] of [['call', 'Calls'], ['event', 'Events'], ['task', 'Tasks']]) {
    const group = panel.getByTestId(`activity-group-${kind}`);
    if (kinds.has(kind)) assert.match(await group.locator('.group-title').textContent(), new RegExp(title));
    else assert.equal(await group.count(), 0);
  }

  // "View in CRM" links open in a new tab, only to http(s) addresses.
  const links = await panel.locator('a.crm-link').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), target: a.target, rel: a.rel })));
  assert.ok(links.length > 0);
  for (const link of links) {
    assert.match(link.href, /^https?:\/\//);
    assert.equal(link.target, '_blank');
    assert.equal(link.rel, 'noopener');
  }
  await page.waitForTimeout(300);
  await screenshot(page, 'ticket-page');
});

test('the refresh button refetches every section with ?refresh=1', async () => {
  const page = await env.signedInPage('agent');
  const ticket = await crmTicket(page);
  await page.goto(`/#/tickets/${ticket.id}`);
  const panel = page.getByTestId('panel-zoho-crm');
  await panel.getByTestId('profile-name').waitFor();
  const sections = (await (await page.request.get(`/api/tickets/${ticket.id}/panels`)).json()).panels.find((p) => p.plugin === 'zoho-crm').sections;
  const seen = new Set();
  page.on('request', (r) => {
    const m = /\/panels\/zoho-crm\/(\w+)\?refresh=1$/.exec(r.url());
    if (m) seen.add(m[1]);
  });
  const done = Promise.all(sections.map((s) => page.waitForResponse((r) => r.url().endsWith(`/panels/zoho-crm/${s}?refresh=1`))));
  await panel.getByTestId('panel-refresh').click();
  await done;
  assert.deepEqual([...seen].sort(), [...sections].sort());
  await panel.getByTestId('profile-name').waitFor();
  assert.equal(await panel.locator('.loading').count(), 0);
});

test('signing out returns to the sign-in form', async () => {
  const page = await env.signedInPage('agent');
  await page.getByTestId('sign-out').click();
  await page.getByTestId('login-form').waitFor();
  const me = await page.request.get('/api/me');
  assert.equal(me.status(), 401);
});

test('a requester the CRM does not know shows "No matching record in the CRM"', async () => {
  const page = await env.signedInPage('agent');
  // A ticket from an address that is in no CRM record (tickets are not synced to the CRM).
  const created = await page.request.post('/api/tickets', {
    data: { fields: { subject: 'Question from a stranger', description: 'Hi,\nwho do I talk to?', status: 'Open', priority: 'Low', email: 'stranger@nowhere.example' } },
  });
  assert.equal(created.status(), 201, await created.text());
  const ticket = await created.json();
  await page.goto(`/#/tickets/${ticket.id}`);
  assert.equal(await page.getByTestId('ticket-title').textContent(), 'Question from a stranger');
  const profile = page.getByTestId('panel-zoho-crm').getByTestId('section-profile');
  await profile.getByTestId('section-empty').waitFor();
  assert.equal(await profile.getByTestId('section-empty').textContent(), 'No matching record in the CRM');
  assert.equal(await page.getByTestId('requester-email').textContent(), 'stranger@nowhere.example');
  for (const [section, text] of [['potentials', 'No potentials'], ['notes', 'No notes'], ['activities', 'No activities']]) {
    const block = page.getByTestId('panel-zoho-crm').getByTestId(`section-${section}`);
    await block.getByTestId('section-empty').waitFor();
    assert.equal(await block.getByTestId('section-empty').textContent(), text);
  }
});

test('a requester the CRM does not know is created there from the panel, and the panel then shows them', async () => {
  const page = await env.signedInPage('agent');
  const contact = await (await page.request.post('/api/contacts', { data: { fields: { first_name: 'Nia', last_name: 'Brooks', email: 'nia.brooks@example.com' } } })).json();
  const ticket = await (await page.request.post('/api/tickets', { data: { fields: { subject: 'First time here', contact_id: contact.id } } })).json();
  await page.goto(`/#/tickets/${ticket.id}`);
  const panel = page.getByTestId('panel-zoho-crm');
  await panel.getByTestId('section-empty').first().waitFor();
  const create = panel.getByTestId('create-contact');
  await create.waitFor();
  assert.equal(await create.getAttribute('aria-label'), 'Create contact in Zoho CRM');
  await create.click();
  await panel.getByTestId('profile-name').waitFor();
  assert.equal(await panel.getByTestId('profile-name').textContent(), 'Nia Brooks');
  assert.equal(await panel.getByTestId('requester-create').count(), 0, 'no create buttons once the CRM knows them');
  await screenshot(page, 'requester-created-from-panel');
});
