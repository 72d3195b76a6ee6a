// The first screen: what needs a manager's attention today (a driver sees their own trip).
import { api, byIds, isFleet } from '../api.js';
import { add, clear, fmtAgo, fmtDateTime, fmtKm, fmtNumber, h, main, notice, statusBadge, table } from '../dom.js';
import { enumValues } from '../enums.js';
import { t } from '../i18n.js';
import { EXPIRY_WARNING_DAYS, expiryCell } from './drivers.js';
import { dueTable } from './due.js';

const PHOTO_STALE_DAYS = 7;
const SHOWN = 10;

/** A dashboard card filled by `fill(section)`; its failure stays inside the card. */
function card(title, id, fill) {
  const section = h('section', { class: 'card', id }, h('h2', { text: title }));
  const done = fill(section).catch((err) => add(section, notice(err.detail || String(err))));
  return [section, done];
}

function moreLink(page, href) {
  const rest = page.total - page.items.length;
  return rest > 0 ? h('p', {}, h('a', { href, text: t('common.more', { n: fmtNumber(rest) }) })) : null;
}

/** The first card: what is overdue or due soon (reminders, documents, licensing, CNH). */
async function dueSoon(section) {
  const page = await api('/due', { query: { limit: SHOWN } });
  add(
    section,
    page.items.length ? dueTable(page.items) : h('p', { class: 'muted', text: t('due.none') }),
    moreLink(page, '#/due'),
  );
}

async function vehiclesByStatus(section) {
  const statuses = enumValues('VehicleStatus');
  const pages = await Promise.all(statuses.map((status) => api('/vehicles', { query: { status, limit: 1 } })));
  add(
    section,
    h(
      'ul',
      { class: 'tiles' },
      statuses.map((status, i) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: `#/vehicles?status=${status}`, class: `tile status-${status}` },
            h('strong', { text: fmtNumber(pages[i].total) }),
            statusBadge(status),
          ),
        ),
      ),
    ),
  );
}

async function openTrips(section) {
  const page = await api('/trips', { query: { state: 'open', limit: SHOWN } });
  const [vehicles, drivers] = await Promise.all([
    byIds(
      'vehicles',
      page.items.map((trip) => trip.vehicle_id),
    ),
    byIds(
      'drivers',
      page.items.map((trip) => trip.driver_id),
    ),
  ]);
  add(
    section,
    page.items.length
      ? table(
          [
            {
              label: t('trip.vehicle'),
              cell: (trip) =>
                h('a', {
                  href: `#/trips/${trip.id}`,
                  class: 'plate',
                  text: vehicles[trip.vehicle_id]?.plate ?? `#${trip.vehicle_id}`,
                }),
            },
            { label: t('trip.driver'), cell: (trip) => drivers[trip.driver_id]?.name ?? `#${trip.driver_id}` },
            {
              label: t('trip.started'),
              cell: (trip) => h('span', { title: fmtDateTime(trip.started_at), text: fmtAgo(trip.started_at) }),
            },
          ],
          page.items,
          (trip) => `#/trips/${trip.id}`,
        )
      : h('p', { class: 'muted', text: t('common.empty') }),
    moreLink(page, '#/trips?state=open'),
  );
}

async function expiringLicences(section) {
  const page = await api('/drivers', {
    query: { license_expiring_within_days: EXPIRY_WARNING_DAYS, is_active: true, limit: SHOWN },
  });
  add(
    section,
    page.items.length
      ? table(
          [
            { label: t('driver.name'), cell: (d) => h('a', { href: `#/drivers/${d.id}/edit`, text: d.name }) },
            { label: t('driver.expiry'), cell: (d) => expiryCell(d.license_expiry) },
          ],
          page.items,
        )
      : h('p', { class: 'muted', text: t('common.empty') }),
    moreLink(page, '#/drivers?expiring=1'),
  );
}

async function vehiclesWithoutPhotos(section) {
  const page = await api('/vehicles', { query: { no_photo_within_days: PHOTO_STALE_DAYS, limit: SHOWN } });
  add(
    section,
    page.items.length
      ? table(
          [
            {
              label: t('vehicle.plate'),
              cell: (v) => h('a', { href: `#/vehicles/${v.id}`, class: 'plate', text: v.plate }),
            },
            { label: t('vehicle.model'), cell: (v) => `${v.make} ${v.model}` },
            { label: t('vehicle.status'), cell: (v) => statusBadge(v.status) },
          ],
          page.items,
          (v) => `#/vehicles/${v.id}`,
        )
      : h('p', { class: 'muted', text: t('common.empty') }),
    page.total > page.items.length
      ? h('p', { class: 'muted', text: t('common.more', { n: fmtNumber(page.total - page.items.length) }) })
      : null,
  );
}

/** `/health/detailed` (admins): overall status, the newest backup's age, problems, then checks. */
async function systemHealth(section) {
  const report = await api(new URL('../health/detailed', location.href), { okStatuses: [503] });
  const backup = report.backup || {};
  const ageHours = backup.age_hours ?? null;
  const disk = report.disk || {};
  const facts = [
    ['dash.database', report.database && `${report.database.status} (${fmtNumber(report.database.latency_ms)} ms)`],
    [
      'dash.pool',
      report.pool &&
        `${fmtNumber(report.pool.usage_percent)} % (${report.pool.checked_out}/${report.pool.size + report.pool.max_overflow})`,
    ],
    ['dash.redis', report.redis && (report.redis.backend === 'memory' ? t('dash.redis_absent') : report.redis.status)],
    ['dash.disk_uploads', disk.uploads && `${fmtNumber(disk.uploads.free_percent)} %`],
    ['dash.disk_backups', disk.backups && `${fmtNumber(disk.backups.free_percent)} %`],
    [
      'dash.last_prune',
      report.last_prune_run === undefined ? null : report.last_prune_run ? fmtDateTime(report.last_prune_run) : '—',
    ],
    [
      'dash.uptime',
      report.uptime_seconds !== undefined &&
        t('dash.hours', { n: fmtNumber(Math.round(report.uptime_seconds / 360) / 10) }),
    ],
    ['dash.version', report.version],
  ].filter(([, value]) => value);
  add(
    section,
    h(
      'p',
      {},
      h('span', { class: `badge health-${report.status}`, text: t(`health.${report.status}`) }),
      ' ',
      t('dash.backup_age'),
      ': ',
      h('strong', {
        text:
          ageHours === null
            ? t('dash.no_backup')
            : t('dash.hours_ago', { n: fmtNumber(Math.round(ageHours * 10) / 10) }),
      }),
    ),
    (report.problems || []).map((problem) => notice(problem, 'warning')),
    h(
      'dl',
      { class: 'facts' },
      facts.map(([key, value]) => h('div', {}, h('dt', { text: t(key) }), h('dd', { text: value }))),
    ),
  );
}

async function driverHome(me) {
  const root = main();
  const open = await api('/trips', { query: { state: 'open', limit: 1 } });
  const trip = open.items[0];
  let body;
  if (trip) {
    const vehicle = await api(`/vehicles/${trip.vehicle_id}`);
    body = h(
      'section',
      { class: 'card', id: 'my-open-trip' },
      h('h2', { text: t('dash.my_open') }),
      h(
        'p',
        {},
        h('a', { href: `#/trips/${trip.id}`, class: 'plate', text: vehicle.plate }),
        ` ${vehicle.make} ${vehicle.model} · ${t('common.since', { when: fmtDateTime(trip.started_at) })} · ${fmtKm(trip.start_odometer_km)}`,
      ),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button', href: `#/trips/${trip.id}`, text: t('trip.checkin') }),
        h('a', { class: 'button secondary', href: '#/fuel/new', id: 'log-fuel', text: t('dash.log_fuel') }),
        h('a', {
          class: 'button secondary',
          href: `#/inspect?vehicle_id=${trip.vehicle_id}`,
          id: 'inspect',
          text: t('dash.inspect'),
        }),
      ),
    );
  } else {
    body = h(
      'section',
      { class: 'card', id: 'my-open-trip' },
      h('p', { text: t('dash.no_open') }),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button', href: '#/inspect', id: 'inspect', text: t('dash.inspect') }),
        h('a', { class: 'button secondary', href: '#/vehicles?status=available', text: t('dash.pick_vehicle') }),
      ),
    );
  }
  clear(root, h('h1', { text: `${t('nav.dashboard')} · ${me.name}` }), body);
}

export async function renderDashboard({ me }) {
  const root = main();
  if (!isFleet(me)) return driverHome(me);
  const cards = [
    card(t('dash.due'), 'dash-due', dueSoon),
    card(t('dash.vehicles'), 'dash-vehicles', vehiclesByStatus),
    card(t('dash.open_trips'), 'dash-open-trips', openTrips),
    card(t('dash.expiring'), 'dash-expiring', expiringLicences),
    card(t('dash.no_photos'), 'dash-no-photos', vehiclesWithoutPhotos),
  ];
  if (me.role === 'admin') cards.push(card(t('dash.health'), 'dash-health', systemHealth));
  clear(
    root,
    h('h1', { text: t('nav.dashboard') }),
    h(
      'div',
      { class: 'grid' },
      cards.map(([section]) => section),
    ),
  );
  await Promise.all(cards.map(([, done]) => done));
}
