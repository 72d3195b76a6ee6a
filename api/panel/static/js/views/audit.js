// The audit log (admins): who changed what, each field before → after.
import { api } from '../api.js';
import { clear, fmtDateTime, h, main, table } from '../dom.js';
import { parameterValues } from '../enums.js';
import { t } from '../i18n.js';
import { filterForm, inputFilter, pageOf, pager, pick, selectFilter } from '../lists.js';

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

export async function renderAudit(ctx) {
  const { query } = ctx;
  const root = main();
  const [page, users] = await Promise.all([
    api('/audit', { query: { ...pick(query, ['entity', 'entity_id', 'actor_id']), ...pageOf(query) } }),
    api('/users', { query: { limit: 200 } }),
  ]);
  const names = Object.fromEntries(users.items.map((u) => [u.id, u.name]));
  const form = filterForm(ctx, {
    id: 'audit-filters',
    fields: [
      selectFilter(query, 'entity', t('audit.entity'), parameterValues('/audit', 'entity')),
      inputFilter(query, 'entity_id', 'id', { type: 'number', min: '1' }),
    ],
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
    pager(ctx, page),
  );
}
