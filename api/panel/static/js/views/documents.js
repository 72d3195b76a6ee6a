// Documents of vehicles (CRLV, insurance, IPVA) and drivers (toxicology exams), with expiry.
import { api, fleetVehicles } from '../api.js';
import { clear, field, fmtDate, fmtMoney, formValues, h, main, notice, table, vehicleOptions } from '../dom.js';
import { enumValues } from '../enums.js';
import { t } from '../i18n.js';
import { filterForm, pageOf, pager, pick, selectFilter } from '../lists.js';

const statusBadge = (status) => h('span', { class: `badge doc-${status}`, text: t(`doc.status.${status}`) });

export async function renderDocuments(ctx) {
  const { query } = ctx;
  const root = main();
  const [page, fleet, drivers] = await Promise.all([
    api('/documents', { query: { ...pick(query, ['kind', 'status']), ...pageOf(query) } }),
    fleetVehicles(),
    api('/drivers', { query: { limit: 200 } }),
  ]);
  const plates = Object.fromEntries(fleet.items.map((v) => [v.id, v.plate]));
  const names = Object.fromEntries(drivers.items.map((d) => [d.id, d.name]));
  const form = filterForm(ctx, {
    id: 'document-filters',
    fields: [
      selectFilter(query, 'kind', t('doc.kind'), enumValues('DocumentKind'), { label: (k) => t(`doc_kind.${k}`) }),
      selectFilter(query, 'status', t('due.status'), enumValues('DocumentStatus'), {
        label: (s) => t(`doc.status.${s}`),
      }),
    ],
  });
  clear(
    root,
    h(
      'div',
      { class: 'title-row' },
      h('h1', { text: t('doc.title') }),
      h('a', { class: 'button', href: '#/documents/new', text: t('doc.new') }),
    ),
    form,
    table(
      [
        { label: t('due.status'), cell: (d) => (d.expires_on ? statusBadge(d.status) : '—') },
        {
          label: t('doc.kind'),
          cell: (d) => h('a', { href: `#/documents/${d.id}/edit`, text: t(`doc_kind.${d.kind}`) }),
        },
        {
          label: t('doc.owner'),
          cell: (d) =>
            d.vehicle_id
              ? h('span', { class: 'plate', text: plates[d.vehicle_id] ?? `#${d.vehicle_id}` })
              : (names[d.driver_id] ?? `#${d.driver_id}`),
        },
        { label: t('doc.number'), cell: (d) => d.number ?? '—' },
        { label: t('doc.issued'), cell: (d) => fmtDate(d.issued_on) },
        { label: t('doc.expires'), cell: (d) => fmtDate(d.expires_on) },
        { label: t('doc.amount'), cell: (d) => fmtMoney(d.amount) },
      ],
      page.items,
      (d) => `#/documents/${d.id}/edit`,
    ),
    pager(ctx, page),
  );
}

export async function renderDocumentForm({ params, query }) {
  const root = main();
  const id = params[0] ? Number(params[0]) : null;
  const [document, fleet, drivers] = await Promise.all([
    id ? api(`/documents/${id}`) : null,
    fleetVehicles(),
    api('/drivers', { query: { limit: 200, is_active: true } }),
  ]);
  const status = h('div', { class: 'status-area' });
  const kind = document?.kind ?? query.kind ?? 'crlv';
  const owner = id
    ? null
    : h(
        'div',
        {},
        field(
          t('doc.kind'),
          h(
            'select',
            { name: 'kind' },
            enumValues('DocumentKind').map((k) =>
              h('option', { value: k, text: t(`doc_kind.${k}`), selected: k === kind }),
            ),
          ),
        ),
        field(
          t('doc.for_vehicle'),
          h('select', { name: 'vehicle_id' }, vehicleOptions(fleet.items, query.vehicle_id, '—')),
        ),
        field(
          t('doc.for_driver'),
          h(
            'select',
            { name: 'driver_id' },
            h('option', { value: '', text: '—' }),
            drivers.items.map((d) =>
              h('option', { value: String(d.id), text: d.name, selected: Number(query.driver_id) === d.id }),
            ),
          ),
        ),
      );
  const value = (name) => document?.[name] ?? '';
  const form = h(
    'form',
    { class: 'card', id: 'document-form' },
    h('h1', { text: id ? `${t('common.edit')}: ${t(`doc_kind.${kind}`)}` : t('doc.new') }),
    status,
    owner,
    field(t('doc.number'), h('input', { name: 'number', maxlength: '60', value: value('number') })),
    field(t('doc.issued'), h('input', { name: 'issued_on', type: 'date', value: value('issued_on') })),
    field(t('doc.expires'), h('input', { name: 'expires_on', type: 'date', value: value('expires_on') })),
    field(
      t('doc.amount'),
      h('input', {
        name: 'amount',
        type: 'number',
        min: '0',
        step: '0.01',
        inputmode: 'decimal',
        value: value('amount'),
      }),
    ),
    field(t('trip.notes'), h('textarea', { name: 'notes', maxlength: '2000', rows: '2', text: value('notes') })),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', text: t('common.save') }),
      h('a', { class: 'button secondary', href: '#/documents', text: t('common.cancel') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    const body = {};
    for (const name of ['number', 'issued_on', 'expires_on', 'notes']) {
      if (values[name] || id) body[name] = values[name] || null;
    }
    if (values.amount || id) body.amount = values.amount ? Number(values.amount) : null;
    try {
      if (id) {
        await api(`/documents/${id}`, { method: 'PATCH', json: body });
      } else {
        body.kind = values.kind;
        if (values.vehicle_id) body.vehicle_id = Number(values.vehicle_id);
        if (values.driver_id) body.driver_id = Number(values.driver_id);
        await api('/documents', { method: 'POST', json: body });
      }
      location.hash = '#/documents';
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  clear(root, form);
}
