// Building DOM nodes from data: API text is only ever set as text, never parsed as markup.
import { locale, t } from './i18n.js';

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name === 'on') for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let currentView = null;

/**
 * Where the current view renders: a fresh element per navigation, so that a slow view whose
 * user has already moved on renders into a detached element instead of over the new page.
 */
export function newView() {
  currentView = h('div', { class: 'view' });
  clear(document.getElementById('main'), currentView);
  return currentView;
}

export const main = () => currentView || newView();

/** `el.append` that skips null, undefined and false (the DOM would print "null"). */
export function add(el, ...children) {
  append(el, children);
  return el;
}

export function notice(message, kind = 'error') {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status', text: message });
}

/** A labelled form field; `input` is any element with a name. */
export function field(label, input, hint) {
  return h('label', { class: 'field' }, h('span', { text: label }), input, hint ? h('small', { text: hint }) : null);
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}`, text: t(`status.${status}`) });
}

const dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
const dateTimeFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' });
const numberFmt = new Intl.NumberFormat(locale);
const relativeFmt = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });

export const fmtNumber = (n) => (n === null || n === undefined ? '—' : numberFmt.format(n));
export const fmtKm = (n) => (n === null || n === undefined ? '—' : `${numberFmt.format(n)} km`);
export const fmtDateTime = (iso) => (iso ? dateTimeFmt.format(new Date(iso)) : '—');

/** A calendar date (`2030-01-31`) shown in the browser's locale, without a time-zone shift. */
export function fmtDate(isoDate) {
  if (!isoDate) return '—';
  const [y, m, d] = isoDate.split('-').map(Number);
  return dateFmt.format(new Date(y, m - 1, d));
}

export function daysUntil(isoDate) {
  const [y, m, d] = isoDate.split('-').map(Number);
  const today = new Date();
  const midnight = new Date(today.getFullYear(), today.getMonth(), today.getDate());
  return Math.round((new Date(y, m - 1, d) - midnight) / 86400000);
}

export function fmtAgo(iso) {
  const seconds = (new Date(iso) - Date.now()) / 1000;
  const units = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relativeFmt.format(Math.round(seconds / size), unit);
  }
  return relativeFmt.format(0, 'minute');
}

/** A responsive table: on a phone each row becomes a card, cells labelled by `data-label`. */
export function table(columns, rows, rowHref) {
  const head = h(
    'thead',
    {},
    h(
      'tr',
      {},
      columns.map((c) => h('th', { scope: 'col', text: c.label })),
    ),
  );
  const body = h(
    'tbody',
    {},
    rows.map((row) => {
      const tr = h(
        'tr',
        {},
        columns.map((c) => h('td', { 'data-label': c.label }, c.cell(row))),
      );
      if (rowHref) {
        tr.classList.add('clickable');
        tr.addEventListener('click', (ev) => {
          if (!ev.target.closest('a, button')) location.hash = rowHref(row);
        });
      }
      return tr;
    }),
  );
  return h('div', { class: 'table-wrap' }, h('table', { class: 'list' }, head, body));
}

/** Form values as an object of trimmed strings (checkboxes as booleans). */
export function formValues(form) {
  const values = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    values[el.name] = el.type === 'checkbox' ? el.checked : el.type === 'password' ? el.value : el.value.trim();
  }
  return values;
}

/** A local calendar day as the ISO instant of its midnight (`to` days are inclusive). */
export function dayStart(isoDate, plusDays = 0) {
  if (!isoDate) return undefined;
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
}

const moneyFmt = new Intl.NumberFormat(locale, { style: 'currency', currency: 'BRL' });
export const fmtMoney = (n) => (n === null || n === undefined ? '—' : moneyFmt.format(n));

/** A local calendar day `YYYY-MM-DD` (what `<input type=date>` holds). */
export function isoDay(date = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** `<select name>` of the fleet's vehicles (plate, make, model); `blank` adds an empty choice. */
export function vehicleOptions(vehicles, selected, blank) {
  return [
    blank ? h('option', { value: '', text: blank }) : null,
    vehicles.map((v) =>
      h('option', {
        value: String(v.id),
        text: `${v.plate} · ${v.make} ${v.model}`,
        selected: Number(selected) === v.id,
      }),
    ),
  ];
}
