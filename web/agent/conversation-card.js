// @ts-check
/* The Conversation card of a ticket that came from a contact centre's
 * conversation (seed 004): what the conversation recorded in the CRM (the
 * lead or contact, the task or case, or why it failed) and Create Lead /
 * Create Contact / Create Case / Create Task: in manual mode the only way
 * to record, in automatic mode to add a record by hand.
 */
import { api } from '../lib/api.js';
import { append, clear, el } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { channelLabel, howLabel, recordKind, visitorName } from '../lib/recording.js';

/** @type {[string, string][]} what an agent can create: the request's kind, the button's catalog key */
const ACTIONS = [
  ['create-lead', 'conversation.createLead'],
  ['create-contact', 'conversation.createContact'],
  ['create-case', 'conversation.createCase'],
  ['create-task', 'conversation.createTask'],
];

/**
 * The ticket's conversation and what it recorded; null when the ticket did
 * not come from a conversation (404).
 * @param {string} ticketId
 * @returns {Promise<Api.TicketRecording | null>}
 */
export async function loadTicketRecording(ticketId) {
  try {
    return await api('GET', '/api/tickets/' + encodeURIComponent(ticketId) + '/record');
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

/**
 * A recorded CRM record's row: "Lead  Riley Chen · Created · 6421…".
 * @param {string} label the row's label when nothing is recorded
 * @param {Api.LinkedRecord | null | undefined} linked
 * @param {string} testid
 * @returns {HTMLDivElement}
 */
function recordRow(label, linked, testid) {
  if (!linked) {
    return el('div', { class: 'kv' }, el('dt', {}, label), el('dd', { class: 'muted', testid, dataset: { empty: 'true' } }, t('conversation.notRecorded')));
  }
  const r = linked.record;
  return el('div', { class: 'kv' },
    el('dt', {}, recordKind(r.module)),
    el('dd', { testid, dataset: { module: r.module, id: r.id, how: linked.how } },
      el('div', {}, r.name || t('common.noName')),
      el('div', { class: 'muted small' }, howLabel(linked.how) + ' \u00b7 ', el('code', { testid: testid + '-id' }, r.id))));
}

/**
 * What the conversation recorded: the visitor, the person, the activity, the failure.
 * @param {Api.TicketRecording} rec
 * @param {(id: string) => string} nameOf a plugin's name
 * @returns {(HTMLElement | null)[]}
 */
function summary(rec, nameOf) {
  const e = rec.entry;
  return [
    el('dl', { class: 'kv-list' },
      el('div', { class: 'kv' }, el('dt', {}, t('recording.visitor')), el('dd', { testid: 'conversation-visitor' }, visitorName(e))),
      recordRow(t('conversation.person'), e.person, 'conversation-person'),
      recordRow(t('conversation.activity'), e.activity, 'conversation-activity'),
      e.files && e.files.length
        ? el('div', { class: 'kv' }, el('dt', {}, t('conversation.files')),
          el('dd', { testid: 'conversation-files' }, ...e.files.map((f) => el('div', { dataset: { attached: String(!!f.crm_id) } },
            f.name, el('span', { class: 'muted small' }, ' · ' + (f.crm_id ? t('conversation.attached') : f.skipped || t('conversation.notAttachedYet')))))))
        : null),
    e.failure
      ? el('div', { class: 'panel-error', role: 'alert', testid: 'conversation-failure' },
        el('span', { class: 'panel-error-icon', 'aria-hidden': 'true' }, '!'),
        el('span', {}, e.crm
          ? t('conversation.failedIn', { crm: nameOf(e.crm), reason: e.failure })
          : t('conversation.failed', { reason: e.failure })))
      : null,
    !e.person && !e.activity && !e.failure
      ? el('p', { class: 'muted small', testid: 'conversation-nothing' }, rec.manual
        ? t('conversation.nothingManual')
        : t('conversation.nothing'))
      : null,
  ];
}

/**
 * The Conversation card.
 * @param {string} ticketId
 * @param {Api.TicketRecording} rec
 * @param {(id: string) => string} nameOf a plugin's name (its id when unknown)
 * @param {() => void} onCreated runs after a record was created (the panels refresh)
 * @returns {HTMLElement}
 */
export function conversationCard(ticketId, rec, nameOf, onCreated) {
  const body = el('div', { class: 'conversation-summary', testid: 'conversation-summary' }, summary(rec, nameOf));
  const sub = el('span', { class: 'muted small conversation-sub' }, nameOf(rec.plugin) + ' \u00b7 ' + channelLabel(rec.entry));
  const card = el('section', { class: 'card conversation-card', testid: 'conversation-card', 'aria-labelledby': 'conversation-title', dataset: { manual: String(rec.manual) } },
    el('div', { class: 'card-head' },
      el('h2', { class: 'card-title', id: 'conversation-title' }, t('recording.conversation')),
      sub),
    body);
  // Manual mode: the only way to record. Automatic mode records by itself,
  // and an agent may still add a record by hand (a case for a sales chat).
  /** @param {Api.TicketRecording} r */
  const recordIn = (r) => {
    if (r.entry.crm) return t(r.manual ? 'conversation.recordIn' : 'conversation.alsoRecordIn', { crm: nameOf(r.entry.crm) });
    return t(r.manual ? 'conversation.recordInCrm' : 'conversation.alsoRecordInCrm');
  };
  const actionsLabel = el('p', { class: 'small conversation-actions-label', id: 'conversation-actions-label' }, recordIn(rec));
  const status = el('p', { class: 'conversation-status', role: 'status', 'aria-live': 'polite', testid: 'conversation-created' });
  const error = el('p', { class: 'form-error', role: 'alert', hidden: true, testid: 'conversation-error' });
  const buttons = ACTIONS.map(([kind, label]) => el('button', { type: 'button', class: 'btn btn-small', testid: kind, dataset: { kind } }, t(label)));
  const group = el('div', { class: 'conversation-actions', role: 'group', 'aria-labelledby': 'conversation-actions-label' }, buttons);
  for (const b of buttons) {
    b.addEventListener('click', async () => {
      const label = b.textContent || '';
      error.hidden = true;
      status.textContent = '';
      for (const x of buttons) x.disabled = true;
      group.setAttribute('aria-busy', 'true');
      b.textContent = t('common.creating');
      try {
        /** @type {{record: Api.RecordRef}} */
        const answer = await api('POST', '/api/tickets/' + encodeURIComponent(ticketId) + '/record', { kind: b.dataset.kind });
        const r = answer.record;
        status.textContent = r.name
          ? t('conversation.createdNamed', { kind: recordKind(r.module), id: r.id, name: r.name })
          : t('conversation.created', { kind: recordKind(r.module), id: r.id });
        const fresh = await loadTicketRecording(ticketId).catch(() => null);
        if (fresh) {
          append(clear(body), summary(fresh, nameOf));
          actionsLabel.textContent = recordIn(fresh);
        }
        onCreated();
      } catch (e) {
        error.textContent = e.status === 409 || e.status === 502 ? e.message : t('conversation.createFailed', { reason: e.message });
        error.hidden = false;
      } finally {
        b.textContent = label;
        for (const x of buttons) x.disabled = false;
        group.removeAttribute('aria-busy');
      }
    });
  }
  card.append(
    el('div', { class: 'conversation-manual' },
      actionsLabel, group, status, error));
  return card;
}
