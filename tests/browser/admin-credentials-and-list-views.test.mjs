// Two small parts of the admin console, driven as an Administrator in the
// real browser against the demo server and the Zoho CRM emulator:
// - API-key credentials: the hostile test plugin (installed from its files
//   through the console, where it starts disabled, then enabled with the
//   switch) has a `crm` credential of kind "api-key"; the admin
//   pastes a key, which is saved and never shown again; the server's 422
//   sentence is shown for an empty key.
// - The CRM's list views in the Sync section: each module card offers a
//   checklist of the CRM's saved views (the emulator's system view "All",
//   a 19-digit id like Zoho's) instead of a text field of ids, and falls back to that
//   text field, with the server's sentence, when the views cannot be read.
// The `it`s run in order and share one server: each builds on the state the
// previous one left.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { apiJson, repoRoot, setup } from './harness.mjs';

const hostileDir = path.join(repoRoot, 'target', 'plugins', 'hostile');
const HOSTILE = '/api/admin/plugins/hostile';
const SYNC = '/api/admin/plugins/zoho-crm/sync';
const KEY = 'hk_live_' + Math.random().toString(36).slice(2) + 'Z9q';

describe('API-key credentials and CRM list views in the admin console', () => {
  let env;
  let page;

  before(async () => {
    env = await setup();
    page = await env.signedInPage('admin', '/admin');
  });
  after(async () => { await env?.close(); });

  const credential = () => page.getByTestId('credential-crm');
  const state = () => credential().getByTestId('credential-state-crm');
  const installation = async (id) => (await apiJson(page, 'GET', '/api/admin/plugins')).plugins.find((p) => p.id === id);
  const isKeyPut = (r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === `${HOSTILE}/credentials/crm`;
  /** Every value the page shows or holds: its HTML, and the values of its inputs. */
  const pageText = async () => [await page.content(), ...(await page.locator('input').evaluateAll((is) => is.map((i) => i.value)))].join('\n');

  describe('API-key credentials', () => {
    it('the hostile plugin, installed through the console (disabled) and enabled with the switch, shows its crm API-key credential Not connected with a password field "API key" and Save', async () => {
      await page.getByTestId('install-form').waitFor();
      await page.getByTestId('install-manifest').setInputFiles(path.join(hostileDir, 'plugin.toml'));
      await page.getByTestId('install-component').setInputFiles(path.join(hostileDir, 'plugin.wasm'));
      const upload = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/admin/plugins');
      await page.getByTestId('install-submit').click();
      assert.equal((await upload).status(), 201);
      await page.locator('[data-testid=plugin-page][data-plugin=hostile]').waitFor();

      // Installed disabled; the admin enables it with the switch.
      const enabled = page.getByTestId('plugin-page').getByTestId('plugin-enabled');
      assert.equal(await enabled.isChecked(), false);
      assert.equal((await installation('hostile')).enabled, false);
      const enabling = page.waitForResponse((r) => r.request().method() === 'PATCH' && new URL(r.url()).pathname === HOSTILE);
      await enabled.check({ force: true });
      assert.equal((await enabling).status(), 200);
      assert.equal(await enabled.isChecked(), true);

      const plugin = await installation('hostile');
      assert.equal(plugin.enabled, true);
      assert.equal(plugin.credentials.crm.kind, 'api-key');
      assert.equal(plugin.credentials.crm.connected, false);

      await credential().waitFor();
      assert.equal(await state().textContent(), 'Not connected');
      const input = credential().getByTestId('api-key-input-crm');
      assert.equal(await input.getAttribute('type'), 'password');
      assert.equal(await input.inputValue(), '');
      assert.equal(await credential().getByLabel('API key', { exact: true }).getAttribute('data-testid'), 'api-key-input-crm');
      assert.equal(await credential().getByTestId('api-key-save-crm').textContent(), 'Save');
      assert.equal(await credential().getByTestId('api-key-error-crm').isVisible(), false);
      // No OAuth controls for an API key.
      assert.equal(await credential().getByTestId('connect').count(), 0);
      assert.equal(await credential().getByTestId('oauth-form').count(), 0);
    });

    it('the Zoho CRM OAuth credential keeps its Connect UI and has no API key field', async () => {
      await page.goto('/admin#plugin=zoho-crm');
      await page.locator('[data-testid=plugin-page][data-plugin=zoho-crm]').waitFor();
      assert.equal(await state().textContent(), 'Connected');
      await credential().getByTestId('connect').waitFor();
      await credential().getByTestId('oauth-form').waitFor({ state: 'attached' });
      assert.equal(await credential().getByTestId('api-key-input-crm').count(), 0);
      assert.equal(await credential().getByTestId('api-key-save-crm').count(), 0);
    });

    it('entering a key and Save connects the credential, empties the field, and the key is nowhere on the page afterwards', async () => {
      await page.goto('/admin#plugin=hostile');
      await page.locator('[data-testid=plugin-page][data-plugin=hostile]').waitFor();
      await credential().getByTestId('api-key-input-crm').fill(KEY);
      const put = page.waitForResponse(isKeyPut);
      await credential().getByTestId('api-key-save-crm').click();
      const response = await put;
      assert.equal(response.status(), 200);
      assert.deepEqual(response.request().postDataJSON(), { api_key: KEY });
      const answer = await response.text();
      assert.equal(JSON.parse(answer).credentials.crm.connected, true);
      assert.ok(!answer.includes(KEY), 'the server does not answer the key');

      await state().filter({ hasText: /^Connected$/ }).waitFor();
      await credential().getByTestId('api-key-saved-crm').waitFor();
      assert.equal(await credential().getByTestId('api-key-input-crm').inputValue(), '');
      assert.equal(await credential().getByTestId('api-key-error-crm').isVisible(), false);
      assert.ok(!(await pageText()).includes(KEY), 'the key is not on the page after saving');
      assert.equal((await installation('hostile')).credentials.crm.connected, true);
      assert.ok(!JSON.stringify(await apiJson(page, 'GET', '/api/admin/plugins')).includes(KEY));

      // Nor after a reload.
      await page.reload();
      await state().filter({ hasText: /^Connected$/ }).waitFor();
      assert.equal(await credential().getByTestId('api-key-input-crm').inputValue(), '');
      assert.ok(!(await pageText()).includes(KEY), 'the key is not on the page after a reload');
      // And the plugin list shows it connected.
      await page.goto('/admin#plugins');
      await page.locator('[data-testid=plugin-card][data-plugin=hostile] [data-testid=credential-status][data-connected=true]').waitFor();
      assert.ok(!(await pageText()).includes(KEY));
    });

    it("an empty API key shows the server's error sentence and leaves the credential as it was", async () => {
      await page.goto('/admin#plugin=hostile');
      await state().filter({ hasText: /^Connected$/ }).waitFor();
      const expected = await page.request.put(`${HOSTILE}/credentials/crm`, { data: { api_key: '' } });
      assert.equal(expected.status(), 422);
      const { error: sentence } = await expected.json();
      assert.ok(sentence && sentence.length > 0);

      await credential().getByTestId('api-key-input-crm').fill('');
      const put = page.waitForResponse(isKeyPut);
      await credential().getByTestId('api-key-save-crm').click();
      assert.equal((await put).status(), 422);
      const error = credential().getByTestId('api-key-error-crm');
      await error.waitFor();
      assert.equal(await error.textContent(), sentence);
      assert.equal(await credential().getByTestId('api-key-saved-crm').isVisible(), false);
      assert.equal(await state().textContent(), 'Connected', 'the stored key is kept');
      assert.equal((await installation('hostile')).credentials.crm.connected, true);

      // Typing again clears the message.
      await credential().getByTestId('api-key-input-crm').fill('x');
      assert.equal(await error.isVisible(), false);
    });

    it('Disconnect forgets the key: the credential is Not connected again', async () => {
      await page.reload();
      await state().filter({ hasText: /^Connected$/ }).waitFor();
      const disconnected = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `${HOSTILE}/disconnect`);
      await credential().getByTestId('disconnect').click();
      await page.getByTestId('confirm-dialog').getByTestId('confirm-delete').click();
      assert.equal((await disconnected).status(), 200);
      await state().filter({ hasText: 'Not connected' }).waitFor();
      assert.equal((await installation('hostile')).credentials.crm.connected, false);
      assert.equal(await credential().getByTestId('api-key-input-crm').inputValue(), '');
    });
  });

  describe("the CRM's list views in the Sync section", () => {
    const card = (module) => page.getByTestId(`sync-module-${module}`);
    const isSyncPut = (r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === SYNC;
    const overview = () => apiJson(page, 'GET', SYNC);
    // The emulator's "All" views: numeric ids like Zoho's (ZohoEmulator::all_view).
    const ALL = { contacts: '4150868238574730401', accounts: '4150868611164800954', products: '4150868980764822058' };

    /** A fresh load of the Sync page, with the module's card opened. */
    async function openSync(module) {
      await page.goto('about:blank');
      await page.goto('/admin#sync=zoho-crm');
      await page.getByTestId('sync-page').waitFor();
      await card(module).waitFor();
      // What the CRM said (or that it could not say) is shown.
      await card(module).locator(`[data-testid=sync-list-view-checklist-${module}][aria-busy=false]`).waitFor({ state: 'attached' });
      const configure = card(module).getByTestId(`sync-configure-${module}`);
      if ((await configure.getAttribute('aria-expanded')) !== 'true') await configure.click();
    }

    async function save(module) {
      const put = page.waitForResponse(isSyncPut);
      await card(module).getByTestId('sync-save').click();
      const response = await put;
      assert.equal(response.status(), 200, await response.text());
      await card(module).getByTestId('sync-saved').waitFor();
      return response.request().postDataJSON();
    }

    it('each module card lists the CRM\u2019s list views as a checklist (the emulator\u2019s "All"), nothing ticked, and no text field of ids', async () => {
      for (const [module, viewId] of [['contacts', ALL.contacts], ['accounts', ALL.accounts], ['products', ALL.products]]) {
        const { list_views: views } = await apiJson(page, 'GET', `${SYNC}/list-views/${module}`);
        assert.deepEqual(views, [{ id: viewId, name: 'All' }]);
        await openSync(module);
        const checklist = card(module).getByTestId(`sync-list-view-checklist-${module}`);
        await checklist.waitFor();
        const box = card(module).getByTestId(`sync-list-view-${module}-${viewId}`);
        assert.equal(await box.getAttribute('type'), 'checkbox');
        assert.equal(await box.getAttribute('value'), viewId);
        assert.equal(await box.isChecked(), false);
        assert.equal(await checklist.getByLabel('All', { exact: true }).getAttribute('data-testid'), `sync-list-view-${module}-${viewId}`);
        assert.equal(await checklist.locator('input[type=checkbox]').count(), 1);
        assert.equal(await card(module).getByTestId(`sync-list-views-${module}`).count(), 0, 'no text field of ids');
        assert.equal(await card(module).getByTestId(`sync-list-views-error-${module}`).count(), 0);
      }
    });

    it('ticking "All" in the Contacts card and Save stores list_views [its id]; unticking it and Save restores []', async () => {
      await openSync('contacts');
      const box = card('contacts').getByTestId(`sync-list-view-contacts-${ALL.contacts}`);
      await card('contacts').getByTestId('sync-list-view-checklist-contacts').getByText('All', { exact: true }).click();
      assert.equal(await box.isChecked(), true);
      await card('contacts').getByTestId('sync-unsaved').waitFor();
      let sent = await save('contacts');
      assert.deepEqual(sent.modules.contacts.list_views, [ALL.contacts]);
      assert.deepEqual((await overview()).settings.modules.contacts.list_views, [ALL.contacts]);
      assert.deepEqual((await overview()).settings.modules.accounts.list_views, [], 'other modules keep theirs');

      // Ticked as saved on a fresh load.
      await openSync('contacts');
      assert.equal(await box.isChecked(), true);
      await box.uncheck();
      sent = await save('contacts');
      assert.deepEqual(sent.modules.contacts.list_views, []);
      assert.deepEqual((await overview()).settings.modules.contacts.list_views, []);

      await openSync('contacts');
      assert.equal(await box.isChecked(), false);
    });

    it('a saved list view id the CRM does not list stays visible as a ticked item labelled by its id, and unticking it removes it', async () => {
      const { settings } = await overview();
      settings.modules.contacts.list_views = ['4150868000000087501'];
      await apiJson(page, 'PUT', SYNC, settings);

      await openSync('contacts');
      const checklist = card('contacts').getByTestId('sync-list-view-checklist-contacts');
      const gone = card('contacts').getByTestId('sync-list-view-contacts-4150868000000087501');
      assert.equal(await gone.isChecked(), true);
      assert.equal(await checklist.getByLabel('4150868000000087501').getAttribute('data-testid'), 'sync-list-view-contacts-4150868000000087501');
      assert.equal(await card('contacts').getByTestId(`sync-list-view-contacts-${ALL.contacts}`).isChecked(), false);
      assert.equal(await checklist.locator('input[type=checkbox]').count(), 2);

      // Saving with it ticked keeps it; ticking "All" as well adds that.
      await card('contacts').getByTestId(`sync-list-view-contacts-${ALL.contacts}`).check();
      assert.deepEqual((await save('contacts')).modules.contacts.list_views.sort(), ['4150868000000087501', ALL.contacts]);
      await gone.uncheck();
      await card('contacts').getByTestId(`sync-list-view-contacts-${ALL.contacts}`).uncheck();
      assert.deepEqual((await save('contacts')).modules.contacts.list_views, []);
      assert.deepEqual((await overview()).settings.modules.contacts.list_views, []);
    });

    it('when the list views cannot be read (Zoho CRM disabled), the card keeps the saved ones as ticked items of the checklist, by id, and no text field of ids', async () => {
      // Saved ids (one the CRM lists, one it does not), then the plugin disabled.
      const { settings } = await overview();
      settings.modules.contacts.list_views = [ALL.contacts, '4150868000000087501'];
      await apiJson(page, 'PUT', SYNC, settings);
      await apiJson(page, 'PATCH', '/api/admin/plugins/zoho-crm', { enabled: false });
      try {
        const failed = await page.request.get(`${SYNC}/list-views/contacts`);
        assert.ok(failed.status() >= 400, `the endpoint fails while disabled (${failed.status()})`);

        await openSync('contacts');
        // The page says why once (the plugin is disabled), and asks nothing of it.
        assert.match(await page.getByTestId('sync-notice').first().textContent(), /Zoho CRM is disabled/);
        const checklist = card('contacts').getByTestId('sync-list-view-checklist-contacts');
        await checklist.waitFor();
        for (const viewId of [ALL.contacts, '4150868000000087501']) {
          const box = card('contacts').getByTestId(`sync-list-view-contacts-${viewId}`);
          assert.equal(await box.isChecked(), true, `${viewId} stays ticked`);
          assert.equal(await checklist.getByLabel(viewId, { exact: true }).getAttribute('data-testid'), `sync-list-view-contacts-${viewId}`);
        }
        assert.equal(await checklist.locator('input[type=checkbox]').count(), 2);
        assert.equal(await card('contacts').getByTestId('sync-list-views-contacts').count(), 0, 'no text field of ids');
        assert.match(await card('contacts').getByTestId('sync-list-views-note-contacts').textContent(), /^Named by id until Zoho CRM answers\.$/);
      } finally {
        await apiJson(page, 'PATCH', '/api/admin/plugins/zoho-crm', { enabled: true });
      }
      // Enabled again: the checklist is back, named, with the saved ids ticked.
      await openSync('contacts');
      await card('contacts').getByTestId('sync-list-view-checklist-contacts').getByLabel('All', { exact: true }).waitFor();
      assert.equal(await card('contacts').getByTestId('sync-list-views-contacts').count(), 0);
      assert.equal(await card('contacts').getByTestId(`sync-list-view-contacts-${ALL.contacts}`).isChecked(), true);
      assert.equal(await card('contacts').getByTestId('sync-list-view-contacts-4150868000000087501').isChecked(), true);
      settings.modules.contacts.list_views = [];
      await apiJson(page, 'PUT', SYNC, settings);
    });
  });
});
