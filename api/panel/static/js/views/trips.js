// Trips: list with filters (vehicle, driver, open/finished, date range) and detail with check-in.
import { api, byIds, isFleet, normalisePlate, vehicleByPlate } from '../api.js';
import { clear, dayStart, field, fmtDateTime, fmtKm, formValues, h, main, notice, table } from '../dom.js';
import { parameterValues } from '../enums.js';
import { t } from '../i18n.js';
import { filterForm, inputFilter, pageOf, pager, pick, selectFilter } from '../lists.js';
import { photoGallery, photoUploadForm } from './photos.js';

export function stateBadge(trip) {
  return trip.finished_at
    ? h('span', { class: 'badge status-available', text: t('trip.state.finished') })
    : h('span', { class: 'badge status-in_use', text: t('trip.state.open') });
}

/** Turn the typed plate and driver name into ids; the error says which one is unknown. */
async function resolveFilters(values) {
  const query = { state: values.state, from: values.from, to: values.to };
  if (values.plate) {
    const vehicle = await vehicleByPlate(values.plate);
    if (!vehicle) throw new Error(t('trip.no_vehicle', { plate: normalisePlate(values.plate) }));
    query.vehicle_id = vehicle.id;
  }
  if (values.driver) {
    const found = await api('/drivers', { query: { q: values.driver, limit: 2 } });
    if (!found.total) throw new Error(t('trip.no_driver'));
    if (found.total > 1) throw new Error(t('trip.many_drivers', { n: found.total }));
    query.driver_id = found.items[0].id;
  }
  return query;
}

export async function renderTrips(ctx) {
  const { me, query } = ctx;
  const root = main();
  const page = await api('/trips', {
    query: {
      ...pick(query, ['vehicle_id', 'driver_id', 'state']),
      started_from: dayStart(query.from),
      started_to: dayStart(query.to, 1),
      ...pageOf(query),
    },
  });
  const [vehicles, drivers] = await Promise.all([
    byIds('vehicles', [...page.items.map((trip) => trip.vehicle_id), query.vehicle_id && Number(query.vehicle_id)]),
    isFleet(me)
      ? byIds('drivers', [...page.items.map((trip) => trip.driver_id), query.driver_id && Number(query.driver_id)])
      : {},
  ]);
  const status = h('div', { class: 'status-area' });
  // The ids of the hash query are shown as the plate and the name they stand for.
  const shown = { plate: vehicles[query.vehicle_id]?.plate, driver: drivers[query.driver_id]?.name };
  const filters = filterForm(ctx, {
    id: 'trip-filters',
    fields: [
      inputFilter(shown, 'plate', t('trip.vehicle'), { placeholder: 'ABC1D23', autocapitalize: 'characters' }),
      isFleet(me) ? inputFilter(shown, 'driver', t('trip.driver')) : null,
      selectFilter(query, 'state', t('trip.state'), parameterValues('/trips', 'state'), {
        label: (s) => t(`trip.state.${s}`),
      }),
      inputFilter(query, 'from', t('trip.from'), { type: 'date' }),
      inputFilter(query, 'to', t('trip.to'), { type: 'date' }),
    ],
    toQuery: resolveFilters,
    status,
  });
  clear(
    root,
    h('h1', { text: isFleet(me) ? t('nav.trips') : t('nav.my_trips') }),
    filters,
    status,
    table(
      [
        { label: '#', cell: (trip) => h('a', { href: `#/trips/${trip.id}`, text: String(trip.id) }) },
        {
          label: t('trip.vehicle'),
          cell: (trip) =>
            h('a', {
              class: 'plate',
              href: `#/vehicles/${trip.vehicle_id}`,
              text: vehicles[trip.vehicle_id]?.plate ?? `#${trip.vehicle_id}`,
            }),
        },
        isFleet(me)
          ? { label: t('trip.driver'), cell: (trip) => drivers[trip.driver_id]?.name ?? `#${trip.driver_id}` }
          : null,
        { label: t('trip.started'), cell: (trip) => fmtDateTime(trip.started_at) },
        { label: t('trip.finished'), cell: (trip) => (trip.finished_at ? fmtDateTime(trip.finished_at) : '—') },
        { label: t('trip.state'), cell: (trip) => stateBadge(trip) },
        {
          label: t('trip.distance'),
          cell: (trip) => (trip.end_odometer_km === null ? '—' : fmtKm(trip.end_odometer_km - trip.start_odometer_km)),
        },
      ].filter(Boolean),
      page.items,
      (trip) => `#/trips/${trip.id}`,
    ),
    pager(ctx, page),
  );
}

export async function renderTrip({ me, params, query }) {
  const root = main();
  const id = Number(params[0]);
  const trip = await api(`/trips/${id}`);
  const [vehicle, driver] = await Promise.all([
    api(`/vehicles/${trip.vehicle_id}`),
    isFleet(me) ? api(`/drivers/${trip.driver_id}`) : null,
  ]);
  const photos = h('section', { class: 'card' }, h('h2', { text: t('photos.title') }));
  const open = !trip.finished_at;
  clear(
    root,
    h('a', { href: '#/trips', class: 'back', text: t('common.back') }),
    h('div', { class: 'title-row' }, h('h1', {}, t('trip.title', { id }), ' ', stateBadge(trip))),
    query.checked_out ? notice(t('vehicle.checkout_done'), 'info') : null,
    query.checked_in ? notice(t('trip.checkin_done'), 'info') : null,
    h(
      'dl',
      { class: 'facts card' },
      fact(
        t('trip.vehicle'),
        h(
          'a',
          { href: `#/vehicles/${vehicle.id}` },
          h('span', { class: 'plate', text: vehicle.plate }),
          ` ${vehicle.make} ${vehicle.model}`,
        ),
      ),
      fact(
        t('trip.driver'),
        driver ? h('a', { href: `#/trips?driver_id=${driver.id}`, text: driver.name }) : t('trip.me'),
      ),
      fact(t('trip.started'), fmtDateTime(trip.started_at)),
      fact(t('trip.finished'), open ? stateBadge(trip) : fmtDateTime(trip.finished_at)),
      fact(t('trip.start_km'), fmtKm(trip.start_odometer_km)),
      fact(t('trip.end_km'), fmtKm(trip.end_odometer_km)),
      fact(t('trip.distance'), open ? '—' : fmtKm(trip.end_odometer_km - trip.start_odometer_km)),
      trip.purpose ? fact(t('trip.purpose'), trip.purpose) : null,
      trip.notes ? fact(t('trip.notes'), trip.notes) : null,
    ),
    open ? checkInForm(trip) : null,
    photos,
  );
  const gallery = await photoGallery(photos, { trip_id: id }, me);
  if (me.role === 'driver' && open) {
    photos.after(photoUploadForm({ vehicleId: trip.vehicle_id, tripId: id, onUploaded: () => gallery.reload() }));
  }
}

function fact(label, value) {
  return h('div', {}, h('dt', { text: label }), h('dd', {}, value));
}

function checkInForm(trip) {
  const status = h('div', { class: 'status-area' });
  const confirmBox = h(
    'label',
    { class: 'check', hidden: true },
    h('input', { type: 'checkbox', name: 'confirm' }),
    t('trip.confirm'),
  );
  const form = h(
    'form',
    { class: 'card', id: 'checkin-form' },
    h('h2', { text: t('trip.checkin') }),
    status,
    field(
      t('trip.end_km'),
      h('input', {
        name: 'end_odometer_km',
        type: 'number',
        min: String(trip.start_odometer_km),
        required: true,
        inputmode: 'numeric',
      }),
    ),
    field(t('trip.notes'), h('textarea', { name: 'notes', maxlength: '2000', rows: '2' })),
    confirmBox,
    h('button', { type: 'submit', text: t('trip.checkin') }),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    try {
      await api(`/trips/${trip.id}/finish`, {
        method: 'POST',
        json: {
          end_odometer_km: Number(values.end_odometer_km),
          notes: values.notes || null,
          confirm: values.confirm,
        },
      });
      location.hash = `#/trips/${trip.id}?checked_in=1`;
    } catch (err) {
      if (err.detail.includes('confirm')) confirmBox.hidden = false;
      clear(status, notice(err.detail));
    }
  });
  return form;
}
