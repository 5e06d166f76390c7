// Example connector in JavaScript: the tiny CRM of plugins/example, built
// into the plugin. componentize-js maps the WIT world `connector` onto this
// ES module: each exported interface is an exported object whose methods are
// the interface's functions in camelCase. A returned value is the `ok` case
// of a `result`; a thrown `{ tag, val }` is its `err` case.

import { log } from 'deskpane:connector/log@0.3.0';
import { get as config } from 'deskpane:connector/config@0.3.0';

const CONTACTS = [
  {
    id: 'c-1001',
    name: 'Ada Lovelace',
    email: 'ada@analytical.example',
    secondaryEmail: 'ada.l@home.example',
    phone: '+44 20 7946 0001',
    account: { id: 'a-1', name: 'Analytical Engines Ltd' },
    customerType: 'Enterprise',
  },
  {
    id: 'c-1002',
    name: 'Grace Hopper',
    email: 'grace@cobol.example',
    secondaryEmail: undefined,
    phone: '+1 202 555 0102',
    account: { id: 'a-2', name: 'Compiler Works Inc' },
    customerType: 'Partner',
  },
];

const OWNER = 'Example Owner';

/** A `connector-error` to throw: `throw error('unsupported', '...')`. */
const error = (tag, val) => ({ tag, val });
const unsupported = (what) => error('unsupported', what);

const link = (module, id) => `${config('crm-url') ?? 'https://crm.example'}/${module}/${id}`;
const sameText = (a, b) => a != null && b != null && a.toLowerCase() === b.toLowerCase();
const digits = (s) => s.replace(/\D/g, '');
/** A field holding text; `label` is an `option<string>`, so undefined is `none`. */
const text = (name, value, label = undefined) => ({ name, label, value: { tag: 'text', val: value } });

function contactOf(of) {
  const c = CONTACTS.find((c) => c.id === of.id);
  if (!c) throw error('not-found', `contact ${of.id}`);
  return c;
}

/** The contact and the requester key that found it: email, secondary email, phone. */
function findRequester(who) {
  for (const c of CONTACTS) {
    if (sameText(who.email, c.email)) return [c, 'email'];
    if (sameText(who.secondaryEmail, c.secondaryEmail) || sameText(who.email, c.secondaryEmail)) {
      return [c, 'secondary-email'];
    }
    if (who.phone === c.phone) return [c, 'phone'];
  }
  return [];
}

export const panels = {
  lookupRequester(who) {
    const [c, matchKey] = findRequester(who);
    log('info', c ? `lookup-requester: ${c.id} by ${matchKey}` : 'lookup-requester: no match');
    if (!c) return undefined;
    return {
      record: { module: 'contacts', id: c.id, name: c.name },
      matchKey,
      displayName: c.name,
      email: c.email,
      secondaryEmail: c.secondaryEmail,
      phone: c.phone,
      account: { module: 'accounts', id: c.account.id, name: c.account.name },
      owner: OWNER,
      fields: [text('Customer_Type', c.customerType, 'Customer type')],
      link: link('contacts', c.id),
    };
  },

  potentials(of) {
    const c = contactOf(of);
    const id = `p-${c.id}`;
    return [
      {
        record: { module: 'potentials', id, name: `${c.account.name} renewal` },
        stage: 'Negotiation/Review',
        amount: 12500,
        currency: 'USD',
        closingDate: '2026-12-31',
        owner: OWNER,
        link: link('potentials', id),
      },
    ];
  },

  notes(of) {
    const c = contactOf(of);
    const id = `n-${c.id}`;
    return [
      {
        record: { module: 'notes', id, name: undefined },
        title: 'Onboarding',
        content: `${c.name} prefers email. <b>Not markup</b> & stays text.`,
        author: OWNER,
        createdTime: '2026-10-01T09:00:00Z',
        link: link('notes', id),
      },
    ];
  },

  activities(of, kinds) {
    const c = contactOf(of);
    const planned = [
      ['call', 'Quarterly check-in call'],
      ['event', 'On-site workshop'],
      ['task', 'Send renewal quote'],
    ];
    return planned
      .filter(([kind]) => kinds.length === 0 || kinds.includes(kind))
      .map(([kind, subject], i) => ({
        record: { module: 'tasks', id: `act-${c.id}-${i}`, name: undefined },
        kind,
        subject,
        status: 'Open',
        startTime: '2026-11-25T15:00:00Z',
        endTime: undefined,
        owner: OWNER,
        description: undefined,
        link: undefined,
      }));
  },

  /** Contacts whose `Email`, `Phone` or `Name` equal the given values. */
  find(module, fields, limit) {
    if (module !== 'contacts') throw unsupported('searching anything but contacts');
    const fits = (c, { name, value }) => {
      if (value.tag !== 'text') return false;
      if (name === 'Email') return sameText(c.email, value.val);
      if (name === 'Phone') return digits(c.phone) === digits(value.val);
      if (name === 'Name') return sameText(c.name, value.val);
      return false;
    };
    return CONTACTS.filter((c) => fields.length > 0 && fields.every((f) => fits(c, f)))
      .slice(0, limit)
      .map((c) => ({
        id: c.id,
        fields: [text('Name', c.name), text('Email', c.email), text('Phone', c.phone)],
        createdTime: undefined,
        modifiedTime: undefined,
      }));
  },
};

export const sync = {
  describeModule(module) {
    if (module !== 'contacts') throw unsupported('only contacts are described by the example CRM');
    const meta = (name, label, fieldType, mandatory) => ({
      name,
      label,
      fieldType,
      mandatory,
      maxLength: 100,
      readOnly: false,
      custom: false,
      picklistValues: [],
    });
    return [
      meta('Last_Name', 'Last Name', 'text', true),
      meta('Email', 'Email', 'email', false),
      meta('Phone', 'Phone', 'phone', false),
    ];
  },
  listViews() {
    return [{ id: 'all', name: 'All records' }];
  },
  changes() {
    throw unsupported('the example CRM has no change feed');
  },
  upsert() {
    throw unsupported('the example CRM is read-only');
  },
  delete() {
    throw unsupported('the example CRM is read-only');
  },
  watch() {
    throw unsupported('the example CRM sends no notifications');
  },
  parseNotification() {
    throw unsupported('the example CRM sends no notifications');
  },
};

export const actions = {
  perform() {
    throw unsupported('record actions');
  },
  attach() {
    throw unsupported('attachments');
  },
  download() {
    throw unsupported('attachments');
  },
};
