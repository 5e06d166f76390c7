// @ts-check
/* Small widgets of the console: the toast, pills, switches and the
 * confirm dialog.
 */
import { el } from './dom.js';
import { t } from './i18n.js';

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;

/**
 * Shows a short message at the bottom of the page (errors stay longer).
 * @param {string} message
 * @param {'error'} [kind]
 */
export function toast(message, kind) {
  let box = document.getElementById('toast');
  if (!box) {
    box = el('div', { id: 'toast', class: 'toast', role: 'status', 'aria-live': 'polite', testid: 'toast' });
    document.body.appendChild(box);
  }
  const shown = box;
  shown.textContent = message;
  shown.className = 'toast show ' + (kind === 'error' ? 'toast-error' : 'toast-ok');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { shown.className = 'toast'; }, kind === 'error' ? 8000 : 3500);
}

/**
 * A rounded chip: kind is ok, warn, error or muted.
 * @param {string} text
 * @param {string} kind
 * @param {string} [testid]
 * @returns {HTMLSpanElement}
 */
export function pill(text, kind, testid) {
  return el('span', { class: 'pill pill-' + kind, testid }, text);
}

/**
 * An on/off switch (a checkbox with role=switch) and its label.
 * @param {boolean | undefined} checked
 * @param {string} testid
 * @param {string} label
 * @param {(on: boolean, input: HTMLInputElement) => void} onChange
 * @returns {HTMLLabelElement}
 */
export function switchInput(checked, testid, label, onChange) {
  const input = el('input', { type: 'checkbox', role: 'switch', checked: !!checked, testid, 'aria-label': label });
  input.addEventListener('change', () => onChange(input.checked, input));
  return el('label', { class: 'switch', title: label }, input, el('span', { class: 'switch-track', 'aria-hidden': 'true' }), el('span', { class: 'switch-label' }, label));
}

/**
 * Changes the visible label of the switch `input` belongs to.
 * @param {HTMLInputElement} input
 * @param {string} text
 */
export function setSwitchLabel(input, text) {
  const label = input.closest('.switch')?.querySelector('.switch-label');
  if (label) label.textContent = text;
}

/**
 * A modal "are you sure?" dialog; resolves true when confirmed.
 * @param {string} title
 * @param {string} message
 * @param {string} confirmLabel
 * @returns {Promise<boolean>}
 */
export function confirmDialog(title, message, confirmLabel) {
  return new Promise((resolve) => {
    const cancel = el('button', { type: 'button', class: 'btn', testid: 'confirm-cancel' }, t('common.cancel'));
    const ok = el('button', { type: 'button', class: 'btn btn-danger', testid: 'confirm-delete' }, confirmLabel);
    const dialog = el('dialog', { class: 'dialog', testid: 'confirm-dialog', 'aria-labelledby': 'dialog-title' },
      el('h2', { id: 'dialog-title' }, title),
      el('p', {}, message),
      el('div', { class: 'dialog-actions' }, cancel, ok));
    /** @param {boolean} value */
    const done = (value) => { dialog.close(); dialog.remove(); resolve(value); };
    cancel.addEventListener('click', () => done(false));
    ok.addEventListener('click', () => done(true));
    dialog.addEventListener('cancel', (event) => { event.preventDefault(); done(false); });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
