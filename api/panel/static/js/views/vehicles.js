// Vehicles: searchable, paginated list; detail with trips and photos; create, edit, retire.
import { api, byIds, isFleet } from '../api.js';
import {
  add,
  clear,
  field,
  fmtDateTime,
  fmtKm,
  fmtNumber,
  formValues,
  h,
  main,
  notice,
  statusBadge,
  table,
} from '../dom.js';
import { enumValues } from '../enums.js';
import { t } from '../i18n.js';
import { filterForm, inputFilter, pageOf, pager, pick, selectFilter } from '../lists.js';
import { severityBadge } from './defects.js';
import { photoGallery, photoUploadForm } from './photos.js';

export async function renderVehicles(ctx) {
  const { me, query } = ctx;
  const root = main();
  const page = await api('/vehicles', { query: { ...pick(query, ['q', 'status']), ...pageOf(query) } });
  const search = filterForm(ctx, {
    id: 'vehicle-filters',
    fields: [
      inputFilter(query, 'q', t('common.search'), { type: 'search', placeholder: t('vehicle.search') }),
      selectFilter(query, 'status', t('vehicle.status'), enumValues('VehicleStatus'), {
        label: (s) => t(`status.${s}`),
      }),
    ],
    autoSubmit: ['status'],
  });
  clear(
    root,
    h(
      'div',
      { class: 'title-row' },
      h('h1', { text: t('nav.vehicles') }),
      isFleet(me) ? h('a', { class: 'button', href: '#/vehicles/new', text: t('vehicle.new') }) : null,
    ),
    search,
    table(
      [
        {
          label: t('vehicle.plate'),
          cell: (v) => h('a', { href: `#/vehicles/${v.id}`, class: 'plate', text: v.plate }),
        },
        { label: t('vehicle.model'), cell: (v) => `${v.make} ${v.model}` },
        { label: t('vehicle.year'), cell: (v) => String(v.year) },
        { label: t('vehicle.odometer'), cell: (v) => fmtKm(v.odometer_km) },
        { label: t('vehicle.status'), cell: (v) => statusBadge(v.status) },
      ],
      page.items,
      (v) => `#/vehicles/${v.id}`,
    ),
    pager(ctx, page),
  );
}

export async function renderVehicle({ me, params, query }) {
  const root = main();
  const id = Number(params[0]);
  const [vehicle, defects] = await Promise.all([
    api(`/vehicles/${id}`),
    api('/defects', { query: { vehicle_id: id, unresolved: true, limit: 20 } }),
  ]);
  const status = h('div', { class: 'status-area' }, query.retired ? notice(t('vehicle.retired'), 'info') : null);
  const openDefects = defects.items.length
    ? h(
        'section',
        { class: 'card', id: 'vehicle-defects' },
        h('h2', { text: t('defect.title') }),
        h(
          'ul',
          {},
          defects.items.map((d) => h('li', {}, severityBadge(d.severity), ` #${d.id} ${d.description}`)),
        ),
      )
    : null;
  const actions = h('div', { class: 'actions' });
  if (isFleet(me)) {
    add(actions, h('a', { class: 'button secondary', href: `#/vehicles/${id}/edit`, text: t('common.edit') }));
    if (vehicle.status !== 'retired') {
      add(
        actions,
        h('button', {
          type: 'button',
          class: 'danger',
          text: t('vehicle.retire'),
          on: { click: () => retire(vehicle, status) },
        }),
      );
    }
  }
  const trips = h('section', { class: 'card' }, h('h2', { text: t('vehicle.trips') }));
  const photos = h('section', { class: 'card' }, h('h2', { text: t('photos.title') }));
  clear(
    root,
    h('a', { href: '#/vehicles', class: 'back', text: t('common.back') }),
    h(
      'div',
      { class: 'title-row' },
      h('h1', {}, h('span', { class: 'plate', text: vehicle.plate }), ' ', statusBadge(vehicle.status)),
      actions,
    ),
    status,
    h(
      'dl',
      { class: 'facts card' },
      fact(t('vehicle.make'), vehicle.make),
      fact(t('vehicle.model'), vehicle.model),
      fact(t('vehicle.year'), String(vehicle.year)),
      fact(t('vehicle.odometer'), fmtKm(vehicle.odometer_km)),
    ),
    openDefects,
    me.role === 'driver' && vehicle.status === 'available' ? checkOutForm(vehicle) : null,
    trips,
    photos,
  );
  const [, gallery] = await Promise.all([vehicleTrips(me, id, trips), photoGallery(photos, { vehicle_id: id }, me)]);
  // Managers add photos to the vehicle itself (drivers do from their open trip).
  if (isFleet(me)) add(root, photoUploadForm({ vehicleId: id, onUploaded: () => gallery.reload() }));
}

function fact(label, value) {
  return h('div', {}, h('dt', { text: label }), h('dd', {}, value));
}

async function vehicleTrips(me, vehicleId, section) {
  try {
    const page = await api('/trips', { query: { vehicle_id: vehicleId, limit: 10 } });
    const drivers = isFleet(me)
      ? await byIds(
          'drivers',
          page.items.map((trip) => trip.driver_id),
        )
      : {};
    add(
      section,
      page.items.length
        ? table(
            [
              {
                label: t('trip.started'),
                cell: (trip) => h('a', { href: `#/trips/${trip.id}`, text: fmtDateTime(trip.started_at) }),
              },
              {
                label: t('trip.driver'),
                cell: (trip) => drivers[trip.driver_id]?.name ?? (isFleet(me) ? `#${trip.driver_id}` : t('trip.me')),
              },
              {
                label: t('trip.finished'),
                cell: (trip) =>
                  trip.finished_at
                    ? fmtDateTime(trip.finished_at)
                    : h('span', { class: 'badge status-in_use', text: t('trip.state.open') }),
              },
              {
                label: t('trip.distance'),
                cell: (trip) =>
                  trip.end_odometer_km === null ? '—' : fmtKm(trip.end_odometer_km - trip.start_odometer_km),
              },
            ],
            page.items,
            (trip) => `#/trips/${trip.id}`,
          )
        : h('p', { class: 'muted', text: t('common.empty') }),
      page.total > page.items.length
        ? h(
            'p',
            {},
            h('a', {
              href: `#/trips?vehicle_id=${vehicleId}`,
              text: `${t('vehicle.all_trips')} (${fmtNumber(page.total)})`,
            }),
          )
        : null,
    );
  } catch (err) {
    add(section, notice(err.detail));
  }
}

async function retire(vehicle, status) {
  if (!window.confirm(t('vehicle.retire_confirm', { plate: vehicle.plate }))) return;
  try {
    const kept = await api(`/vehicles/${vehicle.id}`, { method: 'DELETE' });
    if (kept === null) {
      location.hash = '#/vehicles';
      return;
    }
    location.hash = `#/vehicles/${vehicle.id}?retired=1`;
  } catch (err) {
    clear(status, notice(err.detail));
  }
}

function checkOutForm(vehicle) {
  const status = h('div', { class: 'status-area' });
  const confirmBox = h(
    'label',
    { class: 'check', hidden: true },
    h('input', { type: 'checkbox', name: 'confirm' }),
    t('trip.confirm'),
  );
  const form = h(
    'form',
    { class: 'card', id: 'checkout-form' },
    h('h2', { text: t('vehicle.checkout') }),
    status,
    field(
      t('trip.start_km'),
      h('input', {
        name: 'start_odometer_km',
        type: 'number',
        min: String(vehicle.odometer_km),
        value: String(vehicle.odometer_km),
        required: true,
        inputmode: 'numeric',
      }),
    ),
    field(t('trip.purpose'), h('input', { name: 'purpose', maxlength: '500' })),
    confirmBox,
    h('button', { type: 'submit', text: t('vehicle.checkout') }),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    try {
      const trip = await api('/trips', {
        method: 'POST',
        json: {
          vehicle_id: vehicle.id,
          start_odometer_km: Number(values.start_odometer_km),
          purpose: values.purpose || null,
          confirm: values.confirm,
        },
      });
      location.hash = `#/trips/${trip.id}?checked_out=1`;
    } catch (err) {
      if (err.detail.includes('confirm')) confirmBox.hidden = false;
      clear(status, notice(err.detail));
    }
  });
  return form;
}

export async function renderVehicleForm({ me, params }) {
  const root = main();
  if (!isFleet(me)) throw Object.assign(new Error('403'), { status: 403, detail: '403' });
  const id = params[0] ? Number(params[0]) : null;
  const vehicle = id ? await api(`/vehicles/${id}`) : null;
  const status = h('div', { class: 'status-area' });
  const statusOptions = enumValues('VehicleStatus').filter((s) => s !== 'in_use' || vehicle?.status === 'in_use');
  const form = h(
    'form',
    { class: 'card', id: 'vehicle-form' },
    h('h1', { text: id ? `${t('vehicle.edit')} ${vehicle.plate}` : t('vehicle.new') }),
    status,
    field(
      t('vehicle.plate'),
      h('input', {
        name: 'plate',
        required: true,
        maxlength: '20',
        value: vehicle?.plate ?? '',
        autocapitalize: 'characters',
        placeholder: 'ABC1D23',
      }),
    ),
    field(t('vehicle.make'), h('input', { name: 'make', required: true, maxlength: '60', value: vehicle?.make ?? '' })),
    field(
      t('vehicle.model'),
      h('input', { name: 'model', required: true, maxlength: '60', value: vehicle?.model ?? '' }),
    ),
    field(
      t('vehicle.year'),
      h('input', {
        name: 'year',
        type: 'number',
        required: true,
        min: '1950',
        max: String(new Date().getFullYear() + 1),
        value: String(vehicle?.year ?? new Date().getFullYear()),
      }),
    ),
    field(
      t('vehicle.odometer'),
      h('input', {
        name: 'odometer_km',
        type: 'number',
        min: String(vehicle?.odometer_km ?? 0),
        value: String(vehicle?.odometer_km ?? 0),
        inputmode: 'numeric',
      }),
    ),
    field(
      t('vehicle.status'),
      h(
        'select',
        { name: 'status' },
        statusOptions.map((s) =>
          h('option', { value: s, text: t(`status.${s}`), selected: (vehicle?.status ?? 'available') === s }),
        ),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', text: t('common.save') }),
      h('a', { class: 'button secondary', href: id ? `#/vehicles/${id}` : '#/vehicles', text: t('common.cancel') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    const data = { ...values, year: Number(values.year), odometer_km: Number(values.odometer_km || 0) };
    let body = data;
    if (vehicle) body = Object.fromEntries(Object.entries(data).filter(([k, v]) => v !== vehicle[k]));
    try {
      const saved = vehicle
        ? await api(`/vehicles/${id}`, { method: 'PATCH', json: body })
        : await api('/vehicles', { method: 'POST', json: body });
      location.hash = `#/vehicles/${saved.id}`;
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  clear(root, form);
}
