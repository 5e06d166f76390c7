// The admin console in the signed-in admin's language: an admin whose
// language is Portuguese (Brazil) sees Integrations with Trusted
// publishers, a plugin's page, Agents & profiles, Permissions, Sync and the
// Outbox in Portuguese, dates the Brazilian way, whatever the browser says;
// an admin without a language of their own sees the browser's (Chinese,
// from the sign-in form on); an English admin still sees English. Each
// page is also checked for leftover English: sentences of the console that
// must not show in another language (what the CRM or a plugin's manifest
// says is the CRM's and the plugin's, and is not looked at).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiJson, screenshot, setup, signIn, LOGINS } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

/** Sets the admin's own language, as the console's select would (null: the browser's). */
async function setAdminLanguage(language) {
  const page = await env.signedInPage('admin');
  const { agents } = await apiJson(page, 'GET', '/api/admin/agents');
  const admin = agents.find((a) => a.email === LOGINS.admin.email);
  const updated = await apiJson(page, 'PATCH', `/api/admin/agents/${admin.id}`, { language });
  assert.equal(updated.language, language);
  await page.context().close();
}

/** A page signed in as the admin, in a browser whose language is `locale`, on the console. */
async function adminIn(locale) {
  const context = await env.newContext({ locale });
  const page = await context.newPage();
  await signIn(page, 'admin', '/admin');
  return page;
}

const text = async (locator) => (await locator.textContent()).trim();

/** The text of an element without its child elements' (a tab without its count). */
const ownText = (locator) => locator.evaluate((node) => [...node.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('').trim());

/**
 * The console's own sentences and labels in English, by page: none may
 * show once the console is in another language. Whole words, case and all,
 * so that the CRM's data and the plugins' manifests (English in the demo)
 * do not count.
 */
const ENGLISH = {
  shell: ['Sign out', 'Setup', 'Integrations', 'Agents & profiles', 'Outbox', 'Permissions'],
  plugins: ['Install a plugin', 'Install plugin', 'Manage', 'Healthy', 'Enabled', 'Disabled', 'Trusted publishers',
    'Trust publisher', 'Add a publisher', 'Public key', 'Allow unsigned plugins', 'Unsigned plugins refused', 'Unsigned plugins allowed', 'Signed by', 'Unsigned',
    'No credentials needed', 'Not connected', 'Package (.dpkg)', 'CRM plugins run sandboxed'],
  plugin: ['Test connection', 'Last answer', 'Network', 'Limits', 'Memory', 'Connection', 'Connected', 'OAuth client settings',
    'Reconnect', 'Disconnect', 'Not a CRM administrator?', 'Configuration', 'Save settings', 'Default currency', 'Delete integration',
    'Customer type field', 'What each profile sees', 'Full', 'Restricted', 'Visible', 'Show'],
  agents: ['Name', 'Email', 'Profile', 'Language', 'Edit', 'Create API token', 'Deactivate', 'Delete', 'Add an agent', 'Add agent',
    'Password', 'Profiles', 'New profile', 'Add profile', 'API tokens', 'New token', 'Acts as', 'Create token', 'Revoke', 'Expires',
    'Administrator', 'Light Agent', '(you)', 'Who can sign in'],
  permissions: ['For each profile', 'Information', 'Notes', 'Activities', 'Calls', 'Events', 'Tasks', 'Contacts', 'Accounts', 'Full', 'Restricted'],
  sync: ['Refresh CRM fields', 'Pause Sync', 'Start Sync', 'Resume Sync', 'Sync History', 'Failure Log', 'Configuration', 'Syncing',
    'Two-way', 'mapped', 'First sync', 'Up to date', 'Last sync', 'Sync Type', 'Delete preferences', 'Field mapping', 'Add field',
    'CRM list views', 'Save', 'Configure', 'Hide', 'settings and connection'],
  outbox: ['Emails the desk sent', 'No emails sent yet', 'To '],
};

/** Fails when the page shows any of `words` (as whole words). */
async function assertNoEnglish(page, words, where) {
  const shown = await page.locator('body').innerText();
  const left = words.filter((w) => new RegExp('(^|[^A-Za-z])' + w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '($|[^A-Za-z])').test(shown));
  assert.deepEqual(left, [], `${where}: English left in the console`);
}

/** The side navigation's links, in order. */
const navLinks = (page) => page.locator('nav.sidenav > a').allTextContents();

test('an admin whose language is Portuguese sees the console in Portuguese, dates the Brazilian way', async () => {
  await setAdminLanguage('pt-BR');
  const page = await adminIn('en-US');
  assert.equal(await page.locator('html').getAttribute('lang'), 'pt-BR');

  // Integrations, with Trusted publishers.
  await page.getByTestId('plugin-card').first().waitFor();
  await page.getByTestId('allow-unsigned').waitFor();
  assert.equal(await page.title(), 'Administração do Deskpane');
  assert.equal(await text(page.locator('main h1')), 'Integrações');
  assert.deepEqual(await navLinks(page), ['Integrações', 'Sincronização', 'Permissões', 'Agentes e perfis', 'Caixa de saída']);
  assert.equal(await text(page.getByTestId('sign-out')), 'Sair');
  assert.equal(await text(page.getByTestId('current-agent-profile')), 'Administrador');
  const zoho = page.locator('[data-testid=plugin-card][data-plugin="zoho-crm"]');
  assert.equal(await text(zoho.getByTestId('plugin-manage')), 'Gerenciar');
  assert.equal(await text(zoho.getByTestId('plugin-publisher')), 'por Deskpane');
  assert.equal(await text(zoho.getByTestId('plugin-status')), 'Funcionando');
  assert.equal(await text(zoho.locator('.switch-label')), 'Ativado');
  assert.equal(await text(page.getByTestId('install-form').locator('h2')), 'Instalar um plugin');
  assert.equal(await text(page.getByTestId('install-submit')), 'Instalar plugin');
  assert.equal(await text(page.getByTestId('publishers-card').locator('h2')), 'Publicadores confiáveis');
  assert.equal(await text(page.getByTestId('publisher-submit')), 'Confiar no publicador');
  assert.equal(await page.getByTestId('publisher-name').getAttribute('placeholder'), 'ex.: Exemplo Ltda.');
  assert.equal(await text(page.getByTestId('plugin-policy').locator('h3')), 'Permitir plugins sem assinatura');
  assert.match(await text(page.getByTestId('plugin-policy').locator('.switch-label')), /^Plugins sem assinatura (permitidos|recusados)$/);
  await assertNoEnglish(page, [...ENGLISH.shell, ...ENGLISH.plugins], 'Integrations');
  await screenshot(page, 'admin-plugins-pt-BR');

  // A plugin's page.
  await page.goto('/admin#plugin=zoho-crm');
  await page.getByTestId('config-form').waitFor();
  assert.equal(await page.title(), 'Zoho CRM · Administração do Deskpane');
  assert.equal(await text(page.getByTestId('back-to-plugins')), '← Integrações');
  assert.equal(await text(page.getByTestId('test-connection')), 'Testar conexão');
  assert.equal(await text(page.getByTestId('config-save')), 'Salvar configurações');
  assert.equal(await text(page.getByTestId('delete-integration')), 'Excluir integração');
  assert.equal(await text(page.getByTestId('credential-crm').locator('[data-testid=credential-status]')), 'Conectado');
  assert.equal(await text(page.getByTestId('connect')), 'Reconectar');
  assert.deepEqual(await page.getByTestId('permissions-zoho-crm').locator('thead tr').first().locator('th').evaluateAll((ths) => ths.slice(0, 3).map((th) => th.textContent.trim())),
    ['Perfil', 'Visível', 'Mostrar']);
  await assertNoEnglish(page, [...ENGLISH.shell, ...ENGLISH.plugin], 'the Zoho CRM page');

  // Agents & profiles, with a token's dates the Brazilian way.
  const { agents } = await apiJson(page, 'GET', '/api/admin/agents');
  await apiJson(page, 'POST', '/api/admin/tokens', { agent_id: agents.find((a) => a.email === LOGINS.agent.email).id, expires_in_days: 30, label: 'Teste' });
  await page.goto('/admin#agents');
  await page.getByTestId('agents-table').waitFor();
  await page.getByTestId('token-row').first().waitFor();
  assert.equal(await text(page.locator('main h1')), 'Agentes e perfis');
  const headers = (await page.getByTestId('agents-table').locator('thead th').allTextContents()).map((h) => h.trim());
  assert.deepEqual(headers, ['Nome', 'E-mail', 'Perfil', 'Idioma', 'Ações']);
  const me = page.getByTestId('agent-row').filter({ hasText: LOGINS.admin.email });
  assert.equal(await text(me.getByTestId('agent-edit')), 'Editar');
  assert.equal(await text(me.getByTestId('agent-token')), 'Criar token de API');
  assert.equal(await text(me.getByTestId('agent-toggle-active')), 'Desativar');
  assert.equal(await text(page.getByTestId('agent-submit')), 'Adicionar agente');
  assert.equal(await text(page.getByTestId('profile-submit')), 'Adicionar perfil');
  const chips = (await page.getByTestId('profile-chip').allTextContents()).map((c) => c.trim());
  assert.ok(chips.includes('Administrador') && chips.includes('Agente') && chips.includes('Agente Light'), `profiles: ${chips}`);
  assert.equal(await text(page.getByTestId('tokens-card').locator('h2')), 'Tokens de API');
  assert.equal(await text(page.getByTestId('token-submit')), 'Criar token');
  const expires = await text(page.getByTestId('token-expires').first());
  assert.match(expires, /^\d{1,2} de [a-zç]{3,4}\.? de \d{4}/, `a Brazilian date: ${expires}`);
  await assertNoEnglish(page, [...ENGLISH.shell, ...ENGLISH.agents], 'Agents & profiles');
  await screenshot(page, 'admin-agents-pt-BR');

  // Permissions.
  await page.goto('/admin#permissions');
  await page.getByTestId('perm-card').first().waitFor();
  assert.equal(await text(page.locator('main h1')), 'Permissões');
  const row = page.getByTestId('permissions-zoho-crm').locator('[data-testid=perm-row][data-profile="Agent"]');
  assert.equal(await text(row.locator('th div')), 'Agente');
  assert.equal(await row.getByTestId('perm-visible').getAttribute('aria-label'), 'Visível para Agente');
  assert.match(await text(row.getByTestId('perm-notes')), /^(Total|Restrito)$/);
  assert.deepEqual((await row.getByTestId('perm-show').locator('button').allTextContents()).map((b) => b.trim()), ['Contatos', 'Contas']);
  await assertNoEnglish(page, [...ENGLISH.shell, ...ENGLISH.permissions], 'Permissions');

  // Sync.
  await page.goto('/admin#sync=zoho-crm');
  await page.getByTestId('sync-page').waitFor();
  await page.getByTestId('sync-module-contacts').waitFor();
  assert.equal(await text(page.getByTestId('sync-page').locator('h1')), 'Sincronização · Zoho CRM');
  assert.equal(await page.title(), 'Sincronização · Zoho CRM · Administração do Deskpane');
  assert.equal(await text(page.getByTestId('sync-start')), 'Iniciar sincronização');
  assert.equal(await text(page.getByTestId('sync-refresh-fields')), 'Atualizar campos do CRM');
  assert.deepEqual([await ownText(page.getByTestId('sync-tab-settings')), await ownText(page.getByTestId('sync-tab-history')), await ownText(page.getByTestId('sync-tab-failures'))],
    ['Configuração', 'Histórico de sincronização', 'Log de falhas']);
  assert.equal(await text(page.getByTestId('sync-module-contacts').locator('h2')), 'Contatos');
  await page.getByTestId('sync-mapping-contacts').waitFor({ state: 'attached' });
  assert.equal(await text(page.getByTestId('sync-mapping-slot-contacts').getByTestId('sync-add-field')), '+ Adicionar campo');
  assert.equal(await text(page.getByTestId('sync-module-contacts').getByTestId('sync-save')), 'Salvar');
  await assertNoEnglish(page, [...ENGLISH.shell, ...ENGLISH.sync], 'Sync');
  await page.getByTestId('sync-tab-history').click();
  assert.equal(await text(page.getByTestId('sync-history-refresh')), 'Atualizar');
  await screenshot(page, 'admin-sync-pt-BR');

  // The Outbox.
  await page.goto('/admin#outbox');
  await page.getByTestId('outbox').locator('.card').first().waitFor();
  assert.equal(await text(page.locator('main h1')), 'Caixa de saída');
  await assertNoEnglish(page, [...ENGLISH.shell, ...ENGLISH.outbox], 'the Outbox');
});

test('an admin without a language of their own sees the browser\'s: Chinese, from the sign-in form on', async () => {
  await setAdminLanguage(null);
  const context = await env.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto('/admin');
  await page.getByTestId('login-submit').waitFor();
  assert.equal(await text(page.getByTestId('login-submit')), '登录');
  await page.getByTestId('login-email').fill(LOGINS.admin.email);
  await page.getByTestId('login-password').fill(LOGINS.admin.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('plugin-card').first().waitFor();
  await page.getByTestId('allow-unsigned').waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  assert.equal(await text(page.locator('main h1')), '集成');
  assert.deepEqual(await navLinks(page), ['集成', '同步', '权限', '客服与角色', '发件箱']);
  assert.equal(await text(page.getByTestId('sign-out')), '退出登录');
  assert.equal(await text(page.getByTestId('install-submit')), '安装插件');
  assert.equal(await text(page.getByTestId('publishers-card').locator('h2')), '受信任的发布者');
  assert.equal(await text(page.getByTestId('plugin-manage').first()), '管理');
  await assertNoEnglish(page, [...ENGLISH.shell, ...ENGLISH.plugins], 'Integrations');

  await page.goto('/admin#agents');
  await page.getByTestId('agents-table').waitFor();
  assert.equal(await text(page.locator('main h1')), '客服与角色');
  assert.deepEqual((await page.getByTestId('agents-table').locator('thead th').allTextContents()).map((h) => h.trim()), ['姓名', '电子邮箱', '角色', '语言', '操作']);
  assert.equal(await text(page.getByTestId('tokens-card').locator('h2')), 'API 令牌');
  await assertNoEnglish(page, [...ENGLISH.shell, ...ENGLISH.agents], 'Agents & profiles');

  await page.goto('/admin#sync=zoho-crm');
  await page.getByTestId('sync-module-contacts').waitFor();
  await page.getByTestId('sync-mapping-contacts').waitFor({ state: 'attached' });
  assert.equal(await text(page.getByTestId('sync-page').locator('h1')), '同步 · Zoho CRM');
  assert.equal(await text(page.getByTestId('sync-start')), '开始同步');
  assert.equal(await ownText(page.getByTestId('sync-tab-failures')), '失败日志');
  await assertNoEnglish(page, [...ENGLISH.shell, ...ENGLISH.sync], 'Sync');
  await screenshot(page, 'admin-sync-zh-CN');

  await page.goto('/admin#permissions');
  await page.getByTestId('perm-card').first().waitFor();
  assert.equal(await text(page.locator('main h1')), '权限');
  await assertNoEnglish(page, [...ENGLISH.shell, ...ENGLISH.permissions], 'Permissions');
});

test('an English admin still sees the console in English, whatever the browser says', async () => {
  await setAdminLanguage('en');
  const page = await adminIn('pt-BR');
  await page.getByTestId('plugin-card').first().waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await page.title(), 'Deskpane admin');
  assert.equal(await text(page.locator('main h1')), 'Integrations');
  assert.deepEqual(await navLinks(page), ['Integrations', 'Sync', 'Permissions', 'Agents & profiles', 'Outbox']);
  assert.equal(await text(page.getByTestId('install-submit')), 'Install plugin');
  assert.equal(await text(page.getByTestId('publishers-card').locator('h2')), 'Trusted publishers');
  await page.goto('/admin#agents');
  await page.getByTestId('agents-table').waitFor();
  assert.deepEqual((await page.getByTestId('agents-table').locator('thead th').allTextContents()).map((h) => h.trim()), ['Name', 'Email', 'Profile', 'Language', 'Actions']);
  await page.goto('/admin#sync=zoho-crm');
  await page.getByTestId('sync-module-contacts').waitFor();
  assert.equal(await text(page.getByTestId('sync-start')), 'Start Sync');
  assert.equal(await text(page.getByTestId('sync-page').locator('h1')), 'Sync · Zoho CRM');
  await setAdminLanguage(null);
});
