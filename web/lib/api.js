// @ts-check
/* Calls to Deskpane's JSON API: one fetch wrapper that sends the session
 * cookie (or a Bearer token on the embed page) and turns refusals into
 * ApiError with the server's sentence.
 */
import { serverText, t } from './i18n.js';

/** A refused or failed API call: the HTTP status (0 = unreachable) and the server's sentence. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {any} [body] the parsed JSON answer, if any
   */
  constructor(status, message, body) {
    super(message);
    this.status = status;
    /** @type {Record<string, any>} */
    this.body = body || {};
    /** @type {Api.FieldError[]} */
    this.fields = (body && body.fields) || [];
  }
}

/** @type {string | null} */
let bearerToken = null;

/**
 * Sends API calls with this token instead of the session cookie (embed page).
 * @param {string | null | undefined} token
 */
export function setToken(token) { bearerToken = token || null; }

/**
 * What to say when the server gave no sentence of its own.
 * @param {number} status
 * @returns {string}
 */
function statusSentence(status) {
  switch (status) {
    case 401: return t('api.notSignedIn');
    case 403: return t('api.forbidden');
    case 404: return t('api.notFound');
    case 502: return t('api.badGateway');
    default: return t('api.status', { status: String(status) });
  }
}

/**
 * Fetches JSON; resolves with the parsed answer (null for an empty one) and
 * throws ApiError with the server's `error` sentence when it refuses.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body] sent as JSON, or as is when it is FormData
 * @param {{signal?: AbortSignal}} [options]
 * @returns {Promise<any>}
 */
export async function api(method, path, body, options) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  /** @type {RequestInit} */
  const init = { method, headers, credentials: 'same-origin' };
  if (bearerToken) headers.Authorization = 'Bearer ' + bearerToken;
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  if (options && options.signal) init.signal = options.signal;
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, t('api.unreachable'));
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (!response.ok) {
    // A sentence with a code is shown in the agent's language.
    const message = data && typeof data.error === 'string' && data.error ? serverText(data, data.error) : statusSentence(response.status);
    throw new ApiError(response.status, message, data);
  }
  return data;
}

/**
 * An error for a form: the sentence, then one line per refused field.
 * @param {{message: string, fields?: Api.FieldError[]}} e
 * @returns {string}
 */
export function formError(e) {
  const lines = [e.message];
  for (const f of e.fields || []) {
    // A coded problem reads in the agent's language, else the server's words.
    const problem = f.code ? serverText({ code: 'field.' + f.code, params: f.params }, f.message || '') : (f.message || '');
    lines.push((f.field ? f.field + ': ' : '') + problem);
  }
  return lines.join('\n');
}
