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
