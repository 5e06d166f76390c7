// Handshake Mode: the ticket list orders and filters tickets by the
// requester's customer type, read from the CRM.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, setup, ticketList } from './harness.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

const shownTypes = (page) => page.getByTestId('ticket-row').getByTestId('ticket-customer-type').allTextContents();
const shownIds = (page) => page.getByTestId('ticket-row').evaluateAll((rows) => rows.map((r) => r.dataset.id));

test('ordering by customer type groups the tickets as the server orders them', async () => {
  const page = await env.signedInPage('agent');
  await page.getByTestId('ticket-row').first().waitFor();
  const newest = await ticketList(page);
  assert.deepEqual(newest.customer_type_sources, ['zoho-crm']);
  assert.deepEqual(await shownIds(page), newest.tickets.map((t) => t.id), 'default order is newest first, as the API gives it');

  const request = page.waitForRequest((r) => r.url().includes('/api/ticket-list?') && r.url().includes('order=customer-type'));
  await page.getByTestId('order-select').selectOption('customer-type');
  await request;
  await page.waitForURL(/order=customer-type/);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=ticket-row]').length > 0);
  const byType = await ticketList(page, 'order=customer-type');
  await page.waitForFunction((ids) => JSON.stringify([...document.querySelectorAll('[data-testid=ticket-row]')].map((r) => r.dataset.id)) === JSON.stringify(ids), byType.tickets.map((t) => t.id));

  // Tickets of one customer type are next to each other; unknown types come last.
  const types = (await shownTypes(page)).map((t) => (t === '—' ? null : t));
  const seen = new Set();
  let previous;
  for (const t of types) {
    if (t !== previous) {
      assert.ok(!seen.has(t), `customer type ${t} appears in two groups: ${types}`);
      seen.add(t);
      previous = t;
    }
  }
  const firstUnknown = types.indexOf(null);
  if (firstUnknown >= 0) assert.ok(types.slice(firstUnknown).every((t) => t === null), `unknown types last: ${types}`);
  assert.ok(seen.size > 1, 'the demo has several customer types');
  await screenshot(page, 'ticket-list-by-customer-type');

  // The choice survives a reload (it is in the address).
  await page.reload();
  await page.getByTestId('ticket-row').first().waitFor();
  assert.equal(await page.getByTestId('order-select').inputValue(), 'customer-type');
});

test('filtering by a customer type shows only those tickets', async () => {
  const page = await env.signedInPage('agent');
  await page.getByTestId('ticket-row').first().waitFor();
  const all = await ticketList(page);
  const options = await page.getByTestId('customer-type-filter').locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(options, ['', ...all.customer_types], 'the filter offers every customer type from the API');

  const type = all.customer_types.includes('Enterprise') ? 'Enterprise' : all.customer_types[0];
  const expected = await ticketList(page, `customer_type=${encodeURIComponent(type)}`);
  assert.ok(expected.tickets.length > 0 && expected.tickets.length < all.tickets.length);
  await page.getByTestId('customer-type-filter').selectOption(type);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=ticket-row]').length === n, expected.tickets.length);
  assert.deepEqual(await shownIds(page), expected.tickets.map((t) => t.id));
  assert.ok((await shownTypes(page)).every((t) => t === type));
  assert.equal(await page.getByTestId('ticket-count').textContent(), `${expected.tickets.length} ticket${expected.tickets.length === 1 ? '' : 's'}`);

  // Ordering and filtering combine.
  await page.getByTestId('order-select').selectOption('customer-type');
  await page.waitForURL(/order=customer-type/);
  assert.match(page.url(), new RegExp(`customer_type=${type}`));
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=ticket-row]').length === n, expected.tickets.length);
  assert.ok((await shownTypes(page)).every((t) => t === type));

  // Back to all.
  await page.getByTestId('customer-type-filter').selectOption('');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=ticket-row]').length === n, all.tickets.length);
});
