// Fines: who Frota named (or why not), the deadline to name the driver and the payment's; the
// manager names the driver by hand and follows the fine.
import { api, byIds, fleetVehicles, isFleet } from '../api.js';
import {
  clear,
  field,
  fmtDate,
  fmtDateTime,
  fmtMoney,
  formValues,
  h,
  main,
  notice,
  table,
  vehicleOptions,
} from '../dom.js';
import { enumValues } from '../enums.js';
import { t } from '../i18n.js';
import { pageOf, pager } from '../lists.js';

const identificationBadge = (f) =>
  h('span', {
    class: `badge ${f.identification === 'identified' ? 'due-ok' : f.identification === 'ambiguous' ? 'due-due_soon' : 'due-overdue'}`,
    text: t(`fine.identification.${f.identification}`),
  });

export async function renderFines(ctx) {
  const { me, query } = ctx;
  const root = main();
  const page = await api('/fines', { query: { status: query.status, ...pageOf(query) } });
  const [vehicles, drivers] = await Promise.all([
    byIds(
      'vehicles',
      page.items.map((f) => f.vehicle_id),
    ),
    isFleet(me)
      ? byIds(
          'drivers',
          page.items.flatMap((f) => [f.driver_id, ...f.candidate_driver_ids]),
        )
      : {},
  ]);
  const name = (id) => drivers[id]?.name ?? (id ? `#${id}` : '—');
  clear(
    root,
    h(
      'div',
      { class: 'title-row' },
      h('h1', { text: t('fine.title') }),
      isFleet(me) ? h('a', { class: 'button', href: '#/fines/new', text: t('fine.new') }) : null,
    ),
    table(
      [
        { label: t('fine.when'), cell: (f) => fmtDateTime(f.occurred_at) },
        {
          label: t('insp.vehicle'),
          cell: (f) => h('span', { class: 'plate', text: vehicles[f.vehicle_id]?.plate ?? `#${f.vehicle_id}` }),
        },
        { label: t('fine.code'), cell: (f) => f.infraction_code ?? '—' },
        { label: t('fine.amount'), cell: (f) => fmtMoney(f.amount) },
        { label: t('fine.identification'), cell: (f) => identificationBadge(f) },
        {
          label: t('fine.driver'),
          cell: (f) => (f.driver_id ? name(f.driver_id) : f.candidate_driver_ids.map(name).join(' / ') || '—'),
        },
        { label: t('fine.deadline'), cell: (f) => fmtDate(f.identification_deadline) },
        { label: t('fine.due_on'), cell: (f) => fmtDate(f.due_on) },
        {
          label: t('fine.status'),
          cell: (f) =>
            isFleet(me)
              ? h('a', { href: `#/fines/${f.id}`, text: t(`fine.status.${f.status}`) })
              : t(`fine.status.${f.status}`),
        },
      ],
      page.items,
      isFleet(me) ? (f) => `#/fines/${f.id}` : null,
    ),
    pager(ctx, page),
  );
}

export async function renderFineForm() {
  const root = main();
  const fleet = await fleetVehicles();
  const status = h('div', { class: 'status-area' });
  const form = h(
    'form',
    { class: 'card', id: 'fine-form' },
    h('h1', { text: t('fine.new') }),
    status,
    field(
      t('insp.vehicle'),
      h('select', { name: 'vehicle_id', required: true }, vehicleOptions(fleet.items, null, '—')),
    ),
    field(t('fine.when'), h('input', { name: 'occurred_at', type: 'datetime-local', required: true })),
    field(t('fine.place'), h('input', { name: 'place', maxlength: '200' })),
    field(t('fine.code'), h('input', { name: 'infraction_code', maxlength: '20' })),
    field(
      t('fine.amount'),
      h('input', { name: 'amount', type: 'number', min: '0', step: '0.01', required: true, inputmode: 'decimal' }),
    ),
    field(t('fine.points'), h('input', { name: 'points', type: 'number', min: '0', max: '40' })),
    field(t('fine.notice'), h('input', { name: 'notice_received_on', type: 'date' })),
    field(t('fine.due_on'), h('input', { name: 'due_on', type: 'date' })),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', text: t('common.save') }),
      h('a', { class: 'button secondary', href: '#/fines', text: t('common.cancel') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const body = {
      vehicle_id: Number(v.vehicle_id),
      occurred_at: new Date(v.occurred_at).toISOString(),
      amount: Number(v.amount),
    };
    for (const name of ['place', 'infraction_code', 'notice_received_on', 'due_on']) if (v[name]) body[name] = v[name];
    if (v.points) body.points = Number(v.points);
    try {
      const made = await api('/fines', { method: 'POST', json: body });
      location.hash = `#/fines/${made.id}`;
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  clear(root, form);
}

export async function renderFine({ params }) {
  const root = main();
  const fine = await api(`/fines/${params[0]}`);
  const [vehicle, drivers] = await Promise.all([
    api(`/vehicles/${fine.vehicle_id}`),
    api('/drivers', { query: { limit: 200 } }),
  ]);
  const status = h('div', { class: 'status-area' });
  const preferred = new Set(fine.candidate_driver_ids);
  const ordered = [
    ...drivers.items.filter((d) => preferred.has(d.id)),
    ...drivers.items.filter((d) => !preferred.has(d.id)),
  ];
  const form = h(
    'form',
    { class: 'card', id: 'fine-edit' },
    h('h1', { text: `${t('fine.title')} · ${vehicle.plate} · ${fmtDateTime(fine.occurred_at)}` }),
    status,
    h(
      'p',
      {},
      identificationBadge(fine),
      ' ',
      fine.candidate_driver_ids.length > 1
        ? `${t('fine.candidates')}: ${ordered
            .filter((d) => preferred.has(d.id))
            .map((d) => d.name)
            .join(' / ')}`
        : '',
    ),
    h('p', {
      text: `${t('fine.deadline')}: ${fmtDate(fine.identification_deadline)} · ${t('fine.due_on')}: ${fmtDate(fine.due_on)} · ${fmtMoney(fine.amount)}`,
    }),
    field(
      t('fine.driver'),
      h(
        'select',
        { name: 'driver_id' },
        h('option', { value: '', text: '—' }),
        ordered.map((d) => h('option', { value: String(d.id), text: d.name, selected: d.id === fine.driver_id })),
      ),
    ),
    field(
      t('fine.status'),
      h(
        'select',
        { name: 'status' },
        enumValues('FineStatus').map((s) =>
          h('option', { value: s, text: t(`fine.status.${s}`), selected: s === fine.status }),
        ),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', text: t('common.save') }),
      h('a', { class: 'button secondary', href: '#/fines', text: t('common.back') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const body = {};
    const driverId = v.driver_id ? Number(v.driver_id) : null;
    if (driverId !== fine.driver_id) body.driver_id = driverId;
    if (v.status !== fine.status) body.status = v.status;
    try {
      await api(`/fines/${fine.id}`, { method: 'PATCH', json: body });
      location.hash = '#/fines';
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  clear(root, form);
}
