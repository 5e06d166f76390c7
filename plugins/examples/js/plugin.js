// A connector for the Sample CRM (API: crates/conformance/README.md), in
// JavaScript: finds the ticket's requester, then shows their deals, notes
// and activities. componentize-js maps the WIT world `connector` onto this
// ES module: each exported interface is an exported object whose methods are
// the interface's functions in camelCase. A returned value is the `ok` case
// of a `result`; a thrown `{ tag, val }` is its `err` case.

import { get as config } from 'deskpane:connector/config@0.4.0';
import { send } from 'deskpane:connector/http@0.4.0';

const CREDENTIAL = 'sample-crm';
const MAX_PAGES = 1000;

/** A `connector-error` to throw: `throw error('unsupported', '...')`. */
const error = (tag, val) => ({ tag, val });
const unsupported = (what) => () => {
  throw error('unsupported', what);
};

function base() {
  const url = config('api-url');
  if (!url) throw error('permanent', "the plugin's `api-url` setting is empty");
  return url.replace(/\/+$/, '');
}

/** `base/seg/ments?k=v`, every segment and value percent-encoded. */
function url(segments, query = []) {
  const path = segments.map(encodeURIComponent).join('/');
  const q = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `${base()}/${path}${q ? `?${q}` : ''}`;
}

/** The contract's error for a failed answer (see the SDK's `status_error`). */
function statusError(response) {
  const { status } = response;
  const header = (name) => response.headers.find(([k]) => k.toLowerCase() === name)?.[1];
  if (status === 401) return error('auth-expired');
  if (status === 404) return error('not-found', `the CRM answered HTTP 404`);
  if (status === 429) return error('rate-limited', Number.parseInt(header('retry-after') ?? '', 10) || 30);
  if (status === 408 || status >= 500) return error('transient', `the CRM answered HTTP ${status}`);
  return error('permanent', `the CRM refused the request with HTTP ${status}`);
}

function getJson(target) {
  let response;
  try {
    response = send({ method: 'get', url: target, headers: [], body: undefined, credential: CREDENTIAL });
  } catch (e) {
    const failure = e.payload ?? {};
    const temporary = failure.tag === 'timeout' || failure.tag === 'connection';
    throw error(temporary ? 'transient' : 'permanent', `request failed: ${failure.tag} ${failure.val ?? ''}`);
  }
  if (response.status >= 400) throw statusError(response);
  const text = new TextDecoder().decode(response.body);
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    throw error('permanent', `the CRM answered HTTP ${response.status} with a body that is not JSON`);
  }
}

/** Every item of a paged list, pages followed to the end. */
function all(segments) {
  const items = [];
  let page;
  for (let i = 0; i < MAX_PAGES; i++) {
    const body = getJson(url(['api', ...segments], page ? [['page', page]] : []));
    items.push(...(Array.isArray(body?.data) ? body.data : []));
    if (body?.next_page == null) return items;
    page = String(body.next_page);
  }
  throw error('permanent', `the CRM had more than ${MAX_PAGES} pages`);
}

/** A JSON value as text: non-empty strings and numbers; otherwise `none`. */
const text = (v) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const number = (v) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(+v) ? +v : undefined);
const link = (kind, id) => url(['app', kind, id ?? '']);
const ref = (module, item, name) => ({ module, id: text(item?.id) ?? '', name });

function profile(c, matchKey) {
  const name = [text(c.first_name), text(c.last_name)].filter(Boolean).join(' ') || undefined;
  const account = c.account && typeof c.account === 'object' ? ref('accounts', c.account, text(c.account.name)) : undefined;
  const fields = [
    ['title', 'Title'],
    ['customer_type', 'Customer type'],
  ]
    .filter(([key]) => text(c[key]))
    .map(([key, label]) => ({ name: key, label, value: { tag: 'text', val: text(c[key]) } }));
  return {
    record: ref('contacts', c, name),
    matchKey,
    displayName: name ?? text(c.id) ?? '',
    email: text(c.email),
    secondaryEmail: text(c.secondary_email),
    phone: text(c.phone),
    account,
    owner: text(c.owner),
    fields,
    link: link('contacts', text(c.id)),
  };
}

const KINDS = { call: 'calls', event: 'events', task: 'tasks', chat: 'chats' };

export const panels = {
  /** Tries the requester's keys in the contract's order; the first hit wins. */
  lookupRequester(who) {
    const keys = [
      ['email', who.email, 'email'],
      ['secondary_email', who.email, 'secondary-email'],
      ['secondary_email', who.secondaryEmail, 'secondary-email'],
      ['email', who.secondaryEmail, 'secondary-email'],
      ['phone', who.phone?.replace(/\D/g, ''), 'phone'],
      ['name', who.name, 'name'],
      ['account', who.accountName, 'account-name'],
    ];
    for (const [key, value, matchKey] of keys) {
      if (!value || !value.trim()) continue;
      const found = getJson(url(['api', 'contacts'], [[key, value]]));
      const first = Array.isArray(found?.data) ? found.data[0] : undefined;
      if (first) return profile(first, matchKey);
    }
    return undefined;
  },

  potentials(of) {
    return all(['contacts', of.id, 'deals']).map((d) => ({
      record: ref('potentials', d, text(d.name)),
      stage: text(d.stage),
      amount: number(d.amount),
      currency: text(d.currency),
      closingDate: text(d.close_date),
      owner: text(d.owner),
      link: link('deals', text(d.id)),
    }));
  },

  notes(of) {
    return all(['contacts', of.id, 'notes']).map((n) => ({
      record: ref('notes', n, text(n.title)),
      title: text(n.title),
      content: text(n.body) ?? '',
      author: text(n.author),
      createdTime: text(n.created_at),
      link: link('notes', text(n.id)),
    }));
  },

  activities(of, kinds) {
    return all(['contacts', of.id, 'activities'])
      .filter((a) => KINDS[a.kind] && kinds.includes(a.kind))
      .map((a) => ({
        record: ref(KINDS[a.kind], a, text(a.subject)),
        kind: a.kind,
        subject: text(a.subject) ?? '',
        status: text(a.status),
        startTime: text(a.starts_at),
        endTime: text(a.ends_at),
        owner: text(a.owner),
        description: text(a.description),
        link: link('activities', text(a.id)),
      }));
  },

  find: unsupported('search'),
  profileOf: unsupported('profiles of linked records'),
};

export const sync = {
  describeModule: unsupported('sync'),
  listViews: unsupported('sync'),
  changes: unsupported('sync'),
  upsert: unsupported('sync'),
  delete: unsupported('sync'),
  watch: unsupported('notifications'),
  parseNotification: unsupported('notifications'),
};

export const actions = {
  perform: unsupported('record actions'),
  attach: unsupported('attachments'),
  download: unsupported('attachments'),
};
