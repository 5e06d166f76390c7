// @ts-check
/* Formatting dates, amounts, durations, sizes and initials for display. */

/**
 * A date and time in the browser's locale ("Mar 4, 2025, 09:30 AM"); '' for nothing.
 * @param {string | number | Date | null | undefined} value
 * @returns {string}
 */
export function formatDateTime(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/**
 * A date ("Mar 4, 2025"); a "YYYY-MM-DD" day is read as a local date.
 * @param {string | null | undefined} value
 * @returns {string}
 */
export function formatDate(value) {
  if (!value) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
  if (!m) return formatDateTime(value);
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/**
 * An amount with up to two decimals and its currency ("1,200.5 EUR"); '' for nothing.
 * @param {number | string | null | undefined} amount
 * @param {string | null} [currency]
 * @returns {string}
 */
export function formatAmount(amount, currency) {
  if (amount === null || amount === undefined || amount === '') return '';
  const n = Number(amount);
  if (!Number.isFinite(n)) return [String(amount), currency].filter(Boolean).join(' ');
  const text = n.toLocaleString(undefined, { minimumFractionDigits: 0, maximumFractionDigits: 2 });
  return currency ? text + ' ' + currency : text;
}

/**
 * Two letters for an avatar: "Ada Lovelace" -> "AL", "zoho" -> "ZO".
 * @param {string | null | undefined} name
 * @returns {string}
 */
export function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] || '?').slice(0, 2);
  return letters.toUpperCase();
}

/**
 * 300 -> "300 ms", 5000 -> "5 s", 1500 -> "1.5 s".
 * @param {number | string} ms
 * @returns {string}
 */
export function formatMs(ms) {
  const n = Number(ms);
  if (!Number.isFinite(n)) return String(ms);
  return n < 1000 ? n + ' ms' : (n / 1000).toLocaleString('en-US', { maximumFractionDigits: 2 }) + ' s';
}

/**
 * 65536 -> "64 KiB", 8388608 -> "8 MiB".
 * @param {number | string} bytes
 * @returns {string}
 */
export function formatBytes(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n)) return String(bytes);
  /** @type {[string, number][]} */
  const units = [['GiB', 1 << 30], ['MiB', 1 << 20], ['KiB', 1 << 10]];
  for (const [unit, size] of units) {
    if (n >= size) return (n / size).toLocaleString('en-US', { maximumFractionDigits: 1 }) + ' ' + unit;
  }
  return n + ' bytes';
}

