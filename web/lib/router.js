// @ts-check
/* Hash routing shared by the agent app and the admin console.
 *
 * Every render gets a sequence number; a render that awaits the server
 * checks `router.live(seq)` before it paints, so a page the user already
 * left never paints over the current one.
 */

/** Renders the page the address shows; `seq` identifies this render. */
export class Router {
  constructor() {
    /** The sequence number of the current render. */
    this.seq = 0;
    /** @type {(seq: number) => unknown} */
    this.render = () => undefined;
  }

  /**
   * Sets what renders a page, and routes on every hash change while `active()`.
   * @param {(seq: number) => unknown} render
   * @param {() => boolean} active
   */
  listen(render, active) {
    this.render = render;
    window.addEventListener('hashchange', () => { if (active()) this.route(); });
  }

  /** Renders the page of the current address. */
  route() {
    return this.render(this.next());
  }

  /**
   * Starts a new render outside route() (e.g. a page repainting itself);
   * every older render stops being live.
   * @returns {number}
   */
  next() {
    return ++this.seq;
  }

  /**
   * Whether `seq` is still the current render.
   * @param {number} seq
   * @returns {boolean}
   */
  live(seq) {
    return seq === this.seq;
  }
}

/** The address's hash without '#'. */
export function currentHash() {
  return location.hash.replace(/^#/, '');
}

/**
 * A path-style hash ("#/tickets/42?order=x"): its parts and query.
 * @param {string} fallback the path when the hash is empty
 * @returns {{parts: string[], params: URLSearchParams}}
 */
export function hashPath(fallback) {
  const hash = currentHash() || fallback;
  const [path, query] = hash.split('?');
  return { parts: path.split('/').filter(Boolean), params: new URLSearchParams(query || '') };
}
