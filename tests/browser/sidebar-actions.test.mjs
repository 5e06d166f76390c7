// Acting on the CRM from the sidebar: an agent searches Zoho CRM for the
// record of a requester it does not know under their desk email and links
// it (the panel then fills in), and adds a note and logs a call from a
// found profile, which the Notes and Activities sections then show.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { crmTicket, screenshot, setup, zohoClient } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('an agent searches the CRM and links an unknown requester to an existing contact, and the panel fills in', async () => {
  const zoho = await zohoClient(env.emulatorUrl);
  // The CRM knows her under her work address; the desk under her own.
  const made = await zoho.call('POST', 'Contacts', { data: [{ First_Name: 'Tomasz', Last_Name: 'Wiśniewski', Email: 'tomasz@wisniewski-works.example', Title: 'Buyer' }] });
  const crmId = made.data[0].details.id;
  const page = await env.signedInPage('agent');
  const contact = await (await page.request.post('/api/contacts', { data: { fields: { first_name: 'Tomasz', last_name: 'W.', email: 'tomasz@home.example' } } })).json();
  const ticket = await (await page.request.post('/api/tickets', { data: { fields: { subject: 'Order status', contact_id: contact.id } } })).json();
  await page.goto(`/#/tickets/${ticket.id}`);
  const panel = page.getByTestId('panel-zoho-crm');
  const search = panel.getByTestId('crm-search');
  await search.waitFor();
  assert.equal(await search.getAttribute('aria-label'), 'Search Zoho CRM');
  await search.getByLabel('Name, email or phone', { exact: true }).fill('tomasz@wisniewski-works.example');
  await search.getByRole('button', { name: 'Search' }).click();
  const result = panel.getByTestId('crm-search-result');
  await result.first().waitFor();
  assert.equal(await result.count(), 1);
  assert.equal(await result.getByTestId('crm-search-name').textContent(), 'Tomasz Wiśniewski');
  assert.equal(await result.getAttribute('data-id'), crmId);
  const link = result.getByTestId('crm-search-link');
  assert.equal(await link.getAttribute('aria-label'), 'Link the requester to Tomasz Wiśniewski');
  await link.click();
  await panel.getByTestId('profile-name').waitFor();
  assert.equal(await panel.getByTestId('profile-name').textContent(), 'Tomasz Wiśniewski');
  assert.equal(await panel.getByTestId('profile-match').textContent(), 'Linked by an agent');
  assert.equal(await panel.getByTestId('profile-email').textContent(), 'tomasz@wisniewski-works.example');
  assert.equal(await panel.getByTestId('crm-search').count(), 0, 'no search once linked');
  await panel.getByTestId('crm-unlink').waitFor();
  await screenshot(page, 'requester-linked-from-panel');

  // The link is the desk's: the page opened anew still shows the record.
  await page.reload();
  await page.getByTestId('panel-zoho-crm').getByTestId('profile-name').waitFor();
  assert.equal(await page.getByTestId('panel-zoho-crm').getByTestId('profile-name').textContent(), 'Tomasz Wiśniewski');
});

test('an agent adds a note and logs a call from a found profile and sees them in Notes and Activities', async () => {
  const page = await env.signedInPage('agent');
  const ticket = await crmTicket(page);
  await page.goto(`/#/tickets/${ticket.id}`);
  const panel = page.getByTestId('panel-zoho-crm');
  await panel.getByTestId('profile-name').waitFor();
  const actions = panel.getByTestId('record-actions');
  await actions.waitFor();

  await actions.getByTestId('action-note').click();
  const noteForm = actions.getByTestId('note-form');
  await noteForm.getByLabel('Title (optional)', { exact: true }).fill('Follow-up');
  await noteForm.getByLabel('Note', { exact: true }).fill('Asked for the renewal quote by Friday.');
  await noteForm.getByTestId('record-action-save').click();
  await actions.getByTestId('record-action-status').filter({ hasText: 'Note added in Zoho CRM.' }).waitFor();
  const notes = panel.getByTestId('section-notes');
  await notes.getByTestId('note-content').filter({ hasText: 'Asked for the renewal quote by Friday.' }).waitFor();
  assert.equal(await noteForm.count(), 0, 'the form closes once saved');

  await actions.getByTestId('action-call').click();
  const callForm = actions.getByTestId('call-form');
  await callForm.getByLabel('Subject', { exact: true }).fill('Renewal call');
  await callForm.getByLabel('Direction', { exact: true }).selectOption('inbound');
  await callForm.getByLabel('Duration in minutes', { exact: true }).fill('7');
  await callForm.getByLabel('Description', { exact: true }).fill('Walked through the quote.');
  await callForm.getByTestId('record-action-save').click();
  await actions.getByTestId('record-action-status').filter({ hasText: 'Call logged in Zoho CRM.' }).waitFor();
  const calls = panel.getByTestId('section-activities').getByTestId('activity-group-call');
  const logged = calls.getByTestId('activity').filter({ hasText: 'Renewal call' });
  await logged.waitFor();
  assert.equal(await logged.getByTestId('activity-status').textContent(), 'Inbound');
  await screenshot(page, 'note-and-call-from-panel');

  // The CRM has them, as Zoho stores them.
  const zoho = await zohoClient(env.emulatorUrl);
  const profileId = await panel.getByTestId('profile-link').getAttribute('href');
  const id = profileId.split('/').pop();
  const relatedCalls = await zoho.call('GET', `Contacts/${id}/Calls?fields=Subject,Call_Duration,Call_Type`);
  const call = relatedCalls.data.find((c) => c.Subject === 'Renewal call');
  assert.equal(call.Call_Duration, '07:00');
});
