// Users (admins): list, create a manager or a driver (with the driver record, in one form) with a
// temporary password that must be changed, deactivate, reset a password.
import { api } from '../api.js';
import { clear, field, formValues, h, main, notice, table } from '../dom.js';
import { enumValues } from '../enums.js';
import { t } from '../i18n.js';
import { filterForm, pageOf, pager, selectFilter } from '../lists.js';
import { licenceFields } from './drivers.js';

/** A readable temporary password (16 characters, no look-alikes), made in the browser. */
function temporaryPassword() {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789';
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function passwordField(name) {
  const input = h('input', {
    name,
    required: true,
    minlength: '12',
    maxlength: '128',
    value: temporaryPassword(),
    autocomplete: 'off',
    spellcheck: 'false',
  });
  return field(t('user.temporary_password'), input, t('user.temporary_hint'));
}

export async function renderUsers(ctx) {
  const { query } = ctx;
  const root = main();
  const page = await api('/users', { query: { role: query.role, ...pageOf(query) } });
  const filters = filterForm(ctx, {
    id: 'user-filters',
    fields: [selectFilter(query, 'role', t('user.role'), enumValues('Role'), { label: (r) => t(`role.${r}`) })],
  });
  clear(
    root,
    h(
      'div',
      { class: 'title-row' },
      h('h1', { text: t('nav.users') }),
      h('a', { class: 'button', href: '#/users/new', text: t('user.new') }),
    ),
    filters,
    table(
      [
        { label: t('user.name'), cell: (u) => h('a', { href: `#/users/${u.id}`, text: u.name }) },
        { label: t('user.email'), cell: (u) => u.email },
        { label: t('user.role'), cell: (u) => t(`role.${u.role}`) },
        {
          label: t('user.active'),
          cell: (u) =>
            u.is_active ? t('common.yes') : h('span', { class: 'badge status-retired', text: t('user.inactive') }),
        },
        { label: t('user.must_change'), cell: (u) => (u.must_change_password ? t('common.yes') : t('common.no')) },
      ],
      page.items,
      (u) => `#/users/${u.id}`,
    ),
    pager(ctx, page),
  );
}

/** A new login; for a driver, the driver record (CNH) in the same form. */
export async function renderUserForm() {
  const root = main();
  const status = h('div', { class: 'status-area' });
  const driverFields = h(
    'fieldset',
    { id: 'driver-fields' },
    h('legend', { text: t('user.driver_record') }),
    licenceFields(null, { required: false }),
  );
  const role = h(
    'select',
    { name: 'role' },
    // A new login is a driver unless chosen otherwise (the server lists the roles admin first).
    enumValues('Role').map((r) => h('option', { value: r, text: t(`role.${r}`), selected: r === 'driver' })),
  );
  const form = h(
    'form',
    { class: 'card', id: 'user-form' },
    h('h1', { text: t('user.new') }),
    status,
    field(t('user.name'), h('input', { name: 'name', required: true, maxlength: '120' })),
    field(t('user.email'), h('input', { name: 'email', type: 'email', required: true, maxlength: '254' })),
    field(t('user.role'), role),
    passwordField('password'),
    driverFields,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', text: t('common.save') }),
      h('a', { class: 'button secondary', href: '#/users', text: t('common.cancel') }),
    ),
  );
  const showDriverFields = () => {
    const isDriver = role.value === 'driver';
    driverFields.hidden = !isDriver;
    for (const input of driverFields.querySelectorAll('input')) input.required = isDriver;
  };
  role.addEventListener('change', showDriverFields);
  showDriverFields();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    let user = null;
    try {
      user = await api('/users', {
        method: 'POST',
        json: {
          name: v.name,
          email: v.email,
          role: v.role,
          password: v.password,
          must_change_password: true,
        },
      });
      if (v.role === 'driver') {
        await api('/drivers', {
          method: 'POST',
          json: {
            name: v.name,
            license_number: v.license_number,
            license_category: v.license_category,
            license_expiry: v.license_expiry,
            user_id: user.id,
          },
        });
      }
      location.hash = `#/users/${user.id}?created=1`;
    } catch (err) {
      // The login exists even when its driver record was refused: fix it from the drivers screen.
      clear(status, notice(user ? `${t('user.driver_failed')} ${err.detail}` : err.detail));
    }
  });
  clear(root, form);
}

/** One user: name, role, deactivate; a new temporary password. */
export async function renderUser({ me, params, query }) {
  const root = main();
  const id = Number(params[0]);
  const user = await api(`/users/${id}`);
  const status = h('div', { class: 'status-area' }, query.created ? notice(t('user.created'), 'info') : null);
  const form = h(
    'form',
    { class: 'card', id: 'user-edit' },
    h('h1', { text: `${user.name} <${user.email}>` }),
    status,
    field(t('user.name'), h('input', { name: 'name', required: true, maxlength: '120', value: user.name })),
    field(
      t('user.role'),
      h(
        'select',
        { name: 'role', disabled: user.id === me.id },
        enumValues('Role').map((r) => h('option', { value: r, text: t(`role.${r}`), selected: user.role === r })),
      ),
    ),
    h(
      'label',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'is_active', checked: user.is_active, disabled: user.id === me.id }),
      t('user.active'),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', text: t('common.save') }),
      h('a', { class: 'button secondary', href: '#/users', text: t('common.back') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const changes = Object.fromEntries(
      Object.entries({ name: v.name, role: v.role, is_active: v.is_active }).filter(
        ([k, value]) => value !== undefined && value !== user[k] && !(user.id === me.id && k !== 'name'),
      ),
    );
    try {
      Object.assign(user, await api(`/users/${id}`, { method: 'PATCH', json: changes }));
      clear(status, notice(t('common.saved'), 'info'));
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  const resetStatus = h('div', { class: 'status-area' });
  const reset = h(
    'form',
    { class: 'card', id: 'password-reset' },
    h('h2', { text: t('user.reset') }),
    resetStatus,
    passwordField('password'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('user.reset') })),
  );
  reset.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api(`/users/${id}`, {
        method: 'PATCH',
        json: { password: formValues(reset).password, must_change_password: true },
      });
      clear(resetStatus, notice(t('user.reset_done'), 'info'));
    } catch (err) {
      clear(resetStatus, notice(err.detail));
    }
  });
  clear(root, form, user.id === me.id ? null : reset);
}
