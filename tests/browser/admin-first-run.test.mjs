// The admin console as a first-time admin meets it: the OAuth client form
// before Connect (Connect disabled, with a sentence, until the client is
// saved); the OAuth callback's answer as a styled page in plain words with
// a link back to the plugin's page, and the console confirming a
// connection made; editing an agent's name and profile, deactivating and
// then removing them, with the server's refusals in plain words; and
// profile fields chosen from the CRM's field list, lead fields included (typed when the list
// cannot be had).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiJson, screenshot, setup } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

/** A live OAuth `state` for zoho-crm: the admin's browser starts a consent round trip. */
async function liveState(page) {
  const answer = await apiJson(page, 'POST', '/api/admin/plugins/zoho-crm/connect', { credential: 'crm' });
  const state = new URL(answer.authorize_url).searchParams.get('state');
  assert.ok(state, 'the authorization address carries a state');
  return state;
}

/** Checks the result page is the console's styled card, not bare text. */
async function assertStyledResult(page, outcome) {
  const card = page.getByTestId('result-page');
  await card.waitFor();
  assert.equal(await card.getAttribute('data-outcome'), outcome);
  assert.equal(await page.locator('link[rel="stylesheet"]').getAttribute('href'), '/assets/style.css');
  const look = await card.evaluate((node) => {
    const style = getComputedStyle(node);
    return { radius: style.borderTopLeftRadius, shadow: style.boxShadow, background: style.backgroundColor, bodyBackground: getComputedStyle(document.body).backgroundImage };
  });
  assert.notEqual(look.radius, '0px', 'the card has the console\'s rounded corners: the stylesheet applies');
  assert.notEqual(look.shadow, 'none');
  assert.equal(look.background, 'rgb(255, 255, 255)');
  const back = page.getByTestId('result-back');
  assert.match(await back.getAttribute('class'), /\bbtn\b/, 'the way back looks like a button');
}

test('an OAuth callback with a bad state answers a styled page in plain words that links back to the plugin', async () => {
  const admin = await env.signedInPage('admin', '/admin#plugin=zoho-crm');
  await admin.getByTestId('plugin-page').waitFor();
  const state = await liveState(admin);

  // Another browser (no consent cookie) brings the state back: refused, in words, with the way back.
  const stranger = await (await env.newContext()).newPage();
  const response = await stranger.goto(`/oauth/callback?code=stolen-code&state=${encodeURIComponent(state)}`);
  assert.equal(response.status(), 400);
  await assertStyledResult(stranger, 'failed');
  assert.equal(await stranger.getByTestId('result-title').textContent(), 'Zoho CRM is not connected');
  const text = await stranger.getByTestId('result-text').textContent();
  assert.match(text, /expired, was already finished, or was started in another browser/);
  assert.match(text, /Nothing was changed/);
  assert.doesNotMatch(text, /state|binding|RegistryError/i, 'no internal words');
  assert.equal(await stranger.getByTestId('result-back').getAttribute('href'), '/admin#plugin=zoho-crm');
  assert.equal(await stranger.getByTestId('result-back').textContent(), 'Back to Zoho CRM in the admin console');
  await screenshot(stranger, 'oauth-callback-error');

  // A state nobody issued: the page still links back, to the integrations.
  const unknown = await stranger.goto('/oauth/callback?code=x&state=not-a-state');
  assert.equal(unknown.status(), 400);
  await assertStyledResult(stranger, 'failed');
  assert.equal(await stranger.getByTestId('result-title').textContent(), 'Not connected');
  assert.equal(await stranger.getByTestId('result-back').getAttribute('href'), '/admin#plugins');

  // The CRM declined (access_denied) in the admin's own browser: the link goes back to the plugin's page.
  const declined = await liveState(admin);
  await admin.goto(`/oauth/callback?error=access_denied&state=${encodeURIComponent(declined)}`);
  await assertStyledResult(admin, 'failed');
  assert.match(await admin.getByTestId('result-text').textContent(), /Zoho CRM did not give the help desk access: the request was declined/);
  await admin.getByTestId('result-back').click();
  await admin.waitForURL(/\/admin#plugin=zoho-crm$/);
  await admin.getByTestId('plugin-page').waitFor();
  assert.equal(await admin.getByTestId('credential-crm').getByTestId('credential-status').textContent(), 'Connected', 'nothing changed');
});

test('reconnecting answers "Zoho CRM is connected" and the plugin page confirms it once', async () => {
  const admin = await env.signedInPage('admin', '/admin#plugin=zoho-crm');
  const card = admin.getByTestId('credential-crm');
  await card.getByTestId('connect').click();
  // Through the emulator's consent page (it grants at once) to the result page.
  await admin.waitForURL(/\/oauth\/callback\?/);
  await assertStyledResult(admin, 'ok');
  assert.equal(await admin.getByTestId('result-title').textContent(), 'Zoho CRM is connected');
  await admin.getByTestId('result-back').click();
  await admin.waitForURL(/\/admin#plugin=zoho-crm$/);
  const notice = admin.getByTestId('connected-notice');
  await notice.waitFor();
  assert.match(await notice.textContent(), /Zoho CRM is connected\./);
  // Once: rendering the page again does not say it again.
  await admin.reload();
  await admin.getByTestId('credential-crm').waitFor();
  assert.equal(await admin.getByTestId('connected-notice').count(), 0);
});

test('the OAuth client form comes before Connect, which waits (disabled, with a sentence) until the client is saved', async () => {
  const admin = await env.signedInPage('admin');
  // The page sees a fresh install (no OAuth client set yet) until the
  // client is saved; every plugins list before then (the navigation asks
  // too) says so.
  let saved = false;
  await admin.route('**/api/admin/plugins', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    if (!saved) {
      const zoho = body.plugins.find((p) => p.id === 'zoho-crm');
      zoho.credentials.crm.oauth_configured = false;
      zoho.credentials.crm.connected = false;
    }
    await route.fulfill({ response, json: body });
  });
  await admin.goto('/admin#plugin=zoho-crm');
  const card = admin.getByTestId('credential-crm');
  await card.getByTestId('oauth-form').waitFor();
  const order = await card.evaluate((node) => {
    const form = node.querySelector('[data-testid="oauth-form"]');
    const connect = node.querySelector('[data-testid="connect"]');
    return Boolean(form && connect && (form.compareDocumentPosition(connect) & Node.DOCUMENT_POSITION_FOLLOWING));
  });
  assert.ok(order, 'Connect comes after the OAuth client form');
  assert.ok(await card.getByTestId('oauth-form').isVisible(), 'the form is open while no client is set');
  const connect = card.getByTestId('connect');
  assert.ok(await connect.isDisabled(), 'Connect waits for the client');
  const why = card.getByTestId('connect-why');
  assert.match(await why.textContent(), /Save the OAuth client above first/);
  assert.equal(await connect.getAttribute('aria-describedby'), await why.getAttribute('id'));
  await card.scrollIntoViewIfNeeded();
  await screenshot(admin, 'admin-plugin-connect-order');

  // Saving the client enables Connect.
  await card.getByTestId('oauth-client-secret').fill('deskpane-secret');
  saved = true;
  await card.getByTestId('oauth-save').click();
  const after = admin.getByTestId('credential-crm');
  await after.getByTestId('oauth-configured').filter({ hasText: 'OAuth client set' }).waitFor();
  assert.ok(await after.getByTestId('connect').isEnabled());
  assert.doesNotMatch(await after.getByTestId('connect-why').textContent(), /Save the OAuth client/);
});

test('an agent is edited (name, profile), deactivated, then removed after a confirmation; refusals read plainly', async () => {
  const admin = await env.signedInPage('admin', '/admin#agents');
  await apiJson(admin, 'POST', '/api/admin/agents', { name: 'Sam Rivers', email: 'sam@deskpane.example', password: 'sam-pass-123', profile: 'Agent' }, 201);
  await admin.reload();
  const row = () => admin.locator('[data-testid="agent-row"][data-email="sam@deskpane.example"]');
  await row().waitFor();

  // Edit: name and profile.
  await row().getByTestId('agent-edit').click();
  const dialog = admin.getByTestId('edit-agent-dialog');
  await dialog.waitFor();
  assert.equal(await dialog.getByTestId('edit-agent-name').inputValue(), 'Sam Rivers');
  await dialog.getByTestId('edit-agent-name').fill('Sam Rivera');
  await dialog.getByTestId('edit-agent-profile').selectOption('Light Agent');
  await dialog.getByTestId('edit-agent-save').click();
  await dialog.waitFor({ state: 'detached' });
  await row().getByTestId('agent-row-name').filter({ hasText: 'Sam Rivera' }).waitFor();
  assert.match(await row().textContent(), /Light Agent/);
  const saved = (await apiJson(admin, 'GET', '/api/admin/agents')).agents.find((a) => a.email === 'sam@deskpane.example');
  assert.equal(saved.name, 'Sam Rivera');
  assert.equal(saved.profile, 'Light Agent');

  // Deactivate through Edit.
  await row().getByTestId('agent-edit').click();
  await dialog.getByTestId('edit-agent-active').uncheck();
  await dialog.getByTestId('edit-agent-save').click();
  await dialog.waitFor({ state: 'detached' });
  await admin.locator('[data-testid="agent-row"][data-email="sam@deskpane.example"][data-active="false"]').waitFor();
  await row().getByTestId('agent-inactive').waitFor();
  const signIn = await (await env.newContext()).request.post('/api/login', { data: { email: 'sam@deskpane.example', password: 'sam-pass-123' } });
  assert.ok(signIn.status() >= 400, `a deactivated agent cannot sign in (answered ${signIn.status()})`);

  // Remove: Cancel first keeps them; Delete removes them.
  await row().getByTestId('agent-delete').click();
  const confirm = admin.getByTestId('confirm-dialog');
  assert.match(await confirm.textContent(), /Sam Rivera/);
  await confirm.getByTestId('confirm-cancel').click();
  assert.equal(await row().count(), 1);
  await row().getByTestId('agent-delete').click();
  await admin.getByTestId('confirm-dialog').getByTestId('confirm-delete').click();
  await row().waitFor({ state: 'detached' });
  const left = (await apiJson(admin, 'GET', '/api/admin/agents')).agents.map((a) => a.email);
  assert.ok(!left.includes('sam@deskpane.example'));

  // The admin's own row: Active cannot be unticked, and taking away their own Administrator profile is refused in words.
  const me = admin.locator('[data-testid="agent-row"][data-email="admin@deskpane.example"]');
  await me.getByTestId('agent-edit').click();
  assert.ok(await dialog.getByTestId('edit-agent-active').isDisabled());
  await dialog.getByTestId('edit-agent-profile').selectOption('Agent');
  await dialog.getByTestId('edit-agent-save').click();
  const error = dialog.getByTestId('edit-agent-error');
  await error.waitFor();
  assert.match(await error.textContent(), /^You cannot remove or deactivate your own account, or take away your own Administrator profile\./);
  await dialog.getByTestId('edit-agent-cancel').click();
  await dialog.waitFor({ state: 'detached' });

  // Deleting yourself: the page says why, in words.
  await me.getByTestId('agent-delete').click();
  await admin.getByTestId('confirm-dialog').getByTestId('confirm-delete').click();
  const pageError = admin.getByTestId('agents-error');
  await pageError.waitFor();
  assert.match(await pageError.textContent(), /You cannot remove or deactivate your own account/);
});

test('profile fields are chosen from the CRM\'s field list, typed when the list cannot be had', async () => {
  const admin = await env.signedInPage('admin', '/admin#plugin=zoho-crm');
  const contacts = admin.getByTestId('field-picker-contact-fields');
  await contacts.locator('[data-testid="field-add"]').waitFor();
  assert.equal(await contacts.getAttribute('data-state'), 'ready');
  assert.ok(await admin.getByTestId('config-contact-fields').isHidden(), 'no API names to type');
  // The label names the picker.
  assert.equal(await admin.getByLabel('Contact fields agents see').getAttribute('data-testid'), 'field-add');
  const chips = () => contacts.getByTestId('field-chip');
  const before = await chips().evaluateAll((nodes) => nodes.map((n) => n.dataset.field));
  assert.ok(before.includes('Title'), `the saved fields show as chosen: ${before}`);
  assert.match(await contacts.locator('[data-testid="field-chip"][data-field="Mailing_City"]').textContent(), /^Mailing City \(Mailing_City\)/, 'a chip names the field by its label and API name');

  // Add Mobile, remove Department, save.
  await contacts.getByTestId('field-add').selectOption('Mobile');
  await contacts.locator('[data-testid="field-chip"][data-field="Mobile"]').waitFor();
  await contacts.locator('[data-testid="field-chip"][data-field="Department"]').getByTestId('field-remove').click();
  const expected = [...before.filter((f) => f !== 'Department'), 'Mobile'];
  assert.deepEqual(await chips().evaluateAll((nodes) => nodes.map((n) => n.dataset.field)), expected);

  // The customer type field: one field from the contacts' list.
  const customerType = admin.getByTestId('field-picker-customer-type-field').getByTestId('field-choose');
  await customerType.waitFor();
  assert.equal(await customerType.inputValue(), 'Customer_Type');
  await screenshot(admin, 'admin-plugin-field-picker');

  await admin.getByTestId('config-save').click();
  await admin.getByTestId('config-saved').waitFor();
  const zoho = (await apiJson(admin, 'GET', '/api/admin/plugins')).plugins.find((p) => p.id === 'zoho-crm');
  assert.equal(zoho.config['contact-fields'], expected.join(','));
  assert.equal(zoho.customer_type_field, 'Customer_Type');

  // Lead fields (leads do not sync): picked from the CRM's lead fields too.
  const leads = admin.getByTestId('field-picker-lead-fields');
  await leads.locator('[data-testid="field-add"]').waitFor();
  assert.ok(await admin.getByTestId('config-lead-fields').isHidden(), 'no lead API names to type');
  const leadOptions = await leads.getByTestId('field-add').locator('option').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('value')));
  const leadChips = await leads.getByTestId('field-chip').evaluateAll((nodes) => nodes.map((n) => n.dataset.field));
  assert.ok([...leadChips, ...leadOptions].includes('Company'), `the CRM's lead fields are offered: ${leadChips} / ${leadOptions}`);
  assert.ok(leadOptions.includes('Lead_Source') || leadChips.includes('Lead_Source'));

  // The CRM unreachable: every picker falls back to typing.
  await admin.route('**/sync/fields/**', (route) => route.fulfill({ status: 502, contentType: 'application/json', body: JSON.stringify({ error: 'Zoho CRM is not answering right now.' }) }));
  await admin.reload();
  const fallback = admin.getByTestId('field-picker-contact-fields').getByTestId('field-picker-fallback');
  await fallback.waitFor();
  assert.match(await fallback.textContent(), /Could not load the list of Zoho CRM fields, so type the fields’ API names, separated by commas\. Zoho CRM is not answering right now\./);
  const typed = admin.getByTestId('config-contact-fields');
  assert.ok(await typed.isVisible());
  assert.equal(await typed.inputValue(), expected.join(','));
  await typed.fill('Title,Mobile');
  await admin.getByTestId('config-save').click();
  await admin.getByTestId('config-saved').waitFor();
  const again = (await apiJson(admin, 'GET', '/api/admin/plugins')).plugins.find((p) => p.id === 'zoho-crm');
  assert.equal(again.config['contact-fields'], 'Title,Mobile');
  await admin.unroute('**/sync/fields/**');
});
