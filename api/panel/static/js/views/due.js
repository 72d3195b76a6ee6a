// What is overdue or due soon (the manager's first card and its own page), and the calendar feed.
import { api, downloadCsv } from '../api.js';
import { clear, field, fmtDate, fmtKm, formValues, h, main, notice, pager, table } from '../dom.js';
import { t } from '../i18n.js';

const KINDS = ['reminder', 'document', 'licensing', 'cnh', 'toxicology', 'fine_identification', 'fine_payment', 'defect'];

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
const estimatedBadge = (item) => (item.estimated
  ? h('span', { class: 'badge due-estimated', title: t('due.estimated_hint'), text: t('due.estimated', { year: item.calendar_year }) })
  : null);

export function dueTable(items) {
  return table([
    { label: t('due.status'), cell: (i) => dueBadge(i.status) },
    { label: t('due.kind'), cell: (i) => t(`due.kind.${i.kind}`) },
    { label: t('due.what'), cell: (i) => h('a', { href: panelLink(i), text: i.title }) },
    { label: t('due.when'), cell: (i) => h('span', {}, fmtDate(i.due_on), i.estimated ? ' ' : null, estimatedBadge(i)) },
    { label: t('due.km'), cell: (i) => (i.due_km === null ? '—' : fmtKm(i.due_km)) },
  ], items, panelLink);
}

function feedCard() {
  const status = h('div', { class: 'status-area' });
  const button = h('button', { type: 'button', class: 'secondary', id: 'feed-new', text: t('due.feed_new') });
  button.addEventListener('click', async () => {
    try {
      const { url } = await api('/due/feed-token', { method: 'POST' });
      clear(status, h('input', { type: 'text', readonly: true, id: 'feed-url', value: url, 'aria-label': t('due.feed'),
        on: { focus: (ev) => ev.target.select() } }), h('small', { text: t('due.feed_hint') }));
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  return h('section', { class: 'card', id: 'due-feed' }, h('h2', { text: t('due.feed') }), button, status);
}

export async function renderDue({ query, setQuery }) {
  const root = main();
  const offset = Number(query.offset || 0);
  const filters = { kind: query.kind, within_days: query.within_days };
  const page = await api('/due', { query: { ...filters, limit: 50, offset } });
  const form = h('form', { class: 'filters', id: 'due-filters' },
    field(t('due.kind'), h('select', { name: 'kind' }, h('option', { value: '', text: t('common.all') }),
      KINDS.map((k) => h('option', { value: k, text: t(`due.kind.${k}`), selected: query.kind === k })))),
    field(t('due.within'), h('input', { name: 'within_days', type: 'number', min: '0', max: '365', value: query.within_days || '' })),
    h('button', { type: 'submit', text: t('common.search') }),
    h('button', { type: 'button', class: 'secondary', text: t('due.csv'), on: { click: () => downloadCsv('/due', filters) } }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setQuery(formValues(form));
  });
  clear(root, h('h1', { text: t('due.title') }), form,
    page.items.length ? dueTable(page.items) : h('p', { class: 'muted', text: t('due.none') }),
    pager(page, (next) => setQuery({ ...query, offset: next || '' })),
    feedCard());
}
