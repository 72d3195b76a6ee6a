// Drivers: list with licence expiry highlighting, create and edit, link to a `driver` login.
import { api, byIds } from '../api.js';
import { add, clear, daysUntil, field, fmtDate, formValues, h, main, notice, table } from '../dom.js';
import { t } from '../i18n.js';
import { checkFilter, filterForm, inputFilter, pageOf, pager } from '../lists.js';

const CATEGORIES = ['A', 'B', 'C', 'D', 'E', 'AB', 'AC', 'AD', 'AE'];
export const EXPIRY_WARNING_DAYS = 30;

/** The licence expiry date with a highlight: red when expired, amber within 30 days. */
export function expiryCell(isoDate) {
  const days = daysUntil(isoDate);
  if (days < 0)
    return h(
      'span',
      { class: 'expiry expired' },
      fmtDate(isoDate),
      ' ',
      h('small', { text: `(${t('driver.expired')})` }),
    );
  if (days <= EXPIRY_WARNING_DAYS) {
    return h(
      'span',
      { class: 'expiry soon' },
      fmtDate(isoDate),
      ' ',
      h('small', { text: `(${t('driver.expires_in', { n: days })})` }),
    );
  }
  return h('span', { class: 'expiry' }, fmtDate(isoDate));
}

export async function renderDrivers(ctx) {
  const { query } = ctx;
  const root = main();
  const page = await api('/drivers', {
    query: {
      q: query.q,
      license_expiring_within_days: query.expiring ? EXPIRY_WARNING_DAYS : undefined,
      ...pageOf(query),
    },
  });
  const logins = await byIds(
    'drivers/logins',
    page.items.map((d) => d.user_id),
  );
  const search = filterForm(ctx, {
    id: 'driver-filters',
    fields: [
      inputFilter(query, 'q', t('common.search'), { type: 'search', placeholder: t('driver.search') }),
      checkFilter(query, 'expiring', t('driver.expiring_only')),
    ],
    autoSubmit: ['expiring'],
  });
  clear(
    root,
    h(
      'div',
      { class: 'title-row' },
      h('h1', { text: t('nav.drivers') }),
      h('a', { class: 'button', href: '#/drivers/new', text: t('driver.new') }),
    ),
    search,
    table(
      [
        { label: t('driver.name'), cell: (d) => h('a', { href: `#/drivers/${d.id}/edit`, text: d.name }) },
        { label: t('driver.license_number'), cell: (d) => `${d.license_number} · ${d.license_category}` },
        { label: t('driver.expiry'), cell: (d) => expiryCell(d.license_expiry) },
        {
          label: t('driver.login'),
          cell: (d) =>
            d.user_id
              ? (logins[d.user_id]?.email ?? `#${d.user_id}`)
              : h('span', { class: 'muted', text: t('driver.no_login') }),
        },
        {
          label: t('driver.active'),
          cell: (d) =>
            d.is_active ? t('common.yes') : h('span', { class: 'badge status-retired', text: t('driver.inactive') }),
        },
        { label: t('nav.trips'), cell: (d) => h('a', { href: `#/trips?driver_id=${d.id}`, text: t('nav.trips') }) },
      ],
      page.items,
      (d) => `#/drivers/${d.id}/edit`,
    ),
    pager(ctx, page),
  );
}

/**
 * The `driver` login to link: a list of the logins no driver uses yet (plus the current one),
 * narrowed by a search when there are many.
 */
async function loginInput(driver) {
  const select = h('select', { name: 'user_id' });
  const search = h('input', {
    type: 'search',
    placeholder: t('driver.login_search'),
    'aria-label': t('driver.login_search'),
  });
  let current = null;
  if (driver?.user_id) {
    const page = await api('/drivers/logins', { query: { id: driver.user_id } });
    current = page.items[0] ?? { id: driver.user_id, name: `#${driver.user_id}`, email: '' };
  }
  const label = (login) => (login.email ? `${login.name} <${login.email}>` : login.name);
  async function load() {
    const page = await api('/drivers/logins', { query: { unlinked: true, q: search.value.trim(), limit: 200 } });
    const logins = current ? [current, ...page.items.filter((l) => l.id !== current.id)] : page.items;
    clear(
      select,
      h('option', { value: '', text: t('driver.no_login') }),
      logins.map((login) =>
        h('option', { value: String(login.id), text: label(login), selected: login.id === driver?.user_id }),
      ),
    );
  }
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => load().catch(() => {}), 300);
  });
  await load();
  return h(
    'div',
    { class: 'field' },
    h('span', { text: t('driver.login') }),
    search,
    select,
    h('small', { text: t('driver.login_hint') }),
  );
}

/** The CNH's fields (number, category, expiry) of a driver's form; `driver` fills them in. */
export function licenceFields(driver, { required = true } = {}) {
  return [
    field(
      t('driver.license_number'),
      h('input', {
        name: 'license_number',
        required,
        maxlength: '20',
        inputmode: 'numeric',
        value: driver?.license_number ?? '',
        placeholder: '12345678901',
      }),
    ),
    field(
      t('driver.category'),
      h(
        'select',
        { name: 'license_category' },
        CATEGORIES.map((c) => h('option', { value: c, text: c, selected: (driver?.license_category ?? 'B') === c })),
      ),
    ),
    field(
      t('driver.expiry'),
      h('input', { name: 'license_expiry', type: 'date', required, value: driver?.license_expiry ?? '' }),
    ),
  ];
}

export async function renderDriverForm({ params }) {
  const root = main();
  const id = params[0] ? Number(params[0]) : null;
  const driver = id ? await api(`/drivers/${id}`) : null;
  const status = h('div', { class: 'status-area' });
  const form = h(
    'form',
    { class: 'card', id: 'driver-form' },
    h('h1', { text: id ? `${t('driver.edit')}: ${driver.name}` : t('driver.new') }),
    status,
    field(t('driver.name'), h('input', { name: 'name', required: true, maxlength: '120', value: driver?.name ?? '' })),
    licenceFields(driver),
    await loginInput(driver),
    driver
      ? h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', name: 'is_active', checked: driver.is_active }),
          t('driver.active'),
        )
      : null,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', text: t('common.save') }),
      h('a', { class: 'button secondary', href: '#/drivers', text: t('common.cancel') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    const data = { ...values, user_id: values.user_id ? Number(values.user_id) : null };
    let body = data;
    if (driver) body = Object.fromEntries(Object.entries(data).filter(([k, v]) => v !== driver[k]));
    try {
      if (driver) await api(`/drivers/${id}`, { method: 'PATCH', json: body });
      else await api('/drivers', { method: 'POST', json: body });
      location.hash = '#/drivers';
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  if (driver) {
    add(form, h('p', {}, h('a', { href: `#/trips?driver_id=${driver.id}`, text: t('nav.trips') })));
  }
  clear(root, form);
}
