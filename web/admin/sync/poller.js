// @ts-check
/* Keeps the sync page current: polls the overview every second while a
 * sync runs (or is expected to start), else every 5 s, and reloads the
 * history and failures when a run ends or something changed.
 */
import { api } from '../../lib/api.js';
import { app } from '../app.js';

/**
 * @typedef {object} Poller
 * @property {() => void} start polls from now on
 * @property {() => void} expectRun polls fast for a few seconds (a sync should start)
 * @property {() => Promise<void>} reload reloads the history and failures and repaints
 */

/**
 * @param {SyncUI.Context} ctx
 * @param {() => void} paintTables repaints the history and failure tables
 * @returns {Poller}
 */
export function createPoller(ctx, paintTables) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let fastUntil = 0;
  let wasRunning = !!(ctx.overview.progress && ctx.overview.progress.running);
  /** What the last overview said, to notice changes. */
  let lastSeen = seenOf(ctx.overview);

  /** @param {Api.SyncOverview} o */
  function seenOf(o) {
    return JSON.stringify([o.progress, o.modules, o.failures]);
  }

  /** @param {number} ms */
  function schedule(ms) {
    clearTimeout(timer);
    if (!ctx.live()) return;
    timer = setTimeout(poll, ms);
  }

  async function reload() {
    try {
      const [h, f] = await Promise.all([api('GET', ctx.base + '/history'), api('GET', ctx.base + '/failures')]);
      if (!ctx.live()) return;
      ctx.history = h.entries || [];
      ctx.failures = f.failures || [];
      paintTables();
      ctx.paintProgress();
    } catch (e) {
      if (e.status === 401) app.start();
    }
  }

  async function poll() {
    if (!ctx.live()) return;
    /** @type {Api.SyncOverview} */
    let o;
    try { o = await api('GET', ctx.base); } catch (e) {
      if (e.status === 401) { app.start(); return; }
      schedule(5000);
      return;
    }
    if (!ctx.live()) return;
    ctx.overview = o;
    ctx.settings = Object.assign({}, ctx.settings, { paused: o.settings.paused });
    const running = !!(o.progress && o.progress.running);
    const seen = seenOf(o);
    if (!running && (wasRunning || seen !== lastSeen)) await reload();
    lastSeen = seen;
    wasRunning = running;
    if (!ctx.live()) return;
    ctx.onSettings();
    schedule(running || Date.now() < fastUntil ? 1000 : 5000);
  }

  return {
    start: () => schedule(wasRunning ? 1000 : 5000),
    expectRun: () => { fastUntil = Date.now() + 4000; schedule(300); },
    reload,
  };
}
