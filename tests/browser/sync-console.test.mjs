// The admin console's Sync section, as the seeds describe it (Zoho CRM
// integration: Step 2 "Syncing Contacts and Accounts", Step 3 "Syncing
// Products", Delete Preferences, Viewing Sync History, Viewing Failure Logs,
// Pausing/Resuming Sync; Salesforce page: the sync type), driven as an
// Administrator in the real browser against the demo server and the Zoho CRM
// emulator. The `it`s run in order and share one server: each builds on the
// state the previous one left.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiJson, screenshot, setup, zohoClient } from './harness.mjs';

const SYNC = '/api/admin/plugins/zoho-crm/sync';
const MODULES = ['contacts', 'accounts', 'products'];
const TYPES_DISAGREE = 'the field mapping of contacts is not valid: desk field `title` (Text) cannot be mapped to CRM field `Tickets_Raised` (Integer): their types disagree';

describe('the Sync section of the admin console', () => {
  let env;
  let page;
  /** The desk contact whose custom field `cf_tickets` first holds text. */
  let many;

  before(async () => {
    env = await setup();
    page = await env.signedInPage('admin', '/admin');
  });
  after(async () => { await env?.close(); });

  const card = (module) => page.getByTestId(`sync-module-${module}`);
  const overview = () => apiJson(page, 'GET', SYNC);
  const isPut = (r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === SYNC;
  /** The mapping table's rows as [{desk, crm}]. */
  const mappingRows = (module) => card(module).getByTestId('sync-field-row').evaluateAll((rows) => rows.map((r) => ({ desk: r.dataset.desk, crm: r.dataset.crm })));
  const sortPairs = (pairs) => [...pairs].sort((a, b) => (a.desk + a.crm).localeCompare(b.desk + b.crm));

  /** Waits until the server says no sync run is under way. */
  async function untilNotRunning() {
    const deadline = Date.now() + 60000;
    while ((await overview()).progress?.running) {
      assert.ok(Date.now() < deadline, 'the sync run ends within a minute');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Waits until a module's card shows what the CRM said: its fields (the mapping table) and its list views. */
  async function catalogShown(module) {
    await card(module).getByTestId(`sync-mapping-${module}`).waitFor({ state: 'attached' });
    await card(module).locator(`[data-testid=sync-list-view-checklist-${module}][aria-busy=false]`).waitFor({ state: 'attached' });
  }

  /** A fresh load of the page (forms as saved). */
  async function openSync() {
    await page.goto('about:blank');
    await page.goto('/admin#sync=zoho-crm');
    await page.getByTestId('sync-page').waitFor();
    for (const m of MODULES) await card(m).waitFor();
    for (const m of MODULES) await catalogShown(m);
  }

  it('is reached from the sidebar and offers, per module, the sync type, pre-mapped fields, list views, secondary email (contacts), departments (products) and delete preferences', async () => {
    await page.getByTestId('sync-nav').click();
    await page.getByTestId('sync-page').waitFor();
    assert.equal(await page.getByTestId('sync-page').getAttribute('data-plugin'), 'zoho-crm');
    await page.locator('[data-testid=sync-nav-plugin][data-plugin=zoho-crm]').waitFor();
    const { settings } = await overview();

    for (const m of MODULES) {
      await card(m).waitFor();
      assert.equal(await page.getByTestId(`sync-enabled-${m}`).isChecked(), false, `${m} starts disabled`);
      // Disabled modules are folded; Configure opens them.
      await card(m).getByTestId(`sync-configure-${m}`).click();
      await catalogShown(m);
      const direction = page.getByTestId(`sync-direction-${m}`);
      await direction.waitFor();
      assert.equal(await direction.inputValue(), 'two-way', 'two-way sync is the default');
      assert.deepEqual(await direction.locator('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent])),
        [['two-way', 'Two-way sync (default)'], ['crm-to-desk', 'One-way: Zoho CRM \u2192 Desk']]);
      // The standard fields come pre-mapped, as the manifest maps them.
      assert.deepEqual(sortPairs(await mappingRows(m)), sortPairs(settings.modules[m].fields));
      assert.ok((await mappingRows(m)).length > 3);
      assert.equal(await card(m).getByText('CRM list views (none ticked = all records)').count(), 1);
      assert.equal(await card(m).getByTestId(`sync-list-view-checklist-${m}`).locator('input[type=checkbox]:checked').count(), 0);
      // Delete preferences, with "Never" chosen on both sides.
      assert.deepEqual(await card(m).getByTestId(`sync-crm-delete-${m}`).locator('input').evaluateAll((is) => is.map((i) => i.value)), ['always', 'if-no-associates', 'never']);
      assert.deepEqual(await card(m).getByTestId(`sync-desk-delete-${m}`).locator('input').evaluateAll((is) => is.map((i) => i.value)), ['always', 'never']);
      assert.ok(await page.getByTestId(`sync-crm-delete-${m}-never`).isChecked());
      assert.ok(await page.getByTestId(`sync-desk-delete-${m}-never`).isChecked());
      assert.equal(await card(m).getByTestId('sync-secondary-email').count(), m === 'contacts' ? 1 : 0, `secondary email only for contacts (${m})`);
      assert.equal(await card(m).getByTestId('sync-departments').count(), m === 'products' ? 1 : 0, `departments only for products (${m})`);
    }
    assert.equal(await card('contacts').getByText('Use secondary email for mapping contacts').count(), 1);
    assert.match(await card('contacts').getByTestId('sync-crm-delete-contacts').textContent(), /Delete record in Desk if there are no associates/);

    // One-way sync sends nothing to the CRM: the desk-delete preference does not apply.
    await page.getByTestId('sync-direction-accounts').selectOption('crm-to-desk');
    assert.ok(await page.getByTestId('sync-desk-delete-accounts-always').isDisabled());
    await card('accounts').getByTestId('sync-desk-delete-note-accounts').waitFor();
    await page.getByTestId('sync-direction-accounts').selectOption('two-way');
    assert.ok(await page.getByTestId('sync-desk-delete-accounts-always').isEnabled());
  });

  it('enabling Contacts with the default mapping and clicking Save stores it on the server', async () => {
    await openSync();
    const { settings: before } = await overview();
    await page.getByTestId('sync-enabled-contacts').check({ force: true });
    await card('contacts').getByTestId('sync-direction-contacts').waitFor();

    const put = page.waitForResponse(isPut);
    await card('contacts').getByTestId('sync-save').click();
    const response = await put;
    assert.equal(response.status(), 200);
    const sent = response.request().postDataJSON();
    assert.equal(sent.paused, false);
    assert.equal(sent.modules.contacts.enabled, true);
    assert.deepEqual(sent.modules.contacts.fields, before.modules.contacts.fields, 'the default mapping is sent as it is');
    assert.deepEqual(sent.modules.accounts, before.modules.accounts, 'other modules are sent as saved');
    await card('contacts').getByTestId('sync-saved').waitFor();
    await card('contacts').getByTestId('sync-module-on').waitFor();

    const { settings } = await overview();
    assert.equal(settings.modules.contacts.enabled, true);
    assert.equal(settings.modules.contacts.direction, 'two-way');
    assert.deepEqual(settings.modules.contacts.fields, before.modules.contacts.fields);
    assert.equal(settings.modules.accounts.enabled, false);
    assert.equal(settings.modules.products.enabled, false);
  });

  it('a mapping whose types disagree (desk title to CRM Tickets_Raised) shows the server\u2019s 422 sentence next to the form and is not saved', async () => {
    await openSync();
    const title = card('contacts').locator('[data-testid=sync-field-row][data-desk=title]');
    await title.getByTestId('sync-field-crm').selectOption('Tickets_Raised');

    const put = page.waitForResponse(isPut);
    await card('contacts').getByTestId('sync-save').click();
    const response = await put;
    assert.equal(response.status(), 422);
    const error = card('contacts').getByTestId('sync-error');
    await error.waitFor();
    assert.equal(await error.textContent(), TYPES_DISAGREE);
    assert.equal(await card('contacts').getByTestId('sync-saved').isVisible(), false);
    // The admin's edit stays on the form to be fixed.
    assert.equal(await title.getByTestId('sync-field-crm').inputValue(), 'Tickets_Raised');

    const { settings } = await overview();
    const pair = settings.modules.contacts.fields.find((p) => p.desk === 'title');
    assert.equal(pair.crm, 'Title', 'the bad mapping was not saved');
    assert.equal(settings.modules.contacts.fields.filter((p) => p.crm === 'Tickets_Raised').length, 0);

    // Fixing the row clears the message.
    await title.getByTestId('sync-field-crm').selectOption('Title');
    assert.equal(await error.isVisible(), false);
  });

  it('Start Sync starts a run, the progress display shows phase, module, records and First sync while it runs, then history rows appear with added counts', async () => {
    await openSync();
    // A contact only the CRM has, for this run to import.
    const zoho = await zohoClient(env.emulatorUrl);
    await zoho.insert('Contacts', { First_Name: 'Stella', Last_Name: 'Startsync', Email: 'stella.startsync@example.com' });
    // And enough CRM accounts that the first sync of accounts runs for
    // seconds, long enough to watch it.
    for (let batch = 0; batch < 60; batch += 1) {
      const data = Array.from({ length: 100 }, (_, i) => ({ Account_Name: `Bulk Account ${batch * 100 + i}` }));
      await zoho.call('POST', 'Accounts', { data });
    }
    // Accounts sync enabled while paused, so that no run starts before the
    // page is open. Resuming wakes the sync too, so Resume Sync and Start
    // Sync are clicked one right after the other: the page shows the run
    // whichever of the two begins it.
    await apiJson(page, 'POST', `${SYNC}/pause`);
    const { settings } = await overview();
    settings.modules.accounts.enabled = true;
    await apiJson(page, 'PUT', SYNC, settings);
    await openSync();

    const start = page.getByTestId('sync-start');
    const isRun = (r) => r.method() === 'POST' && new URL(r.url()).pathname === `${SYNC}/run`;
    await page.getByTestId('sync-resume').click();
    const run = page.waitForResponse((r) => isRun(r.request()));
    await start.click();
    assert.equal((await run).status(), 202);

    const progress = page.getByTestId('sync-progress');
    await page.locator('[data-testid=sync-progress][data-state=running]').waitFor({ timeout: 20000 });
    await progress.getByTestId('sync-first-sync').waitFor();
    assert.match(await progress.getByTestId('sync-progress-phase').textContent(), /^(Importing from|Exporting to) Zoho CRM$/);
    assert.match(await progress.getByTestId('sync-progress-done').textContent(), /^\d+ records done$/);
    assert.ok(await start.isDisabled(), 'no second start while running');
    await screenshot(page, 'sync-progress');

    // Then the finished state.
    await page.locator('[data-testid=sync-progress][data-state=idle]').waitFor({ timeout: 60000 });
    assert.equal(await progress.getByTestId('sync-first-sync').count(), 0);
    await progress.getByTestId('sync-last-run').waitFor();
    const accounts = (await apiJson(page, 'GET', '/api/accounts')).records;
    assert.ok(accounts.filter((a) => a.fields.account_name.startsWith('Bulk Account')).length === 6000, 'every CRM account imported');

    // Imported into the desk.
    const { records } = await apiJson(page, 'GET', '/api/contacts');
    assert.ok(records.some((r) => r.fields.email === 'stella.startsync@example.com'), 'the CRM-only contact is in the desk');

    await page.getByTestId('sync-tab-history').click();
    await page.waitForFunction(() => location.hash === '#sync=zoho-crm&tab=history');
    const imported = page.locator('[data-testid=sync-history-row][data-direction=crm-to-desk][data-module=contacts]');
    await imported.first().waitFor();
    const added = (await imported.getByTestId('sync-history-added').allTextContents()).map(Number);
    assert.ok(added.some((n) => n > 0), `some import added records: ${added}`);
    assert.equal(await imported.first().getByTestId('sync-history-direction').textContent(), 'Zoho CRM \u2192 Desk');
    assert.equal(await imported.first().getByTestId('sync-history-module').textContent(), 'Contacts');
    const exported = page.locator('[data-testid=sync-history-row][data-direction=desk-to-crm]');
    await exported.first().waitFor();
    assert.equal(await exported.first().getByTestId('sync-history-direction').textContent(), 'Desk \u2192 Zoho CRM');
  });

  it('a desk contact whose custom field cf_tickets holds "many", mapped to the Integer field Tickets_Raised, fails with "Text value is given for an Integer field"', async () => {
    await openSync();
    const contacts = card('contacts');
    await contacts.getByTestId('sync-add-custom-field').click();
    const row = contacts.getByTestId('sync-field-row').last();
    await row.getByTestId('sync-field-desk').fill('cf_tickets');
    await row.getByTestId('sync-field-crm').selectOption('Tickets_Raised');
    const put = page.waitForResponse(isPut);
    await contacts.getByTestId('sync-save').click();
    assert.equal((await put).status(), 200);
    await contacts.getByTestId('sync-saved').waitFor();
    const { settings } = await overview();
    assert.deepEqual(settings.modules.contacts.fields.find((p) => p.desk === 'cf_tickets'), { desk: 'cf_tickets', crm: 'Tickets_Raised' });
    // A run that began before the save keeps the mapping it started with:
    // let it end, so that the contact below is exported with cf_tickets.
    await untilNotRunning();

    many = await apiJson(page, 'POST', '/api/contacts', { fields: { first_name: 'Tess', last_name: 'Many', email: 'tess.many@example.com', cf_tickets: 'many' } });
    await page.getByTestId('sync-start').click();

    await page.getByTestId('sync-tab-failures').click();
    const failure = page.getByTestId('sync-failure-row').filter({ hasText: 'tess.many@example.com' });
    await failure.waitFor();
    assert.match(await failure.getByTestId('sync-failure-reason').textContent(), /Text value is given for an Integer field/);
    assert.equal(await failure.getAttribute('data-direction'), 'desk-to-crm');
    assert.match(await failure.textContent(), /Desk \u2192 Zoho CRM/);
    assert.match(await failure.textContent(), new RegExp(`Desk #${many.id}`));
    await failure.getByTestId('sync-retry').waitFor();
    assert.equal(await page.getByTestId('sync-failure-count').textContent(), String((await apiJson(page, 'GET', `${SYNC}/failures`)).failures.length));
    // "Click on a record type to view the details."
    await page.getByTestId('sync-failure-filter-accounts').click();
    await page.getByTestId('sync-failures-empty').waitFor();
    await page.getByTestId('sync-failure-filter-contacts').click();
    await failure.waitFor();
    await screenshot(page, 'sync-failures');
  });

  it('after the contact is fixed through the API, Try Again syncs it and its row disappears', async () => {
    await apiJson(page, 'PATCH', `/api/contacts/${many.id}`, { fields: { cf_tickets: 3 } });
    const failure = page.getByTestId('sync-failure-row').filter({ hasText: 'tess.many@example.com' });
    const retried = page.waitForResponse((r) => r.request().method() === 'POST' && /\/sync\/failures\/[^/]+\/retry$/.test(new URL(r.url()).pathname));
    await failure.getByTestId('sync-retry').click();
    const response = await retried;
    assert.equal(response.status(), 200);
    assert.deepEqual(await response.json(), { synced: true });
    await failure.waitFor({ state: 'detached' });

    const { failures } = await apiJson(page, 'GET', `${SYNC}/failures`);
    assert.equal(failures.filter((f) => f.desk_id === many.id).length, 0);
    const zoho = await zohoClient(env.emulatorUrl);
    assert.equal((await zoho.contactByEmail('tess.many@example.com')).Tickets_Raised, 3, 'the CRM has the fixed value');
  });

  it('Sync History lists every entry of the API: date, source \u2192 target, record type, added / updated / failed', async () => {
    await page.goto('/admin#sync=zoho-crm&tab=history');
    await page.getByTestId('sync-history').waitFor();
    // Let a run started by the last changes finish, then compare.
    await page.locator('[data-testid=sync-progress][data-state=idle]').waitFor();
    await page.getByTestId('sync-history-refresh').click();
    const { entries } = await apiJson(page, 'GET', `${SYNC}/history`);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=sync-history-row]').length === n, entries.length);
    const rows = await page.getByTestId('sync-history-row').evaluateAll((trs) => trs.map((tr) => ({
      direction: tr.dataset.direction,
      module: tr.dataset.module,
      text: tr.querySelector('[data-testid=sync-history-direction]').textContent,
      counts: ['added', 'updated', 'failed'].map((k) => Number(tr.querySelector(`[data-testid=sync-history-${k}]`).textContent)),
    })));
    assert.deepEqual(rows, entries.map((e) => ({
      direction: e.direction,
      module: e.module,
      text: e.direction === 'crm-to-desk' ? 'Zoho CRM \u2192 Desk' : 'Desk \u2192 Zoho CRM',
      counts: [e.added, e.updated, e.failed],
    })));
    assert.ok(entries.some((e) => e.failed > 0), 'the failed export is in the history');
    await screenshot(page, 'sync-history');
  });

  it('Pause Sync shows a paused state that survives a reload, and Resume Sync brings syncing back', async () => {
    await openSync();
    await page.getByTestId('sync-pause').click();
    await page.getByTestId('sync-paused').waitFor();
    await page.locator('[data-testid=sync-progress][data-state=paused]').waitFor();
    await page.getByTestId('sync-resume').waitFor();
    assert.equal(await page.getByTestId('sync-pause').isVisible(), false);
    assert.ok(await page.getByTestId('sync-start').isDisabled(), 'no Start Sync while paused');
    assert.equal((await overview()).settings.paused, true);

    await page.reload();
    await page.getByTestId('sync-paused').waitFor();
    // Saving a module keeps the pause.
    const put = page.waitForResponse(isPut);
    await card('contacts').getByTestId('sync-save').click();
    assert.equal((await put).request().postDataJSON().paused, true);
    assert.equal((await overview()).settings.paused, true);

    await page.getByTestId('sync-resume').click();
    await page.getByTestId('sync-paused').waitFor({ state: 'hidden' });
    await page.getByTestId('sync-pause').waitFor();
    assert.notEqual(await page.getByTestId('sync-progress').getAttribute('data-state'), 'paused');
    assert.ok(await page.getByTestId('sync-start').isEnabled());
    assert.equal((await overview()).settings.paused, false);

    // The settings as an admin finds them once syncing.
    await openSync();
    await page.locator('[data-testid=sync-progress][data-state=idle]').waitFor();
    await screenshot(page, 'sync-settings');
  });
});
