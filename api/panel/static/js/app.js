// The panel's shell: who is logged in, the navigation, and a hash router over the views.
import { ApiError, api, isFleet, session } from './api.js';
import { add, clear, h, newView, notice } from './dom.js';
import { loadEnums } from './enums.js';
import { lang, t } from './i18n.js';
import { renderAudit } from './views/audit.js';
import { renderCosts } from './views/costs.js';
import { renderDashboard } from './views/dashboard.js';
import { renderDefects } from './views/defects.js';
import { renderDocumentForm, renderDocuments } from './views/documents.js';
import { renderDriverForm, renderDrivers } from './views/drivers.js';
import { renderDue } from './views/due.js';
import { renderFine, renderFineForm, renderFines } from './views/fines.js';
import { renderFuel, renderFuelForm } from './views/fuel.js';
import { renderInspect } from './views/inspect.js';
import { renderLogin, renderPasswordChange } from './views/login.js';
import { renderMaintenance, renderReminderForm, renderServiceForm } from './views/maintenance.js';
import { renderNotifications } from './views/notifications.js';
import { renderPhotos } from './views/photos.js';
import { renderTrip, renderTrips } from './views/trips.js';
import { renderUser, renderUserForm, renderUsers } from './views/users.js';
import { renderVehicle, renderVehicleForm, renderVehicles } from './views/vehicles.js';

document.documentElement.lang = lang === 'pt' ? 'pt-BR' : 'en';

const state = { me: null };

const ROUTES = [
  [/^\/$/, () => renderDashboard],
  [/^\/vehicles$/, () => renderVehicles],
  [/^\/vehicles\/new$/, () => renderVehicleForm],
  [/^\/vehicles\/(\d+)$/, () => renderVehicle],
  [/^\/vehicles\/(\d+)\/edit$/, () => renderVehicleForm],
  [/^\/drivers$/, () => renderDrivers, 'fleet'],
  [/^\/drivers\/new$/, () => renderDriverForm, 'fleet'],
  [/^\/drivers\/(\d+)\/edit$/, () => renderDriverForm, 'fleet'],
  [/^\/trips$/, () => renderTrips],
  [/^\/trips\/(\d+)$/, () => renderTrip],
  [/^\/photos$/, () => renderPhotos, 'fleet'],
  [/^\/due$/, () => renderDue, 'fleet'],
  [/^\/fuel$/, () => renderFuel],
  [/^\/fuel\/new$/, () => renderFuelForm],
  [/^\/maintenance$/, () => renderMaintenance, 'fleet'],
  [/^\/services\/new$/, () => renderServiceForm, 'fleet'],
  [/^\/reminders\/new$/, () => renderReminderForm, 'fleet'],
  [/^\/documents$/, () => renderDocuments, 'fleet'],
  [/^\/documents\/new$/, () => renderDocumentForm, 'fleet'],
  [/^\/documents\/(\d+)\/edit$/, () => renderDocumentForm, 'fleet'],
  [/^\/costs$/, () => renderCosts, 'fleet'],
  [/^\/inspect$/, () => renderInspect],
  [/^\/defects$/, () => renderDefects, 'fleet'],
  [/^\/fines$/, () => renderFines],
  [/^\/fines\/new$/, () => renderFineForm, 'fleet'],
  [/^\/fines\/(\d+)$/, () => renderFine, 'fleet'],
  [/^\/audit$/, () => renderAudit, 'admin'],
  [/^\/users$/, () => renderUsers, 'admin'],
  [/^\/users\/new$/, () => renderUserForm, 'admin'],
  [/^\/users\/(\d+)$/, () => renderUser, 'admin'],
  [/^\/notifications$/, () => renderNotifications],
  [/^\/password$/, () => (ctx) => renderPasswordChange(ctx, { required: false })],
];

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?');
  return { path, query: Object.fromEntries(new URLSearchParams(search)) };
}

/** Change the hash query of the current view (filters, pages) so that Back works. */
export function setQuery(query) {
  const { path } = parseHash();
  const clean = Object.entries(query).filter(([, v]) => v !== '' && v !== null && v !== undefined && v !== false);
  const search = new URLSearchParams(clean).toString();
  location.hash = search ? `${path}?${search}` : path;
}

function renderShell() {
  const me = state.me;
  document.getElementById('topbar').hidden = !me;
  const nav = document.getElementById('nav');
  if (!me) {
    document.getElementById('who-name').textContent = '';
    return clear(nav);
  }
  const links = isFleet(me)
    ? [
        ['#/', 'nav.dashboard'],
        ['#/due', 'nav.due'],
        ['#/vehicles', 'nav.vehicles'],
        ['#/drivers', 'nav.drivers'],
        ['#/trips', 'nav.trips'],
        ['#/photos', 'nav.photos'],
        ['#/fuel', 'nav.fuel'],
        ['#/maintenance', 'nav.maintenance'],
        ['#/defects', 'nav.defects'],
        ['#/inspect', 'nav.inspect'],
        ['#/documents', 'nav.documents'],
        ['#/fines', 'nav.fines'],
        ['#/costs', 'nav.costs'],
      ]
    : [
        ['#/', 'nav.dashboard'],
        ['#/trips', 'nav.my_trips'],
        ['#/inspect', 'nav.inspect'],
        ['#/fuel', 'nav.fuel'],
        ['#/fines', 'nav.fines'],
        ['#/vehicles', 'nav.vehicles'],
      ];
  if (me.role === 'admin') links.push(['#/users', 'nav.users'], ['#/audit', 'nav.audit']);
  links.push(['#/notifications', 'nav.notifications'], ['#/password', 'nav.password']);
  const { path } = parseHash();
  clear(
    nav,
    links.map(([href, key]) => {
      const target = href.slice(1);
      const current = target === '/' ? path === '/' : path.startsWith(target);
      return h('a', { href, text: t(key), 'aria-current': current ? 'page' : null });
    }),
  );
  document.getElementById('who-name').textContent = `${me.name} (${t(`role.${me.role}`)})`;
}

async function route() {
  if (!session.token) return showLogin();
  if (session.expired) return expire();
  const view = newView();
  if (!state.me) {
    try {
      // The server's enums come with the caller: every view may read them at once.
      [state.me] = await Promise.all([api('/auth/me'), loadEnums()]);
    } catch (err) {
      if (err.status === 401 || err.status === 403) return; // the events below take over
      add(view, notice(err.detail));
      return;
    }
  }
  renderShell();
  const { path, query } = parseHash();
  const ctx = { me: state.me, query, params: [], setQuery };
  for (const [pattern, render, needs] of ROUTES) {
    const match = path.match(pattern);
    if (!match) continue;
    if (needs === 'fleet' && !isFleet(state.me)) break;
    if (needs === 'admin' && state.me.role !== 'admin') break;
    ctx.params = match.slice(1);
    add(view, h('p', { class: 'muted', text: t('app.loading') }));
    try {
      await render()(ctx);
    } catch (err) {
      if (!(err instanceof ApiError)) console.error(err);
      if (err.status === 401 || (err.status === 403 && !state.me)) return;
      clear(view, h('a', { href: '#/', text: t('common.back') }), notice(err.detail || String(err)));
    }
    document.getElementById('main').focus({ preventScroll: true });
    return;
  }
  add(view, notice('404'));
}

function showLogin(message, kind = 'error') {
  state.me = null;
  renderShell();
  newView();
  renderLogin({
    message,
    kind,
    onLoggedIn: (token) => {
      session.save(token);
      if (token.must_change_password) return showPasswordChange();
      return route(); // where the user was, when the session had expired
    },
  });
}

function showPasswordChange(detail) {
  state.me = null;
  renderShell();
  newView();
  document.getElementById('topbar').hidden = false;
  renderPasswordChange({ me: null, detail, onChanged: () => goHome() }, { required: true });
}

/** To the dashboard, rendering once (setting the hash alone would not when it is already `#/`). */
function goHome() {
  history.replaceState(null, '', '#/');
  route();
}

function expire(detail) {
  session.clear();
  const message = detail ? `${t('login.expired')} (${detail})` : t('login.expired');
  showLogin(message);
}

window.addEventListener('frota:expired', (ev) => expire(ev.detail));
window.addEventListener('frota:must-change', (ev) => showPasswordChange(ev.detail));
window.addEventListener('hashchange', () => route());
document.getElementById('logout').textContent = t('nav.logout');
document.getElementById('logout').addEventListener('click', () => {
  session.clear();
  history.replaceState(null, '', '#/'); // no hashchange: it would re-render the login bare
  showLogin(t('login.logged_out'), 'info');
});

route();
