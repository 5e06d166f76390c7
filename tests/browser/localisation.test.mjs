// The pages in the agent's language: an admin sets an agent's language
// (Portuguese, Chinese) through the admin API, and that agent sees the
// ticket list, the ticket page and the Zoho CRM panel in it, with dates
// written that language's way, whatever the browser says; an agent without
// one sees the browser's language; the console's select sets it; a CRM
// failure the server sends as a code is shown translated; the embeddable
// panel follows too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiJson, crmTicket, screenshot, setup, signIn, LOGINS } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

/** Sets an agent's language as an admin would (null: the browser's). */
async function setLanguage(email, language) {
  const page = await env.signedInPage('admin');
  const { agents } = await apiJson(page, 'GET', '/api/admin/agents');
  const agent = agents.find((a) => a.email === email);
  const updated = await apiJson(page, 'PATCH', `/api/admin/agents/${agent.id}`, { language });
  assert.equal(updated.language, language);
  await page.context().close();
}

/** A page signed in as `who` in a browser whose language is `locale`. */
async function pageIn(who, locale) {
  const context = await env.newContext({ locale });
  const page = await context.newPage();
  await signIn(page, who);
  return page;
}

const text = async (locator) => (await locator.textContent()).trim();

/** The panel's section titles, without the "cached" beside them. */
const sectionTitles = (panel) => panel.locator('.section-title').evaluateAll((titles) => titles.map((t) => (t.firstChild ? t.firstChild.textContent : '').trim()));

/**
 * Opens the demo ticket whose requester is in the CRM and waits for its
 * page and the Zoho CRM panel's sections; returns the ticket and the panel.
 */
async function openCrmTicket(page) {
  const ticket = await crmTicket(page);
  await page.getByTestId('ticket-row').filter({ has: page.locator(`[href="#/tickets/${ticket.id}"]`) }).getByTestId('ticket-subject').click();
  await page.getByTestId('requester-card').waitFor();
  const panel = page.getByTestId('panel-zoho-crm');
  await panel.getByTestId('profile-name').waitFor();
  await panel.getByTestId('note').first().waitFor();
  await panel.getByTestId('activity').first().waitFor();
  return { ticket, panel };
}

test('an agent whose language is Portuguese sees the list, the ticket and the CRM panel in Portuguese, dates the Brazilian way', async () => {
  await setLanguage(LOGINS.agent.email, 'pt-BR');
  const page = await pageIn('agent', 'en-US');
  assert.equal(await page.locator('html').getAttribute('lang'), 'pt-BR');

  // The ticket list.
  await page.getByTestId('ticket-row').first().waitFor();
  assert.equal(await text(page.locator('main h1')), 'Tickets');
  const headers = (await page.locator('thead th').allTextContents()).map((h) => h.trim());
  assert.deepEqual(headers, ['Assunto', 'Solicitante', 'Status', 'Prioridade', 'Tipo de cliente', 'Criado em']);
  assert.match(await text(page.getByTestId('ticket-count')), /^\d+ tickets?$/);
  assert.equal(await text(page.getByTestId('sign-out')), 'Sair');
  assert.deepEqual(await page.getByTestId('order-select').locator('option').allTextContents(), ['Mais recentes', 'Tipo de cliente']);
  // "4 de mar. de 2025, 09:30": day, "de", the month, "de", the year.
  const created = await text(page.getByTestId('ticket-created').first());
  assert.match(created, /^\d{1,2} de [a-zç]{3,4}\.? de \d{4}/, `a Brazilian date: ${created}`);
  const statuses = await page.getByTestId('ticket-status').allTextContents();
  assert.ok(statuses.every((s) => ['Aberto', 'Em espera', 'Escalado', 'Fechado'].includes(s.trim())), `statuses in Portuguese: ${statuses}`);
  await screenshot(page, 'ticket-list-pt-BR');

  // The ticket page.
  const { panel } = await openCrmTicket(page);
  assert.deepEqual((await page.locator('.ticket-card dt').allTextContents()).slice(-2), ['Criado em', 'Atualizado em']);
  assert.equal(await text(page.getByTestId('back-to-list')), '← Todos os tickets');
  assert.equal(await text(page.getByTestId('requester-card').locator('.card-title')), 'Solicitante');
  assert.match(await text(page.locator('.ticket-id')), /^Ticket nº \d+$/);
  assert.match(await text(page.locator('.ticket-card dd').nth(-2)), /^\d{1,2} de [a-zç]{3,4}\.? de \d{4}/);

  // The Zoho CRM panel.
  assert.equal(await text(panel.getByTestId('panel-refresh')), '↻ Atualizar');
  assert.equal(await text(panel.locator('.panel-sub')), 'Mostrando o contato');
  assert.deepEqual(await sectionTitles(panel), ['Contato', 'Oportunidades', 'Notas', 'Atividades']);
  assert.ok((await panel.locator('.kv dt').allTextContents()).includes('E-mail'));
  assert.match(await text(panel.getByTestId('profile-link')), /^Ver no Zoho CRM$/);
  assert.match(await text(panel.getByTestId('note-time').first()), /^\d{1,2} de [a-zç]{3,4}\.? de \d{4}/);
  const groups = await panel.getByTestId('section-activities').locator('.group-title').allTextContents();
  assert.ok(groups.length && groups.every((g) => /^(Chamadas|Eventos|Tarefas|Chats|Outras)\d+$/.test(g.trim())), `activity groups: ${groups}`);
  await screenshot(page, 'ticket-pt-BR');
});

test('an agent whose language is Chinese sees the list, the ticket and the CRM panel in Simplified Chinese', async () => {
  await setLanguage(LOGINS.light.email, 'zh-CN');
  const page = await pageIn('light', 'pt-BR');
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN', 'the profile\'s language wins over the browser\'s');
  await page.getByTestId('ticket-row').first().waitFor();
  assert.equal(await text(page.locator('main h1')), '工单');
  const headers = (await page.locator('thead th').allTextContents()).map((h) => h.trim());
  assert.deepEqual(headers, ['主题', '请求人', '状态', '优先级', '客户类型', '创建时间']);
  assert.match(await text(page.getByTestId('ticket-count')), /^\d+ 个工单$/);
  assert.equal(await text(page.getByTestId('current-agent-profile')), '轻量客服');
  const created = await text(page.getByTestId('ticket-created').first());
  assert.match(created, /^\d{4}年\d{1,2}月\d{1,2}日/, `a Chinese date: ${created}`);

  const { panel } = await openCrmTicket(page);
  assert.equal(await text(page.getByTestId('back-to-list')), '← 所有工单');
  assert.equal(await text(page.getByTestId('requester-card').locator('.card-title')), '请求人');
  assert.equal(await text(panel.getByTestId('panel-refresh')), '↻ 刷新');
  const titles = await sectionTitles(panel);
  assert.ok(titles.includes('联系人') && titles.includes('备注') && titles.includes('活动'), `section titles: ${titles}`);
  assert.match(await text(panel.getByTestId('note-time').first()), /^\d{4}年\d{1,2}月\d{1,2}日/);
  await screenshot(page, 'ticket-zh-CN');
});

test('an agent without a language of their own sees the browser\'s: Portuguese, from the sign-in form on', async () => {
  const context = await env.newContext({ locale: 'pt-BR' });
  const page = await context.newPage();
  await page.goto('/');
  await page.getByTestId('login-submit').waitFor();
  assert.equal(await text(page.getByTestId('login-submit')), 'Entrar');
  await page.getByTestId('login-email').fill(LOGINS.admin.email);
  await page.getByTestId('login-password').fill('not-the-password');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('login-error').waitFor();
  assert.equal(await text(page.getByTestId('login-error')), 'E-mail ou senha incorretos.');
  await page.getByTestId('login-password').fill(LOGINS.admin.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('ticket-row').first().waitFor();
  assert.equal((await apiJson(page, 'GET', '/api/me')).agent.language, null);
  assert.equal(await text(page.getByTestId('admin-link')), 'Administração');
  assert.equal((await page.locator('thead th').first().textContent()).trim(), 'Assunto');

  // The admin console follows the same language (admin-localisation.test.mjs checks its pages).
  await page.getByTestId('admin-link').click();
  await page.waitForURL('**/admin**');
  await page.getByTestId('sign-out').waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'pt-BR');
  assert.equal(await text(page.getByTestId('sign-out')), 'Sair');

  // In an English browser the same admin sees English.
  const english = await pageIn('admin', 'en-US');
  await english.getByTestId('ticket-row').first().waitFor();
  assert.equal((await english.locator('thead th').first().textContent()).trim(), 'Subject');
  assert.equal(await english.locator('html').getAttribute('lang'), 'en');
});

test('an admin sets an agent\'s language in the console: the select in the agent\'s row, saved at once', async () => {
  const page = await env.signedInPage('admin', '/admin#agents');
  const row = page.getByTestId('agent-row').filter({ has: page.getByText(LOGINS.agent.email, { exact: true }) });
  const select = row.getByTestId('agent-language-select');
  await select.selectOption('zh-CN');
  await page.getByTestId('toast').filter({ hasText: '中文（简体）' }).waitFor();
  const { agents } = await apiJson(page, 'GET', '/api/admin/agents');
  assert.equal(agents.find((a) => a.email === LOGINS.agent.email).language, 'zh-CN');
  await select.selectOption('');
  await page.getByTestId('toast').filter({ hasText: 'browser’s language' }).waitFor();
  assert.equal((await apiJson(page, 'GET', '/api/admin/agents')).agents.find((a) => a.email === LOGINS.agent.email).language, null);
  assert.deepEqual(await select.locator('option').allTextContents(), ['The browser’s language', 'English', 'Português (Brasil)', '中文（简体）']);
});

test('a CRM failure the server sends as a code reads in the agent\'s language', async () => {
  await setLanguage(LOGINS.agent.email, 'pt-BR');
  const page = await pageIn('agent', 'en-US');
  const ticket = await crmTicket(page);
  // The server's answer when Zoho CRM does not answer (tests/web_api.rs checks the server sends it).
  await page.route('**/panels/zoho-crm/notes**', (route) => route.fulfill({
    status: 502,
    contentType: 'application/json',
    body: JSON.stringify({
      error: 'Zoho CRM is not answering right now. Try Refresh in a minute. (reference 0a1b2c3d)',
      code: 'crm.unreachable',
      params: { crm: 'Zoho CRM', reference: '0a1b2c3d' },
    }),
  }));
  await page.goto(`/#/tickets/${encodeURIComponent(ticket.id)}`);
  const panel = page.getByTestId('panel-zoho-crm');
  await panel.getByTestId('profile-name').waitFor();
  const alert = panel.getByTestId('panel-alert-text');
  await alert.waitFor();
  assert.equal(await text(alert), 'O Zoho CRM não está respondendo no momento. Clique em Atualizar daqui a um minuto. (referência 0a1b2c3d)');
});

test('the embeddable panel speaks the agent\'s language', async () => {
  await setLanguage(LOGINS.agent.email, 'pt-BR');
  const page = await pageIn('agent', 'en-US');
  const ticket = await crmTicket(page);
  await page.goto(`/embed/panel?ticket=${encodeURIComponent(ticket.id)}&plugin=zoho-crm`);
  const panel = page.getByTestId('panel-zoho-crm');
  await panel.getByTestId('profile-name').waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'pt-BR');
  assert.equal(await text(panel.getByTestId('panel-refresh')), '↻ Atualizar');
  assert.deepEqual(await sectionTitles(panel), ['Contato', 'Oportunidades', 'Notas', 'Atividades']);

  // Without a session or token the page says so in the browser's language.
  const anonymous = await (await env.newContext({ locale: 'zh-CN' })).newPage();
  await anonymous.goto(`/embed/panel?ticket=${encodeURIComponent(ticket.id)}&plugin=zoho-crm`);
  await anonymous.getByTestId('embed-error').waitFor();
  assert.match(await text(anonymous.getByTestId('embed-error')), /^请在此浏览器中登录 Deskpane/);
});
