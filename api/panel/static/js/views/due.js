// What is overdue or due soon (the manager's first card and its own page), and the calendar feed.
import { api } from '../api.js';
import { clear, fmtDate, fmtKm, h, main, notice, table } from '../dom.js';
import { enumValues } from '../enums.js';
import { t } from '../i18n.js';
import { csvButton, filterForm, inputFilter, pageOf, pager, pick, selectFilter } from '../lists.js';

/** Where an item opens in the panel: its `ref` is the API path of the row. */
function panelLink(item) {
  const id = item.ref.split('/').pop();
  if (item.ref.startsWith('/api/v1/reminders/')) return `#/maintenance?vehicle_id=${item.vehicle_id}`;
  if (item.ref.startsWith('/api/v1/documents/')) return `#/documents/${id}/edit`;
  if (item.ref.startsWith('/api/v1/fines/')) return `#/fines/${id}`;
  if (item.ref.startsWith('/api/v1/defects/')) return `#/defects?vehicle_id=${item.vehicle_id}`;
  if (item.ref.startsWith('/api/v1/vehicles/')) return `#/documents/new?vehicle_id=${id}&kind=crlv`;
  if (item.kind === 'toxicology') return `#/documents/new?driver_id=${id}&kind=toxicology`;
  return `#/drivers/${id}/edit`;
}

export const dueBadge = (status) => h('span', { class: `badge due-${status}`, text: t(`due.${status}`) });

/** A date that no calendar of this year confirms (a year with no table, or an unconfirmed date). */
const estimatedBadge = (item) =>
  item.estimated
    ? h('span', {
        class: 'badge due-estimated',
        title: t('due.estimated_hint'),
        text: t('due.estimated', { year: item.calendar_year }),
      })
    : null;

export function dueTable(items) {
  return table(
    [
      { label: t('due.status'), cell: (i) => dueBadge(i.status) },
      { label: t('due.kind'), cell: (i) => t(`due.kind.${i.kind}`) },
      { label: t('due.what'), cell: (i) => h('a', { href: panelLink(i), text: i.title }) },
      {
        label: t('due.when'),
        cell: (i) => h('span', {}, fmtDate(i.due_on), i.estimated ? ' ' : null, estimatedBadge(i)),
      },
      { label: t('due.km'), cell: (i) => (i.due_km === null ? '—' : fmtKm(i.due_km)) },
    ],
    items,
    panelLink,
  );
}

function feedCard() {
  const status = h('div', { class: 'status-area' });
  const button = h('button', { type: 'button', class: 'secondary', id: 'feed-new', text: t('due.feed_new') });
  button.addEventListener('click', async () => {
    try {
      const { url } = await api('/due/feed-token', { method: 'POST' });
      clear(
        status,
        h('input', {
          type: 'text',
          readonly: true,
          id: 'feed-url',
          value: url,
          'aria-label': t('due.feed'),
          on: { focus: (ev) => ev.target.select() },
        }),
        h('small', { text: t('due.feed_hint') }),
      );
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  return h('section', { class: 'card', id: 'due-feed' }, h('h2', { text: t('due.feed') }), button, status);
}

export async function renderDue(ctx) {
  const { query } = ctx;
  const root = main();
  const filters = pick(query, ['kind', 'within_days']);
  const page = await api('/due', { query: { ...filters, ...pageOf(query) } });
  const form = filterForm(ctx, {
    id: 'due-filters',
    fields: [
      selectFilter(query, 'kind', t('due.kind'), enumValues('DueKind'), { label: (k) => t(`due.kind.${k}`) }),
      inputFilter(query, 'within_days', t('due.within'), { type: 'number', min: '0', max: '365' }),
    ],
    buttons: [csvButton('/due', filters)],
  });
  clear(
    root,
    h('h1', { text: t('due.title') }),
    form,
    page.items.length ? dueTable(page.items) : h('p', { class: 'muted', text: t('due.none') }),
    pager(ctx, page),
    feedCard(),
  );
}
