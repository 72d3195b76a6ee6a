// Maintenance: reminders (most urgent first) and the services done; the forms for both. A
// service can complete the vehicle's reminders, which then start again from it.
import { api, fleetVehicles } from '../api.js';
import {
  add,
  clear,
  field,
  fmtDate,
  fmtDateTime,
  fmtKm,
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
import { filterForm, pageOf, pager, pick, vehicleFilter } from '../lists.js';
import { severityBadge } from './defects.js';

export const reminderBadge = (status) =>
  h('span', { class: `badge due-${status}`, text: status === 'ok' ? t('maint.status.ok') : t(`due.${status}`) });

export async function renderMaintenance(ctx) {
  const { query } = ctx;
  const root = main();
  const filters = pick(query, ['vehicle_id']);
  const [reminders, services, fleet] = await Promise.all([
    api('/reminders', { query: { ...filters, limit: 200 } }),
    api('/service-records', { query: { ...filters, ...pageOf(query) } }),
    fleetVehicles(),
  ]);
  const plates = Object.fromEntries(fleet.items.map((v) => [v.id, v.plate]));
  const form = filterForm(ctx, { id: 'maintenance-filters', fields: [vehicleFilter(query, fleet.items)] });
  clear(
    root,
    h(
      'div',
      { class: 'title-row' },
      h('h1', { text: t('maint.title') }),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button', href: '#/services/new', text: t('maint.new_service') }),
        h('a', { class: 'button secondary', href: '#/reminders/new', text: t('maint.new_reminder') }),
      ),
    ),
    form,
    h(
      'section',
      { class: 'card', id: 'reminders' },
      h('h2', { text: t('maint.reminders') }),
      reminders.items.length
        ? table(
            [
              { label: t('due.status'), cell: (r) => reminderBadge(r.status) },
              { label: t('maint.reminder'), cell: (r) => r.title },
              {
                label: t('fuel.vehicle'),
                cell: (r) => h('span', { class: 'plate', text: plates[r.vehicle_id] ?? `#${r.vehicle_id}` }),
              },
              { label: t('maint.due_km'), cell: (r) => fmtKm(r.due_km) },
              { label: t('maint.due_on'), cell: (r) => fmtDate(r.due_on) },
              { label: t('maint.forecast'), cell: (r) => fmtDate(r.forecast_due_on) },
            ],
            reminders.items,
          )
        : h('p', { class: 'muted', text: t('common.empty') }),
    ),
    h(
      'section',
      { class: 'card', id: 'services' },
      h('h2', { text: t('maint.services') }),
      table(
        [
          { label: t('maint.when'), cell: (s) => fmtDateTime(s.performed_at) },
          {
            label: t('fuel.vehicle'),
            cell: (s) => h('span', { class: 'plate', text: plates[s.vehicle_id] ?? `#${s.vehicle_id}` }),
          },
          { label: t('maint.kind'), cell: (s) => t(`service_kind.${s.kind}`) },
          { label: t('maint.vendor'), cell: (s) => s.vendor ?? '—' },
          { label: t('fuel.odometer'), cell: (s) => fmtKm(s.odometer_km) },
          { label: t('maint.total'), cell: (s) => fmtMoney(s.total_cost) },
        ],
        services.items,
      ),
      pager(ctx, services),
    ),
  );
}

function itemRow() {
  const row = h(
    'div',
    { class: 'item-row' },
    field(t('maint.item_name'), h('input', { name: 'item_name', maxlength: '120' })),
    field(
      t('maint.quantity'),
      h('input', { name: 'item_quantity', type: 'number', min: '0', step: '0.001', value: '1', inputmode: 'decimal' }),
    ),
    field(
      t('maint.unit_cost'),
      h('input', { name: 'item_cost', type: 'number', min: '0', step: '0.01', inputmode: 'decimal' }),
    ),
  );
  return row;
}

export async function renderServiceForm({ query }) {
  const root = main();
  const fleet = await fleetVehicles();
  const status = h('div', { class: 'status-area' });
  const items = h('div', { class: 'items' }, itemRow());
  const completes = h('fieldset', { class: 'checks', id: 'completes' }, h('legend', { text: t('maint.completes') }));
  const resolves = h('fieldset', { class: 'checks', id: 'resolves' }, h('legend', { text: t('defect.resolves') }));
  const vehicle = h(
    'select',
    { name: 'vehicle_id', required: true },
    vehicleOptions(fleet.items, query.vehicle_id, '—'),
  );
  async function loadReminders() {
    clear(completes, h('legend', { text: t('maint.completes') }));
    clear(resolves, h('legend', { text: t('defect.resolves') }));
    if (!vehicle.value) return;
    const [page, defects] = await Promise.all([
      api('/reminders', { query: { vehicle_id: vehicle.value, limit: 200 } }),
      api('/defects', { query: { vehicle_id: vehicle.value, unresolved: true, limit: 200 } }),
    ]);
    add(
      completes,
      page.items.map((r) =>
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', name: 'completes', value: String(r.id), checked: r.status !== 'ok' }),
          `${r.title} `,
          reminderBadge(r.status),
        ),
      ),
    );
    add(
      resolves,
      defects.items.map((d) =>
        h(
          'label',
          { class: 'check' },
          h('input', {
            type: 'checkbox',
            name: 'resolves',
            value: String(d.id),
            checked: String(d.id) === query.defect_id,
          }),
          `#${d.id} ${d.description} `,
          severityBadge(d.severity),
        ),
      ),
    );
    resolves.hidden = !defects.items.length;
  }
  vehicle.addEventListener('change', () => loadReminders().catch((err) => clear(status, notice(err.detail))));
  const form = h(
    'form',
    { class: 'card', id: 'service-form' },
    h('h1', { text: t('maint.new_service') }),
    status,
    field(t('fuel.vehicle'), vehicle),
    field(t('maint.when'), h('input', { name: 'performed_at', type: 'datetime-local' })),
    field(
      t('fuel.odometer'),
      h('input', { name: 'odometer_km', type: 'number', min: '0', required: true, inputmode: 'numeric' }),
    ),
    field(
      t('maint.kind'),
      h(
        'select',
        { name: 'kind' },
        enumValues('ServiceKind').map((k) => h('option', { value: k, text: t(`service_kind.${k}`) })),
      ),
    ),
    field(t('maint.vendor'), h('input', { name: 'vendor', maxlength: '120' })),
    field(t('maint.description'), h('textarea', { name: 'description', maxlength: '2000', rows: '2' })),
    h(
      'fieldset',
      {},
      h('legend', { text: t('maint.items') }),
      items,
      h('button', {
        type: 'button',
        class: 'secondary',
        text: t('maint.add_item'),
        on: { click: () => add(items, itemRow()) },
      }),
    ),
    field(
      t('maint.labor'),
      h('input', { name: 'labor_cost', type: 'number', min: '0', step: '0.01', value: '0', inputmode: 'decimal' }),
    ),
    completes,
    resolves,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', text: t('common.save') }),
      h('a', { class: 'button secondary', href: '#/maintenance', text: t('common.cancel') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    const lines = [...items.querySelectorAll('.item-row')]
      .map((row) => ({
        name: row.querySelector('[name=item_name]').value.trim(),
        quantity: Number(row.querySelector('[name=item_quantity]').value || 1),
        unit_cost: Number(row.querySelector('[name=item_cost]').value || 0),
      }))
      .filter((item) => item.name);
    const body = {
      vehicle_id: Number(values.vehicle_id),
      odometer_km: Number(values.odometer_km),
      kind: values.kind,
      vendor: values.vendor || undefined,
      description: values.description || undefined,
      items: lines,
      labor_cost: Number(values.labor_cost || 0),
      completes_reminder_ids: [...completes.querySelectorAll('input:checked')].map((box) => Number(box.value)),
      resolves_defect_ids: [...resolves.querySelectorAll('input:checked')].map((box) => Number(box.value)),
    };
    if (values.performed_at) body.performed_at = new Date(values.performed_at).toISOString();
    try {
      await api('/service-records', { method: 'POST', json: body });
      location.hash = `#/maintenance?vehicle_id=${body.vehicle_id}`;
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  clear(root, form);
  await loadReminders();
}

export async function renderReminderForm({ query }) {
  const root = main();
  const fleet = await fleetVehicles();
  const status = h('div', { class: 'status-area' });
  const vehicles = h(
    'select',
    { name: 'vehicle_ids', multiple: true, required: true, size: String(Math.min(8, fleet.items.length || 1)) },
    vehicleOptions(
      fleet.items.filter((v) => v.status !== 'retired'),
      query.vehicle_id,
    ),
  );
  const form = h(
    'form',
    { class: 'card', id: 'reminder-form' },
    h('h1', { text: t('maint.new_reminder') }),
    status,
    field(t('maint.vehicles'), vehicles),
    field(t('maint.reminder'), h('input', { name: 'title', required: true, maxlength: '120' })),
    field(t('maint.every_km'), h('input', { name: 'every_km', type: 'number', min: '1', inputmode: 'numeric' })),
    field(
      t('maint.every_months'),
      h('input', { name: 'every_months', type: 'number', min: '1', max: '240', inputmode: 'numeric' }),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', text: t('common.save') }),
      h('a', { class: 'button secondary', href: '#/maintenance', text: t('common.cancel') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    const ids = [...vehicles.selectedOptions].map((o) => Number(o.value));
    const body = { vehicle_ids: ids, title: values.title };
    if (values.every_km) body.every_km = Number(values.every_km);
    if (values.every_months) body.every_months = Number(values.every_months);
    try {
      await api('/reminders', { method: 'POST', json: body });
      location.hash = ids.length === 1 ? `#/maintenance?vehicle_id=${ids[0]}` : '#/maintenance';
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  clear(root, form);
}
