// @ts-check
/* The one shell of the agent app and the admin console: the sign-in form,
 * the top bar (brand, Tickets / Admin, who is signed in, Sign out), and
 * `App`, which signs in, then routes with the shared Router.
 */
import { api } from './api.js';
import { append, clear, el, errorBox } from './dom.js';
import { initials } from './format.js';
import { setLanguage, t } from './i18n.js';
import { Router } from './router.js';

/** @returns {HTMLSpanElement[]} the "D" mark and "Deskpane" */
function brand() {
  return [el('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'D'), el('span', { class: 'brand-name' }, 'Deskpane')];
}

/**
 * Renders the sign-in form into `root`; resolves with the agent once signed in.
 * @param {HTMLElement} root
 * @param {string} [subtitle] the catalog key of the line under "Sign in"
 * @returns {Promise<Api.Agent>}
 */
export function signInForm(root, subtitle) {
  return new Promise((resolve) => {
    const error = el('p', { class: 'form-error', role: 'alert', testid: 'login-error', hidden: true });
    const email = el('input', { id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true, testid: 'login-email' });
    const password = el('input', { id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true, testid: 'login-password' });
    const submit = el('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'login-submit' }, t('shell.signIn'));
    const form = el('form', { class: 'login-card', testid: 'login-form' },
      el('div', { class: 'login-brand' }, brand()),
      el('h1', { class: 'login-title' }, t('shell.signIn')),
      el('p', { class: 'muted' }, t(subtitle || 'shell.subtitle')),
      el('label', { for: 'login-email' }, t('shell.email')), email,
      el('label', { for: 'login-password' }, t('shell.password')), password,
      error, submit);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hidden = true;
      submit.disabled = true;
      try {
        const answer = await api('POST', '/api/login', { email: email.value.trim(), password: password.value });
        resolve(answer.agent);
      } catch (e) {
        error.textContent = e.status === 401 ? t('shell.wrongPassword') : e.message;
        error.hidden = false;
        submit.disabled = false;
        password.focus();
      }
    });
    clear(root).appendChild(el('main', { class: 'login-page' }, form));
    email.focus();
  });
}

/** @type {Record<string, string>} the built-in profiles' catalog keys */
const PROFILE_KEYS = { 'Administrator': 'profile.administrator', 'Agent': 'profile.agent', 'Light Agent': 'profile.lightAgent' };

/**
 * A profile's name in the pages' language (a custom profile's as it was named).
 * @param {string} profile
 * @returns {string}
 */
export function profileName(profile) {
  return PROFILE_KEYS[profile] ? t(PROFILE_KEYS[profile]) : profile;
}

/**
 * The top bar of the agent app and the admin console.
 * @param {Api.Agent} agent
 * @param {'tickets' | 'admin'} current the active link
 * @returns {HTMLElement}
 */
export function topBar(agent, current) {
  const nav = el('nav', { class: 'topnav', 'aria-label': t('shell.mainNav') },
    el('a', { href: '/#/tickets', class: current === 'tickets' ? 'active' : '', testid: 'nav-tickets' }, t('shell.tickets')),
    agent.profile === 'Administrator'
      ? el('a', { href: '/admin', class: current === 'admin' ? 'active' : '', testid: 'admin-link' }, t('shell.admin'))
      : null);
  const signOut = el('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'sign-out' }, t('shell.signOut'));
  signOut.addEventListener('click', async () => {
    try { await api('POST', '/api/logout'); } catch (e) { /* signed out anyway */ }
    location.href = '/';
  });
  return el('header', { class: 'topbar' },
    el('a', { class: 'brand', href: '/#/tickets' }, brand()),
    nav,
    el('div', { class: 'whoami', testid: 'current-agent' },
      el('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(agent.name)),
      el('span', { class: 'whoami-text' },
        el('span', { class: 'whoami-name', testid: 'current-agent-name' }, agent.name || agent.email),
        el('span', { class: 'whoami-profile', testid: 'current-agent-profile' }, profileName(agent.profile)))),
    signOut);
}

/**
 * @typedef {object} AppOptions
 * @property {HTMLElement} root where the app renders
 * @property {string} [title] document.title set whenever the app (re)starts
 * @property {string} [signInSubtitle] the catalog key of the sign-in form's line under "Sign in"
 * @property {string} [errorTestid] testid of the box shown when /api/me fails
 */

/**
 * @typedef {object} AppHooks
 * @property {(seq: number) => unknown} render renders the page of the current address
 * @property {(agent: Api.Agent) => boolean} [admit] false: the agent may not use
 *   this app (it rendered why); the app then never routes
 * @property {() => void} [started] runs after the first render of a start
 */

/**
 * Moves keyboard focus to the page's main element (the sign-in page's too),
 * focusable only while it has focus.
 * @param {HTMLElement} root
 */
function focusMain(root) {
  const main = root.querySelector('main');
  if (!main) return;
  main.setAttribute('tabindex', '-1');
  main.addEventListener('blur', () => main.removeAttribute('tabindex'), { once: true });
  main.focus();
}

/**
 * A signed-in single-page app: who is signed in, the router, and the
 * layout (top bar and main) every page renders into.
 */
export class App {
  /** @param {AppOptions} options */
  constructor(options) {
    this.options = options;
    this.root = options.root;
    /** @type {Api.Agent | null} the signed-in agent, once known */
    this.agent = null;
    this.router = new Router();
    /** Whether hash changes route (signed in and admitted). */
    this.ready = false;
    /** @type {AppHooks} */
    this.hooks = { render: () => undefined };
    // The page's "Skip to main content" link (first in the HTML) moves focus
    // to the page's main element; its `#main` never reaches the router.
    const skip = document.querySelector('a.skip-link');
    if (skip) skip.addEventListener('click', (event) => { event.preventDefault(); focusMain(this.root); });
  }

  /**
   * Signs in (with the form when there is no session) and routes, now and on
   * every hash change.
   * @param {AppHooks} hooks
   * @returns {Promise<void>}
   */
  run(hooks) {
    this.hooks = hooks;
    this.router.listen(hooks.render, () => this.ready);
    return this.start();
  }

  /** Starts again from who is signed in: after sign-in, or when the session is gone (401). */
  async start() {
    this.router.next();
    this.agent = null;
    this.ready = false;
    if (this.options.title) document.title = this.options.title;
    // The browser's language until the agent is known, then the agent's.
    const browserLanguage = setLanguage(null);
    let agent;
    try {
      agent = (await api('GET', '/api/me')).agent;
    } catch (e) {
      await browserLanguage;
      if (e.status !== 401) {
        const message = e.status === 0 ? t('api.unreachable') : e.message;
        clear(this.root).appendChild(el('main', { class: 'login-page' }, errorBox(message, this.options.errorTestid)));
        return;
      }
      agent = await signInForm(this.root, this.options.signInSubtitle);
    }
    await setLanguage(agent.language);
    this.agent = agent;
    if (this.hooks.admit && !this.hooks.admit(agent)) return;
    this.ready = true;
    this.router.route();
    if (this.hooks.started) this.hooks.started();
  }

  /**
   * Replaces the page with the top bar and `main`; returns `main`.
   * @template {HTMLElement} M
   * @param {'tickets' | 'admin'} current the top bar's active link
   * @param {M} main
   * @returns {M}
   */
  layout(current, main) {
    if (!main.id) main.id = 'main'; // the skip link's target
    append(clear(this.root), topBar(/** @type {Api.Agent} */ (this.agent), current), main);
    return main;
  }

  /**
   * Whether `seq` is still the current render.
   * @param {number} seq
   */
  live(seq) {
    return this.router.live(seq);
  }
}
