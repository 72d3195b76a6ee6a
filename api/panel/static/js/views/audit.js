// The audit log (admins): who changed what, each field before → after.
import { api } from '../api.js';
import { clear, field, fmtDateTime, formValues, h, main, pager, table } from '../dom.js';
import { t } from '../i18n.js';

const ENTITIES = [
  'vehicle',
  'driver',
  'trip',
  'photo',
  'user',
  'fuel_entry',
  'service_record',
  'reminder',
  'document',
  'inspection_template',
  'inspection',
  'defect',
  'fine',
];

const shown = (value) =>
  value === null || value === undefined ? '∅' : typeof value === 'object' ? JSON.stringify(value) : String(value);

function changesCell(entry) {
  const fields = Object.entries(entry.changes || {});
  if (!fields.length) return '—';
  return h(
    'ul',
    { class: 'changes' },
    fields.map(([name, [before, after]]) =>
      h('li', {}, h('code', { text: name }), `: ${shown(before)} → ${shown(after)}`),
    ),
  );
}

export async function renderAudit({ query, setQuery }) {
  const root = main();
  const offset = Number(query.offset || 0);
  const filters = { entity: query.entity, entity_id: query.entity_id, actor_id: query.actor_id };
  const [page, users] = await Promise.all([
    api('/audit', { query: { ...filters, limit: 50, offset } }),
    api('/users', { query: { limit: 200 } }),
  ]);
  const names = Object.fromEntries(users.items.map((u) => [u.id, u.name]));
  const form = h(
    'form',
    { class: 'filters', id: 'audit-filters' },
    field(
      t('audit.entity'),
      h(
        'select',
        { name: 'entity' },
        h('option', { value: '', text: t('common.all') }),
        ENTITIES.map((e) => h('option', { value: e, text: e, selected: query.entity === e })),
      ),
    ),
    field('id', h('input', { name: 'entity_id', type: 'number', min: '1', value: query.entity_id || '' })),
    h('button', { type: 'submit', text: t('common.search') }),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setQuery(formValues(form));
  });
  clear(
    root,
    h('h1', { text: t('audit.title') }),
    form,
    table(
      [
        { label: t('audit.at'), cell: (e) => fmtDateTime(e.at) },
        {
          label: t('audit.actor'),
          cell: (e) =>
            e.actor_id
              ? (names[e.actor_id] ?? `#${e.actor_id}`)
              : h('span', { class: 'muted', text: t('audit.system') }),
        },
        { label: t('audit.action'), cell: (e) => t(`audit.action.${e.action}`) },
        { label: t('audit.entity'), cell: (e) => `${e.entity} #${e.entity_id ?? '—'}` },
        { label: t('audit.changes'), cell: changesCell },
      ],
      page.items,
    ),
    pager(page, (next) => setQuery({ ...query, offset: next || '' })),
  );
}
