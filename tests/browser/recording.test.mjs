// Recording CloudCX conversations in the CRM (seed 004), through the real
// host, the CloudCX and Zoho CRM plugins and both emulators. The CloudCX
// emulator's scripted chat (a new visitor, Riley Chen, chats with the agent,
// who ends the chat) arrives the way a real one would.
//
// Automatic (the demo's settings): the chat becomes a Chat ticket, a lead and
// a task in Zoho CRM; the log and the ticket's Conversation card say so and
// the Zoho panel shows the lead. The Recording page keeps Manually and a new
// order of identification rules; the Sync page offers no CloudCX section;
// Disconnect asks first.
//
// Manual: the chat becomes a ticket with nothing in the CRM; the agent
// creates a lead, then a contact (the refreshed Zoho panel shows each) and a
// case from the ticket; a failure shows in the log in red and Try Again records
// the conversation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiJson, screenshot, setup, zohoClient } from './harness.mjs';

const RILEY = 'riley.chen@northwind-demo.example';
const RECORDING = '/api/admin/plugins/cloudcx/recording';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A full-page screenshot from the top (the top bar sticks to where the page was scrolled otherwise). */
async function fullShot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, name, { fullPage: true });
}

/** Polls the recording log until `ready(entry)` holds for Riley's conversation; answers the entry. */
async function rileysEntry(page, ready, what, timeoutMs = 45000) {
  const deadline = Date.now() + timeoutMs;
  let entries = [];
  while (Date.now() < deadline) {
    ({ entries } = await apiJson(page, 'GET', RECORDING + '/log'));
    const entry = entries.find((e) => e.ticket && JSON.stringify(e.conversation).includes(RILEY));
    if (entry && ready(entry)) return entry;
    await sleep(500);
  }
  throw new Error(`Riley's chat was not ${what} within ${timeoutMs} ms; log: ${JSON.stringify(entries).slice(0, 2000)}`);
}

describe('automatic recording (the demo: web chats as leads and tasks in Zoho CRM)', () => {
  let env;
  before(async () => { env = await setup({ cloudcx: { scriptChatAfter: 2 } }); });
  after(async () => { await env?.close(); });

  test('the Recording page is linked from the navigation and the CloudCX card, and shows the configuration as the seed lays it out', async () => {
    const page = await env.signedInPage('admin', '/admin#plugins');
    await page.getByTestId('nav-recording').waitFor();
    const cloudcxCard = page.locator('[data-testid="plugin-card"][data-plugin="cloudcx"]');
    await cloudcxCard.getByTestId('plugin-recording').waitFor();
    assert.equal(await page.locator('[data-testid="plugin-card"][data-plugin="zoho-crm"]').getByTestId('plugin-recording').count(), 0, 'a CRM has no Recording page');
    await cloudcxCard.getByTestId('plugin-recording').click();
    await page.waitForURL(/#recording=cloudcx$/);

    const form = page.getByTestId('recording-form');
    await form.waitFor();
    assert.match(await page.locator('h1').textContent(), /Recording · CloudCX/);
    assert.equal(await page.getByTestId('recording-enabled').isChecked(), true);
    assert.equal(await page.getByTestId('recording-mode-automatically').isChecked(), true);
    assert.equal(await page.getByTestId('recording-web-chat-sales').isChecked(), true, 'web chats for Sales');
    assert.equal(await page.getByTestId('recording-inbox-support').isChecked(), true, 'the inbox for Support');
    assert.equal(await page.getByTestId('recording-update-do-not-update').isChecked(), true);
    assert.match(await page.getByTestId('recording-web-chat').textContent(), /For Sales: record visitors as leads and chats as tasks/);
    assert.match(await page.getByTestId('recording-inbox').textContent(), /For Support: record visitors as contacts and conversations as cases/);
    assert.match(await page.getByTestId('recording-update').textContent(), /Only add new information \(do not overwrite existing information\)/);
    assert.equal(await page.getByTestId('recording-crm').inputValue(), 'zoho-crm', 'the demo records into Zoho CRM');
    assert.match(await page.getByTestId('recording-crm').locator('option').first().textContent(), /First connected CRM \(now Zoho CRM\)/);
    assert.equal(await page.getByTestId('rules-summary').textContent(), 'Account: Company · Contact: Email, then Phone · Lead: Email, then Phone');

    const person = page.getByTestId('fields-person');
    const personRows = await person.locator('tbody tr').allTextContents();
    assert.ok(personRows.some((r) => /^NameLast NameLast NameLast Name$/.test(r)), `Name → Last Name: ${personRows}`);
    assert.ok(personRows.some((r) => /^PhoneCell PhonePhonePhone$/.test(r)), `Phone / Cell Phone → Phone: ${personRows}`);
    assert.ok(personRows.some((r) => /^CompanyCompany Name\/Company$/.test(r)), `Company → a lead's Company: ${personRows}`);
    const activityRows = await page.getByTestId('fields-activity').locator('tbody tr').allTextContents();
    for (const detail of ['Tenant ID', 'Chat Channel']) assert.ok(activityRows.some((r) => r.startsWith(detail) && r.endsWith('SubjectSubject')), `${detail} → Subject`);
    for (const detail of ['Chat Content', 'Chat ID', 'Note', 'Agent Wrap-up', 'Start Time', 'End Time', 'Custom Fields and Custom Variables']) {
      assert.ok(activityRows.some((r) => r.startsWith(detail) && r.endsWith('DescriptionDescription')), `${detail} → Description: ${activityRows}`);
    }
    await fullShot(page, 'recording-settings');

    // The plugin's page leads there too.
    await page.goto('/admin#plugin=cloudcx');
    await page.getByTestId('recording-card').waitFor();
    assert.equal(await page.getByTestId('recording-card-state').textContent(), 'Automatic');
    assert.match(await page.getByTestId('recording-card').textContent(), /Web chats are recorded as leads and tasks, inbox conversations as contacts and cases/);
    await page.goto('/admin#plugin=zoho-crm');
    await page.getByTestId('config-form').waitFor();
    assert.equal(await page.getByTestId('recording-card').count(), 0);
  });

  test('the Sync page offers no section for CloudCX, whose only module is chats', async () => {
    const page = await env.signedInPage('admin', '/admin#sync');
    await page.getByTestId('sync-page').waitFor();
    assert.equal(await page.getByTestId('sync-page').getAttribute('data-plugin'), 'zoho-crm');
    await page.locator('[data-testid="sync-nav-plugin"][data-plugin="zoho-crm"]').waitFor();
    const syncing = await page.getByTestId('sync-nav-plugin').evaluateAll((links) => links.map((a) => a.getAttribute('data-plugin')));
    assert.deepEqual(syncing, ['zoho-crm']);
    await page.goto('/admin#sync=cloudcx');
    await page.getByTestId('sync-none').waitFor();
    assert.match(await page.getByTestId('sync-none').textContent(), /CloudCX does not sync records: its manifest lists none of contacts, accounts and products/);
    assert.equal(await page.getByTestId('sync-page').count(), 0);
    await page.getByTestId('nav-recording').waitFor();
    await screenshot(page, 'recording-sync-without-cloudcx');
  });

  test("the scripted chat becomes a Chat ticket, a lead and a task; the log, the ticket's Conversation card and the Zoho panel show them", async () => {
    const admin = await env.signedInPage('admin', '/admin');
    const entry = await rileysEntry(admin, (e) => e.person && e.activity, 'recorded as a lead and a task');
    assert.equal(entry.failure, null);
    assert.equal(entry.crm, 'zoho-crm');
    assert.deepEqual([entry.person.record.module, entry.person.how], ['Leads', 'created']);
    assert.deepEqual([entry.activity.record.module, entry.activity.how], ['Tasks', 'created']);

    await admin.goto('/admin#recording=cloudcx&tab=log');
    const row = admin.locator(`[data-testid="log-row"][data-conversation="${entry.conversation_id}"]`);
    await row.waitFor();
    assert.equal(await row.getByTestId('log-person').getAttribute('data-module'), 'Leads');
    assert.equal(await row.getByTestId('log-person-how').textContent(), 'Created');
    assert.equal(await row.getByTestId('log-person-id').textContent(), entry.person.record.id);
    assert.equal(await row.getByTestId('log-activity-id').textContent(), entry.activity.record.id);
    assert.equal(await row.getByTestId('log-status').textContent(), 'Recorded');
    assert.equal(await row.getByTestId('log-ticket').getAttribute('href'), `/#/tickets/${entry.ticket}`);
    assert.match(await row.textContent(), /Riley Chen.*Web Chat/);
    await screenshot(admin, 'recording-log');

    const agent = await env.signedInPage('agent', `/#/tickets/${entry.ticket}`);
    await agent.getByTestId('ticket-title').waitFor();
    assert.match(await agent.locator('.ticket-meta').textContent(), /ChannelChat/);
    const card = agent.getByTestId('conversation-card');
    await card.waitFor();
    assert.equal(await card.getAttribute('data-manual'), 'false');
    assert.equal(await card.getByTestId('conversation-person').getAttribute('data-module'), 'Leads');
    assert.equal(await card.getByTestId('conversation-person-id').textContent(), entry.person.record.id);
    assert.equal(await card.getByTestId('conversation-activity-id').textContent(), entry.activity.record.id);
    assert.match(await card.locator('.conversation-actions-label').textContent(), /^Also record by hand in /, 'automatic mode still lets an agent add a record by hand');
    // The lead and the task are in Zoho CRM, the task under the lead.
    const zohoApi = await zohoClient(env.emulatorUrl);
    const lead = (await zohoApi.call('GET', `Leads/${entry.person.record.id}`)).data[0];
    assert.equal(lead.Email, RILEY);
    assert.equal(lead.Last_Name, 'Riley Chen');
    const task = (await zohoApi.call('GET', `Tasks/${entry.activity.record.id}`)).data[0];
    assert.match(task.Subject, /Web Chat with Riley Chen/);
    assert.equal(task.What_Id?.id ?? task.Who_Id?.id, entry.person.record.id, 'the task is under the lead');
    // The Zoho panel shows the requester as the new lead.
    const zoho = agent.getByTestId('panel-zoho-crm');
    await zoho.getByTestId('profile-name').waitFor();
    assert.equal(await zoho.getByTestId('profile-name').textContent(), 'Riley Chen');
    assert.match(await zoho.getByTestId('profile-module').textContent(), /^lead$/i, 'the profile is the lead');
    await fullShot(agent, 'recording-ticket-automatic');

    // A ticket that did not come from a conversation has no card.
    const other = (await apiJson(agent, 'GET', '/api/ticket-list')).tickets.find((t) => t.id !== entry.ticket);
    await agent.goto(`/#/tickets/${other.id}`);
    await agent.getByTestId('requester-card').waitFor();
    await agent.getByTestId('panel-zoho-crm').waitFor();
    assert.equal(await agent.getByTestId('conversation-card').count(), 0);
  });

  test('the admin switches to Manually and reorders the identification rules; both are kept', async () => {
    const page = await env.signedInPage('admin', '/admin#recording=cloudcx');
    await page.getByTestId('recording-form').waitFor();
    assert.equal(await page.getByTestId('recording-auto').isVisible(), true);
    await page.getByTestId('recording-mode-manually').check();
    assert.equal(await page.getByTestId('recording-auto').isVisible(), false, 'the automatic sections hide in manual mode');
    await page.getByTestId('recording-save').click();
    await page.getByTestId('recording-saved').waitFor();
    assert.equal(await page.getByTestId('recording-state').textContent(), 'Manual: agents create records');
    await page.reload();
    await page.getByTestId('recording-form').waitFor();
    assert.equal(await page.getByTestId('recording-mode-manually').isChecked(), true, 'kept after a reload');

    // Contact: Phone before Email; Lead: Name added; Account: Company removed, then Name added.
    await page.getByTestId('rules-customize').click();
    const contactRules = page.getByTestId('rules-contact');
    await contactRules.waitFor();
    await page.getByTestId('rule-down-contact-email').click();
    assert.deepEqual(await contactRules.getByTestId('rule-name').allTextContents(), ['Phone', 'Email']);
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('data-testid')), 'rule-up-contact-email', 'the focus stays on the moved detail');
    await page.getByTestId('rules-add-select-lead').selectOption('name');
    await page.getByTestId('rules-add-lead').click();
    await page.getByTestId('rule-remove-account-company').click();
    await page.getByTestId('rules-empty-account').waitFor();
    await page.getByTestId('rules-add-select-account').selectOption('name');
    await page.getByTestId('rules-add-account').click();
    assert.equal(await page.getByTestId('rules-summary').textContent(), 'Account: Name · Contact: Phone, then Email · Lead: Email, then Phone, then Name');
    await fullShot(page, 'recording-identification-rules');
    await page.getByTestId('recording-save').click();
    await page.getByTestId('recording-saved').waitFor();

    const saved = await apiJson(page, 'GET', RECORDING);
    assert.equal(saved.settings.mode, 'manually');
    assert.deepEqual(saved.settings.identification, { account: ['name'], contact: ['phone', 'email'], lead: ['email', 'phone', 'name'] });
    await page.reload();
    await page.getByTestId('rules-customize').click();
    assert.deepEqual(await page.getByTestId('rules-contact').getByTestId('rule-name').allTextContents(), ['Phone', 'Email']);

    // A CRM that is not enabled is refused with the server's sentence.
    await page.route('**/api/admin/plugins/cloudcx/recording', (route) => (route.request().method() === 'PUT'
      ? route.continue({ postData: JSON.stringify({ ...JSON.parse(route.request().postData()), crm: 'no-such-crm' }) })
      : route.continue()));
    await page.getByTestId('recording-save').click();
    await page.getByTestId('recording-error').waitFor();
    assert.match(await page.getByTestId('recording-error').textContent(), /no-such-crm.*not an enabled CRM plugin/);
    await page.unroute('**/api/admin/plugins/cloudcx/recording');
  });

  test('disconnecting CloudCX asks first: Cancel keeps the connection, OK disconnects', async () => {
    const page = await env.signedInPage('admin', '/admin#plugin=cloudcx');
    const card = page.getByTestId('credential-cloudcx');
    await card.getByTestId('disconnect').click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /Disconnect CloudCX\?.*Click OK to disconnect, or Cancel/);
    await screenshot(page, 'recording-disconnect-confirm');
    await dialog.getByTestId('confirm-cancel').click();
    assert.equal(await page.getByTestId('confirm-dialog').count(), 0);
    assert.equal(await card.getByTestId('credential-state-cloudcx').getAttribute('data-connected'), 'true');
    await card.getByTestId('disconnect').click();
    await page.getByTestId('confirm-dialog').getByTestId('confirm-delete').click();
    await page.locator('[data-testid="credential-state-cloudcx"][data-connected="false"]').waitFor();
  });
});

describe('manual recording: agents create records from the ticket', () => {
  let env;
  let admin;
  before(async () => {
    // The chat starts 15 s after the emulator; the desk is switched to manual mode well before.
    env = await setup({ cloudcx: { scriptChatAfter: 15 } });
    admin = await env.signedInPage('admin', '/admin');
    const { settings } = await apiJson(admin, 'GET', RECORDING);
    await apiJson(admin, 'PUT', RECORDING, { ...settings, mode: 'manually' });
    const { entries } = await apiJson(admin, 'GET', RECORDING + '/log');
    assert.deepEqual(entries, [], 'manual mode was set before the scripted chat arrived (the desk started too slowly?)');
  });
  after(async () => { await env?.close(); });

  test('the chat becomes a Chat ticket with nothing recorded; the agent creates a lead, then a case, from the ticket', async () => {
    const entry = await rileysEntry(admin, (e) => JSON.stringify(e.conversation).includes('ChatEnded'), 'ended and ticketed');
    assert.equal(entry.person, null, 'manual mode creates no lead');
    assert.equal(entry.activity, null, 'manual mode creates no task');
    const ticket = await apiJson(admin, 'GET', `/api/tickets/${entry.ticket}`);
    assert.equal(ticket.fields.channel, 'Chat');

    const agent = await env.signedInPage('agent', `/#/tickets/${entry.ticket}`);
    const card = agent.getByTestId('conversation-card');
    await card.waitFor();
    assert.equal(await card.getAttribute('data-manual'), 'true');
    await card.getByTestId('conversation-nothing').waitFor();
    for (const name of ['Create Lead', 'Create Contact', 'Create Case', 'Create Task']) {
      assert.equal(await card.getByRole('button', { name }).count(), 1, name);
    }
    const zoho = agent.getByTestId('panel-zoho-crm');
    await zoho.getByTestId('section-profile').getByTestId('section-empty').waitFor();
    await fullShot(agent, 'recording-ticket-manual');

    // Create Lead, by keyboard; the buttons wait while the CRM answers, then the panels refresh from the CRM.
    let release;
    const held = new Promise((r) => { release = r; });
    await agent.route('**/api/tickets/*/record', async (route) => {
      if (route.request().method() === 'POST') await held;
      await route.continue();
    });
    await card.getByTestId('create-lead').focus();
    await agent.keyboard.press('Enter');
    await agent.waitForFunction(() => [...document.querySelectorAll('.conversation-actions button')].every((b) => b.disabled));
    assert.equal(await card.getByTestId('create-lead').textContent(), 'Creating…');
    const refreshed = agent.waitForRequest((r) => r.url().includes('/panels/zoho-crm/profile?refresh=1'));
    release();
    await card.getByTestId('conversation-created').filter({ hasText: 'Created Lead' }).waitFor();
    await refreshed;
    await agent.unroute('**/api/tickets/*/record');
    const afterLead = await rileysEntry(admin, (e) => e.person, 'given a lead');
    assert.equal(afterLead.person.record.module, 'Leads');
    assert.match(await card.getByTestId('conversation-created').textContent(), new RegExp(`^Created Lead ${afterLead.person.record.id} \\(Riley Chen\\)\\.$`));
    assert.equal(await card.getByTestId('create-case').isEnabled(), true, 'the buttons are back');
    assert.equal(await card.getByTestId('conversation-person-id').textContent(), afterLead.person.record.id);
    const zohoApi = await zohoClient(env.emulatorUrl);
    assert.equal((await zohoApi.call('GET', `Leads/${afterLead.person.record.id}`)).data[0].Email, RILEY);
    // The refreshed Zoho panel shows the new lead.
    await zoho.getByTestId('profile-name').waitFor();
    assert.equal(await zoho.getByTestId('profile-name').textContent(), 'Riley Chen');
    assert.match(await zoho.getByTestId('profile-module').textContent(), /^lead$/i);

    // Create Contact: the refreshed Zoho panel finds Riley as a contact now (contacts come before leads).
    await card.getByTestId('create-contact').click();
    await card.getByTestId('conversation-created').filter({ hasText: 'Created Contact' }).waitFor();
    await zoho.getByTestId('section-profile').locator('.profile:not(:has([data-testid=profile-module]))').waitFor();
    assert.equal(await zoho.getByTestId('profile-name').textContent(), 'Riley Chen');
    assert.equal(await zoho.getByTestId('profile-email').textContent(), RILEY);
    const afterContact = await rileysEntry(admin, (e) => e.person && e.person.record.module === 'Contacts', 'given a contact');

    await card.getByTestId('create-case').click();
    await card.getByTestId('conversation-created').filter({ hasText: 'Created Case' }).waitFor();
    const afterCase = await rileysEntry(admin, (e) => e.activity, 'given a case');
    assert.equal(afterCase.activity.record.module, 'Cases');
    assert.equal(afterCase.activity.how, 'created');
    assert.match(await card.getByTestId('conversation-created').textContent(), new RegExp(`^Created Case ${afterCase.activity.record.id}`));
    assert.equal(await card.getByTestId('conversation-activity-id').textContent(), afterCase.activity.record.id);
    const zohoCase = (await zohoApi.call('GET', `Cases/${afterCase.activity.record.id}`)).data[0];
    assert.match(zohoCase.Subject, /Web Chat with Riley Chen/);
    assert.equal(zohoCase.Related_To?.id ?? zohoCase.Who_Id?.id, afterContact.person.record.id, 'the case is under the contact');
    await fullShot(agent, 'recording-ticket-created');
  });

  test('a failed conversation shows in red in the log, and Try Again records it once the cause is fixed', async () => {
    const entry = await rileysEntry(admin, (e) => e.activity, 'recorded');
    // Automatic again, and no CRM to record into: trying again fails.
    const { settings } = await apiJson(admin, 'GET', RECORDING);
    await apiJson(admin, 'PUT', RECORDING, { ...settings, mode: 'automatically' });
    await apiJson(admin, 'PATCH', '/api/admin/plugins/zoho-crm', { enabled: false });
    const refused = await admin.request.post(`${RECORDING}/log/${entry.conversation_id}/retry`);
    assert.ok(refused.status() >= 400, `the retry fails without a CRM (${refused.status()})`);

    await admin.goto('/admin#recording=cloudcx&tab=log');
    const row = admin.locator(`[data-testid="log-row"][data-conversation="${entry.conversation_id}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-failed'), 'true');
    assert.ok((await row.getByTestId('log-failure').textContent()).length > 0);
    assert.equal(await row.getByTestId('log-failure').evaluate((n) => getComputedStyle(n).color), 'rgb(194, 48, 48)', 'the failure is red');
    assert.equal(await admin.getByTestId('recording-failure-count').textContent(), '1');
    // Trying again while the cause remains says so in the row.
    await row.getByTestId('log-retry').click();
    await row.getByTestId('log-retry-error').waitFor();
    assert.match(await row.getByTestId('log-retry-error').textContent(), /^Failed again at /);
    assert.match(await row.getByTestId('log-failure').textContent(), /CRM/);
    await screenshot(admin, 'recording-log-failure');

    await apiJson(admin, 'PATCH', '/api/admin/plugins/zoho-crm', { enabled: true });
    await row.getByTestId('log-retry').click();
    const fresh = admin.locator(`[data-testid="log-row"][data-conversation="${entry.conversation_id}"][data-failed="false"]`);
    await fresh.waitFor();
    assert.equal(await fresh.getByTestId('log-status').textContent(), 'Recorded');
    assert.equal(await fresh.getByTestId('log-person-id').textContent(), entry.person.record.id);
    assert.equal(await fresh.getByTestId('log-activity-id').textContent(), entry.activity.record.id);
    const after = await rileysEntry(admin, () => true, 'logged');
    assert.equal(after.failure, null);
    await screenshot(admin, 'recording-log-retried');
  });
});
