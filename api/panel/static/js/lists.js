// A list view's filters and pages, written once: they live in the hash query (so that Back and
// a shared link work), the filter form sets them, the pager moves the offset.
import { downloadCsv } from './api.js';
import { clear, field, fmtNumber, formValues, h, notice, vehicleOptions } from './dom.js';
import { t } from './i18n.js';

const PAGE = 50;

/** The page of the hash query as the API's `limit` and `offset`. */
export const pageOf = (query, limit = PAGE) => ({ limit, offset: Number(query.offset || 0) });

/** The hash query's values of `names`: the filters a list passes to the API as they are. */
export const pick = (query, names) => Object.fromEntries(names.map((name) => [name, query[name]]));

/** The pager under a list: "1–50 of 300" and buttons that move the offset (the filters stay). */
export function pager({ query, setQuery }, page) {
  if (!page.total) return h('p', { class: 'muted', text: t('common.empty') });
  const go = (offset) => setQuery({ ...query, offset: offset || '' });
  const from = page.offset + 1;
  const to = page.offset + page.items.length;
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'pagination' },
    h('button', {
      type: 'button',
      class: 'secondary',
      disabled: !page.previous,
      text: t('common.previous'),
      on: { click: () => go(Math.max(page.offset - page.limit, 0)) },
    }),
    h('span', {
      class: 'muted',
      text: t('common.of', { from: fmtNumber(from), to: fmtNumber(to), total: fmtNumber(page.total) }),
    }),
    h('button', {
      type: 'button',
      class: 'secondary',
      disabled: !page.next,
      text: t('common.next'),
      on: { click: () => go(page.offset + page.limit) },
    }),
  );
}

/**
 * A `<select>` filter: "all" (unless `all: false`), then `values` shown as `label(value)`; the
 * one in `query` selected.
 */
export function selectFilter(query, name, title, values, { label = String, all = true } = {}) {
  return field(
    title,
    h(
      'select',
      { name },
      all ? h('option', { value: '', text: t('common.all') }) : null,
      values.map((value) => h('option', { value, text: label(value), selected: query[name] === value })),
    ),
  );
}

/** An `<input>` filter holding the hash query's value (`attrs`: type, placeholder…). */
export function inputFilter(query, name, title, attrs = {}) {
  return field(title, h('input', { name, value: query[name] || '', ...attrs }));
}

/** A filter by vehicle: "all", then the fleet's vehicles (`fleetVehicles().items`). */
export function vehicleFilter(query, vehicles) {
  return field(
    t('fuel.vehicle'),
    h('select', { name: 'vehicle_id' }, vehicleOptions(vehicles, query.vehicle_id, t('common.all'))),
  );
}

/** A checkbox filter, checked when the hash query has it (`name=1`). */
export function checkFilter(query, name, title) {
  return h('label', { class: 'check' }, h('input', { type: 'checkbox', name, checked: Boolean(query[name]) }), title);
}

/** The button that saves the list as CSV with the filters it shows (`?format=csv`). */
export function csvButton(path, filters, id) {
  return h('button', {
    type: 'button',
    class: 'secondary',
    id,
    text: t('due.csv'),
    on: { click: () => downloadCsv(path, filters) },
  });
}

/**
 * A list's filter form: `fields`, the search button, then `buttons`. Submitting it makes its
 * values the whole hash query (so the list starts again from its first page; a checked box is
 * `1`), after `toQuery(values)` when given (it may be async; what it throws is shown in
 * `status`). The fields named in `autoSubmit` submit the form as soon as they change.
 */
export function filterForm(
  { setQuery },
  { id, fields, buttons = [], submitText = t('common.search'), toQuery, autoSubmit = [], status },
) {
  const form = h(
    'form',
    { class: 'filters', role: 'search', id },
    fields,
    h('button', { type: 'submit', text: submitText }),
    buttons,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = Object.fromEntries(
      Object.entries(formValues(form)).map(([name, value]) => [name, value === true ? '1' : value]),
    );
    try {
      setQuery(toQuery ? await toQuery(values) : values);
    } catch (err) {
      if (!status) throw err;
      clear(status, notice(err.detail || err.message));
    }
  });
  for (const name of autoSubmit) form.elements[name].addEventListener('change', () => form.requestSubmit());
  return form;
}
