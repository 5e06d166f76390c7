// CRM data is text: a note's markup (CRMs keep notes as rich text) is read
// for its text and line breaks, never inserted as HTML; markup typed into a
// field or a note's title is shown literally; scripts in either never run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { crmTicket, setup, zohoClient } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

const NOTE_TITLE = '<img src=x onerror="window.__deskpaneXss = \'title\'">Follow-up';
const NOTE_CONTENT = 'Customer wrote:\n<script>window.__deskpaneXss = "note"</script>\n<b>Please call back</b> before Friday.';
const TITLE = '<b>VP</b> of <i>Support</i>';

test('markup in CRM notes shows as text, in profile fields literally, and never runs', async () => {
  const page = await env.signedInPage('agent');
  const ticket = await crmTicket(page);

  // A CRM user types markup into Zoho CRM.
  const zoho = await zohoClient(env.emulatorUrl);
  const contact = await zoho.contactByEmail(ticket.email);
  await zoho.update('Contacts', contact.id, { Title: TITLE });
  await zoho.insert('Notes', { Note_Title: NOTE_TITLE, Note_Content: NOTE_CONTENT, Parent_Id: { id: contact.id }, $se_module: 'Contacts' });

  await page.goto(`/#/tickets/${ticket.id}`);
  const panel = page.getByTestId('panel-zoho-crm');
  await panel.getByTestId('profile-name').waitFor();
  // Fetch past the panel cache, as an agent would with the refresh button.
  const refreshed = page.waitForResponse((r) => r.url().endsWith('/panels/zoho-crm/notes?refresh=1'));
  await panel.getByTestId('panel-refresh').click();
  await refreshed;

  const note = panel.getByTestId('note').filter({ hasText: 'Follow-up' });
  await note.waitFor();
  assert.equal(await note.getByTestId('note-title').textContent(), NOTE_TITLE);
  // The note's text: no tags, the script's code dropped, its lines kept.
  assert.equal(await note.getByTestId('note-content').textContent(), 'Customer wrote:\n\nPlease call back before Friday.');
  // Line breaks are kept on screen.
  assert.equal(await note.getByTestId('note-content').evaluate((e) => getComputedStyle(e).whiteSpace), 'pre-wrap');
  const noteBox = await note.getByTestId('note-content').boundingBox();
  assert.ok(noteBox.height > 40, 'the three lines of the note are shown on three lines');

  await panel.locator('[data-testid=profile-field]', { hasText: 'VP' }).waitFor();
  const fields = await panel.getByTestId('profile-field').allTextContents();
  assert.ok(fields.includes(TITLE), `the Title field is shown literally: ${JSON.stringify(fields)}`);

  // The demo's own note with <b> shows its text, without the tags.
  const allNotes = await panel.getByTestId('note-content').allTextContents();
  assert.ok(allNotes.includes('Escalated ticket #4411 to engineering.'), JSON.stringify(allNotes));
  assert.ok(allNotes.every((t) => !t.includes('<b>')), 'no literal <b> in a note');

  // No element came out of the CRM's text, and nothing ran.
  assert.equal(await panel.locator('b, i, img, script').count(), 0);
  assert.equal(await page.evaluate(() => window.__deskpaneXss), undefined);
  assert.ok(await page.getByText('Please call back before Friday.', { exact: false }).isVisible());
});
