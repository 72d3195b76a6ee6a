// Fuel: the fill-ups list (a driver sees theirs) and the form, with the receipt photo sent
// resumably first (tus) and its id attached to the entry.
import { api, byIds, fleetVehicles, idempotencyKey, isFleet } from '../api.js';
import {
  clear,
  field,
  fmtDateTime,
  fmtKm,
  fmtMoney,
  fmtNumber,
  formValues,
  h,
  main,
  notice,
  table,
  vehicleOptions,
} from '../dom.js';
import { enumValues } from '../enums.js';
import { t } from '../i18n.js';
import { csvButton, filterForm, pageOf, pager, pick, vehicleFilter } from '../lists.js';
import { resumableUpload } from './photos.js';

async function openReceipt(photoId) {
  const photo = await api(`/photos/${photoId}`);
  window.open(photo.url, '_blank', 'noopener');
}

export async function renderFuel(ctx) {
  const { me, query } = ctx;
  const root = main();
  const filters = pick(query, ['vehicle_id']);
  const [page, fleet] = await Promise.all([
    api('/fuel-entries', { query: { ...filters, ...pageOf(query) } }),
    isFleet(me) ? fleetVehicles() : null,
  ]);
  const vehicles = await byIds(
    'vehicles',
    page.items.map((e) => e.vehicle_id),
  );
  const form = fleet
    ? filterForm(ctx, {
        id: 'fuel-filters',
        fields: [vehicleFilter(query, fleet.items)],
        buttons: [csvButton('/fuel-entries', filters, 'fuel-csv')],
      })
    : null;
  clear(
    root,
    h(
      'div',
      { class: 'title-row' },
      h('h1', { text: t('fuel.title') }),
      h('a', { class: 'button', href: '#/fuel/new', text: t('fuel.new') }),
    ),
    form,
    table(
      [
        { label: t('fuel.when'), cell: (e) => fmtDateTime(e.filled_at) },
        {
          label: t('fuel.vehicle'),
          cell: (e) => h('span', { class: 'plate', text: vehicles[e.vehicle_id]?.plate ?? `#${e.vehicle_id}` }),
        },
        { label: t('fuel.type'), cell: (e) => t(`fuel_type.${e.fuel_type}`) },
        { label: t('fuel.liters'), cell: (e) => fmtNumber(e.liters) },
        { label: t('fuel.total'), cell: (e) => fmtMoney(e.total_price) },
        { label: t('fuel.odometer'), cell: (e) => fmtKm(e.odometer_km) },
        { label: t('fuel.kml'), cell: (e) => fmtNumber(e.km_per_liter) },
        { label: t('fuel.station'), cell: (e) => e.station ?? '—' },
        {
          label: t('fuel.receipt'),
          cell: (e) =>
            e.receipt_photo_id
              ? h('button', {
                  type: 'button',
                  class: 'link',
                  text: t('fuel.see_receipt'),
                  on: { click: () => openReceipt(e.receipt_photo_id) },
                })
              : '—',
        },
      ],
      page.items,
    ),
    pager(ctx, page),
  );
}

/** The vehicle a driver logs fuel for: the one of their open trip, or else of their last. */
async function driversVehicle() {
  const trips = await api('/trips', { query: { limit: 1 } });
  const trip = trips.items.find((tr) => !tr.finished_at) ?? trips.items[0];
  return trip ? api(`/vehicles/${trip.vehicle_id}`) : null;
}

const number = (name, label, step) =>
  field(label, h('input', { name, type: 'number', min: '0', step, inputmode: 'decimal' }));

export async function renderFuelForm({ me, query }) {
  const root = main();
  const fleet = isFleet(me);
  const [vehicles, mine] = await Promise.all([fleet ? fleetVehicles() : null, fleet ? null : driversVehicle()]);
  const status = h('div', { class: 'status-area' });
  const receipt = h('input', {
    name: 'receipt',
    type: 'file',
    accept: 'image/*',
    capture: 'environment',
    required: !fleet,
  });
  let key = idempotencyKey();
  let receiptId = null; // kept across a failed save: the photo is not sent twice
  receipt.addEventListener('change', () => {
    key = idempotencyKey();
    receiptId = null;
  });
  const submit = h('button', { type: 'submit', text: t('common.save') });
  const form = h(
    'form',
    { class: 'card', id: 'fuel-form' },
    h('h1', { text: t('fuel.new') }),
    status,
    fleet
      ? [
          field(
            t('fuel.vehicle'),
            h('select', { name: 'vehicle_id', required: true }, vehicleOptions(vehicles.items, query.vehicle_id, '—')),
          ),
          field(t('fuel.when'), h('input', { name: 'filled_at', type: 'datetime-local' })),
        ]
      : h('p', { text: mine ? t('fuel.for_trip', { plate: mine.plate }) : t('dash.no_open') }),
    field(t('fuel.receipt'), receipt),
    field(
      t('fuel.odometer'),
      h('input', { name: 'odometer_km', type: 'number', min: '0', step: '1', inputmode: 'numeric', required: true }),
    ),
    h('p', { class: 'muted', text: t('fuel.two_of_three') }),
    number('liters', t('fuel.liters'), '0.001'),
    number('price_per_liter', t('fuel.price'), '0.001'),
    number('total_price', t('fuel.total'), '0.01'),
    field(
      t('fuel.type'),
      h(
        'select',
        { name: 'fuel_type' },
        enumValues('FuelType').map((f) => h('option', { value: f, text: t(`fuel_type.${f}`) })),
      ),
    ),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'full_tank', checked: true }), t('fuel.full')),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'missed_previous' }), t('fuel.missed')),
    field(t('fuel.station'), h('input', { name: 'station', maxlength: '120' })),
    h(
      'div',
      { class: 'actions' },
      submit,
      h('a', { class: 'button secondary', href: '#/fuel', text: t('common.cancel') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    const vehicleId = fleet ? Number(values.vehicle_id) : mine?.id;
    const body = {
      odometer_km: Number(values.odometer_km),
      fuel_type: values.fuel_type,
      full_tank: values.full_tank,
      missed_previous: values.missed_previous,
      station: values.station || undefined,
    };
    for (const name of ['liters', 'price_per_liter', 'total_price'])
      if (values[name]) body[name] = Number(values[name]);
    if (fleet) {
      body.vehicle_id = vehicleId;
      if (values.filled_at) body.filled_at = new Date(values.filled_at).toISOString();
    }
    submit.disabled = true;
    try {
      if (receipt.files[0] && !receiptId) {
        const progress = (sent, total) =>
          clear(status, notice(t('fuel.sending_receipt', { percent: Math.floor((100 * sent) / total) }), 'info'));
        const photoPath = await resumableUpload(
          receipt.files[0],
          { vehicle_id: String(vehicleId), kind: 'fuel_receipt', idempotency_key: key },
          progress,
        );
        receiptId = Number(photoPath.split('/').pop());
      }
      if (receiptId) body.receipt_photo_id = receiptId;
      await api('/fuel-entries', { method: 'POST', json: body });
      location.hash = '#/fuel';
    } catch (err) {
      clear(status, notice(err.detail));
    } finally {
      submit.disabled = false;
    }
  });
  clear(root, form);
}
