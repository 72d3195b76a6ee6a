// Defects board (managers): unresolved first, critical first; move one along, record the
// repair (a service record that resolves it) and release the vehicle.
import { api, fleetVehicles } from '../api.js';
import { clear, fmtDateTime, h, main, notice, table } from '../dom.js';
import { t } from '../i18n.js';
import { pageOf, pager } from '../lists.js';

export const severityBadge = (severity) =>
  h('span', {
    class: `badge ${severity === 'critical' ? 'due-overdue' : 'due-due_soon'}`,
    text: t(`defect.severity.${severity}`),
  });

export async function renderDefects(ctx) {
  const { query, message } = ctx;
  const root = main();
  const unresolved = query.all ? undefined : true;
  const [page, fleet] = await Promise.all([
    api('/defects', { query: { unresolved, vehicle_id: query.vehicle_id, ...pageOf(query) } }),
    fleetVehicles(),
  ]);
  const vehicles = Object.fromEntries(fleet.items.map((v) => [v.id, v]));
  const status = h('div', { class: 'status-area' }, message ? notice(message, 'info') : null);
  async function act(body, defect) {
    try {
      let done = null;
      if (body === 'release') {
        await api(`/vehicles/${defect.vehicle_id}`, { method: 'PATCH', json: { status: 'available' } });
        done = t('defect.released');
      } else {
        await api(`/defects/${defect.id}`, { method: 'PATCH', json: body });
      }
      // The board again, with what changed, and the message above it.
      await renderDefects({ ...ctx, message: done });
    } catch (err) {
      clear(status, notice(err.detail));
    }
  }
  const actions = (d) => {
    const open = d.status === 'open' || d.status === 'in_repair';
    const vehicle = vehicles[d.vehicle_id];
    return h(
      'div',
      { class: 'actions' },
      d.status === 'open'
        ? h('button', {
            type: 'button',
            class: 'secondary',
            text: t('defect.to_repair'),
            on: { click: () => act({ status: 'in_repair' }, d) },
          })
        : null,
      open
        ? h('a', {
            class: 'button',
            href: `#/services/new?vehicle_id=${d.vehicle_id}&defect_id=${d.id}`,
            text: t('defect.fix'),
          })
        : null,
      open
        ? h('button', {
            type: 'button',
            class: 'secondary',
            text: t('defect.dismiss'),
            on: { click: () => act({ status: 'dismissed' }, d) },
          })
        : null,
      !open && vehicle?.status === 'maintenance'
        ? h('button', {
            type: 'button',
            class: 'secondary',
            text: t('defect.available'),
            on: { click: () => act('release', d) },
          })
        : null,
    );
  };
  clear(
    root,
    h('h1', { text: t('defect.title') }),
    status,
    h(
      'p',
      {},
      h('a', {
        href: query.all ? '#/defects' : '#/defects?all=1',
        text: query.all ? t('defect.status.open') : t('common.all'),
      }),
    ),
    table(
      [
        { label: t('defect.severity'), cell: (d) => severityBadge(d.severity) },
        {
          label: t('insp.vehicle'),
          cell: (d) =>
            h('a', {
              href: `#/vehicles/${d.vehicle_id}`,
              class: 'plate',
              text: vehicles[d.vehicle_id]?.plate ?? `#${d.vehicle_id}`,
            }),
        },
        { label: t('defect.description'), cell: (d) => d.description },
        { label: t('defect.status'), cell: (d) => t(`defect.status.${d.status}`) },
        { label: t('defect.found'), cell: (d) => fmtDateTime(d.created_at) },
        { label: '', cell: actions },
      ],
      page.items,
    ),
    pager(ctx, page),
  );
}
