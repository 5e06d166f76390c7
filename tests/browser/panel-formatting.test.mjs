// How the agent's panel writes what the CRM holds (issue 14): a note in
// rich text (HTML, as CRMs keep them) as plain text with its line breaks,
// never markup; amounts in their currency (the CRM organisation's, set on
// the integration, when the CRM gives none); days without a time as days,
// in a browser far west of UTC too; open potentials first, the closed ones
// folded below them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiJson, screenshot, setup, signIn, zohoClient } from './harness.mjs';

const ADA = 'ada@zylker.example';
const RICH_NOTE = '<div>Spoke with Ada about the renewal.</div><div><br></div><ul><li>Wants a 3-year term</li>'
  + '<li>Needs SSO &amp; audit logs</li></ul><p>Next call on <b>Friday</b>.<script>window.__deskpaneXss = 1</script></p>';
const RICH_TEXT = 'Spoke with Ada about the renewal.\n\n\u2022 Wants a 3-year term\n\u2022 Needs SSO & audit logs\nNext call on Friday.';

let env;
/** Ada's ticket, and the page of an agent whose browser is in Honolulu (UTC-10). */
let ticketId;
let page;

before(async () => {
  env = await setup();
  // In the CRM: a rich-text note and a closed (lost) deal for Ada, beside her open renewal.
  const zoho = await zohoClient(env.emulatorUrl);
  const ada = await zoho.contactByEmail(ADA);
  await zoho.insert('Notes', { Note_Title: 'Call summary', Note_Content: RICH_NOTE, Parent_Id: { id: ada.id }, $se_module: 'Contacts' });
  await zoho.insert('Deals', { Deal_Name: 'Zylker pilot 2025', Stage: 'Closed Lost', Amount: 1250.5, Closing_Date: '2025-06-30', Contact_Name: { id: ada.id } });

  const context = await env.newContext({ timezoneId: 'Pacific/Honolulu' });
  page = await context.newPage();
  await signIn(page, 'agent');
  const created = await apiJson(page, 'POST', '/api/tickets', { fields: { subject: 'Renewal questions', email: ADA } });
  ticketId = created.id;
});
after(async () => { await env?.close(); });

/** Ada's panel, loaded. */
async function openPanel() {
  await page.goto('about:blank');
  await page.goto(`/#/tickets/${ticketId}`);
  const panel = page.getByTestId('panel-zoho-crm');
  await panel.getByTestId('note').first().waitFor();
  await panel.getByTestId('potential').first().waitFor();
  await panel.getByTestId('activity').first().waitFor();
  return panel;
}

test('a rich-text note shows as text with its line breaks: no tags, entities decoded, nothing run', async () => {
  const panel = await openPanel();
  const note = panel.getByTestId('note').filter({ hasText: 'Call summary' });
  const content = note.getByTestId('note-content');
  assert.equal(await content.textContent(), RICH_TEXT);
  assert.equal(await content.evaluate((e) => e.children.length), 0, 'text only, no element from the note');
  assert.equal(await content.evaluate((e) => getComputedStyle(e).whiteSpace), 'pre-wrap');
  assert.ok((await content.boundingBox()).height > 60, 'five lines on screen');
  for (const text of await panel.getByTestId('note-content').allTextContents()) {
    assert.doesNotMatch(text, /<\/?[a-z]+>|&amp;/i, `no tag or entity shows: ${text}`);
  }
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).__deskpaneXss), undefined);
});

test('amounts show the currency: the desk default (USD) for a CRM that gives none', async () => {
  const panel = await openPanel();
  const { panels } = await apiJson(page, 'GET', `/api/tickets/${ticketId}/panels`);
  assert.equal(panels.find((p) => p.plugin === 'zoho-crm').currency, 'USD', 'the demo sets the emulated organisation\'s currency');
  const { potentials } = await apiJson(page, 'GET', `/api/tickets/${ticketId}/panels/zoho-crm/potentials`);
  assert.ok(potentials.every((p) => !p.currency), 'Zoho CRM (single currency) reports none per deal');

  const renewal = panel.getByTestId('potential').filter({ hasText: 'Zylker platform renewal' });
  assert.equal(await renewal.getByTestId('potential-amount').textContent(), '$240,000');
  const pilot = panel.getByTestId('potential').filter({ hasText: 'Zylker pilot 2025' });
  assert.equal(await pilot.getByTestId('potential-amount').textContent(), '$1,250.50');
});

test('days without a time show as those days, with no time, in a browser west of UTC', async () => {
  const panel = await openPanel();
  const renewal = panel.getByTestId('potential').filter({ hasText: 'Zylker platform renewal' });
  assert.equal(await renewal.getByTestId('potential-closing').textContent(), 'Closes Dec 15, 2026');
  const task = panel.getByTestId('activity').filter({ hasText: 'Send security questionnaire' });
  assert.equal(await task.getByTestId('activity-time').textContent(), 'Due Dec 1, 2026');
  for (const text of await panel.getByTestId('activity-group-task').getByTestId('activity-time').allTextContents()) {
    assert.doesNotMatch(text, /AM|PM|\d:\d\d/, `a due day has no time: ${text}`);
  }
});

test('open potentials come first; the closed ones are folded below them', async () => {
  const panel = await openPanel();
  const open = panel.getByTestId('potentials-open');
  assert.deepEqual(await open.getByTestId('potential-name').allTextContents(), ['Zylker platform renewal']);
  const closed = panel.getByTestId('potentials-closed');
  assert.equal(await closed.evaluate((d) => /** @type {HTMLDetailsElement} */ (d).open), false, 'folded');
  assert.match(await closed.locator('summary').textContent(), /^Closed\s*1$/);
  assert.equal(await closed.getByTestId('potential-name').isVisible(), false);
  await closed.locator('summary').click();
  assert.equal(await closed.getByTestId('potential-name').textContent(), 'Zylker pilot 2025');
  assert.equal(await closed.getByTestId('potential-stage').textContent(), 'Closed Lost');
  await screenshot(page, 'panel-formatting');
});

test("an administrator sets the organisation's currency on the integration; agents' amounts follow", async () => {
  const admin = await env.signedInPage('admin', '/admin#plugin=zoho-crm');
  const input = admin.getByTestId('config-default-currency');
  assert.equal(await input.inputValue(), 'USD');
  await input.fill('eur');
  await admin.getByTestId('config-save').click();
  await admin.getByTestId('config-saved').waitFor();
  assert.equal(await admin.getByTestId('config-default-currency').inputValue(), 'EUR');

  const panel = await openPanel();
  const renewal = panel.getByTestId('potential').filter({ hasText: 'Zylker platform renewal' });
  assert.equal(await renewal.getByTestId('potential-amount').textContent(), '€240,000');

  // A code that is not one is refused, in words.
  await admin.getByTestId('config-default-currency').fill('EU1');
  await admin.getByTestId('config-save').click();
  await admin.getByTestId('config-error').filter({ hasText: 'three-letter ISO 4217 code' }).waitFor();
});
