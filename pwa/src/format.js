// Times in the dealer's time zone, money from fen, pressure in the unit the customer knows.
import { lang } from './i18n.js';

const TZ = 'Asia/Shanghai';

function fmt(options, zone) {
  return new Intl.DateTimeFormat(lang.get(), { timeZone: zone || TZ, ...options });
}

export function time(iso, zone) {
  return iso ? fmt({ hour: '2-digit', minute: '2-digit', hour12: false }, zone).format(new Date(iso)) : '';
}

export function day(iso, zone) {
  return iso ? fmt({ month: 'short', day: 'numeric', weekday: 'short' }, zone).format(new Date(iso)) : '';
}

export function date(value) {
  if (!value) return '';
  const d = typeof value === 'string' && value.length === 10 ? new Date(`${value}T00:00:00+08:00`) : new Date(value);
  return fmt({ year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

// YYYY-MM-DD of an instant in a zone: for "is this today there".
export function localDay(iso, zone) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone || TZ }).format(new Date(iso));
  return parts;
}

export function yuan(fen) {
  return `¥${(Number(fen || 0) / 100).toFixed(2)}`;
}

export function toFen(text) {
  const value = Number(String(text).replace(/[^0-9.]/g, ''));
  return Number.isFinite(value) ? Math.round(value * 100) : 0;
}

export function bytes(n) {
  if (!n) return '0 B';
  const units = ['B', 'KB', 'MB', 'GB'];
  const i = Math.min(units.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
  return `${(n / 1024 ** i).toFixed(i ? 1 : 0)} ${units[i]}`;
}

// Calendar months added to a date (as DOMAIN.md counts them), as YYYY-MM-DD.
export function addMonths(isoDate, months) {
  const [y, m, d] = isoDate.slice(0, 10).split('-').map(Number);
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return target.toISOString().slice(0, 10);
}
