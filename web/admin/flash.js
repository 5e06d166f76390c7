// @ts-check
/* What the next render of a plugin page confirms after it repaints (e.g.
 * "✓ Saved" beside the button that saved), since saving renders the page anew.
 */

/** @type {string | null} */
let flash = null;

/**
 * Sets what the next render confirms (null: nothing).
 * @param {string | null} key e.g. 'config-saved', 'installed', 'api-key-saved-NAME'
 */
export function setFlash(key) {
  flash = key;
}

/**
 * Whether the next render confirms `key`; it confirms it once.
 * @param {string} key
 * @returns {boolean}
 */
export function takeFlash(key) {
  if (flash !== key) return false;
  flash = null;
  return true;
}

/**
 * Whether the browser just came back from connecting plugin `id` through
 * OAuth: the server's result page leaves a short-lived cookie naming the
 * plugin (deskpane_connected, Path=/admin). It confirms it once: the
 * cookie is cleared here.
 * @param {string} id
 * @returns {boolean}
 */
export function takeConnected(id) {
  const entry = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('deskpane_connected='));
  if (!entry) return false;
  const value = decodeURIComponent(entry.slice('deskpane_connected='.length));
  if (value !== id) return false;
  document.cookie = 'deskpane_connected=; Path=/admin; Max-Age=0; SameSite=Lax';
  return true;
}
