// The one way the panel talks to the API: bearer token from sessionStorage, errors as the API's detail.
import { t } from './i18n.js';

export const API_BASE = new URL('../api/v1/', location.href);
const TOKEN_KEY = 'frota.token';
const EXPIRES_KEY = 'frota.token_expires_at';
const MUST_CHANGE = 'Password change required';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  save(tokenResponse) {
    sessionStorage.setItem(TOKEN_KEY, tokenResponse.access_token);
    const expiresAt = Date.now() + (tokenResponse.expires_in || 0) * 1000;
    sessionStorage.setItem(EXPIRES_KEY, String(expiresAt));
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(EXPIRES_KEY);
  },
  get expired() {
    const at = Number(sessionStorage.getItem(EXPIRES_KEY) || 0);
    return at > 0 && Date.now() >= at;
  },
};

/** FastAPI's 422 detail is a list of {loc, msg}; anything else is shown as it is. */
export function describeDetail(detail) {
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const where = (d.loc || []).filter((p) => p !== 'body' && p !== 'query').join('.');
        return where ? `${where}: ${d.msg}` : d.msg;
      })
      .join('; ');
  }
  if (detail && typeof detail === 'object') return JSON.stringify(detail);
  return String(detail ?? '');
}

function announce(name, detail) {
  window.dispatchEvent(new CustomEvent(name, { detail }));
}

/**
 * Call the API. `query` becomes the query string (arrays repeat the name, empty values are
 * dropped), `json` a JSON body, `form` a form or multipart body. Resolves to the parsed JSON
 * (also for the `okStatuses` that carry a report, like a 503 from /health/detailed).
 */
export async function api(
  path,
  { method = 'GET', query, json, form, headers = {}, auth = true, okStatuses = [] } = {},
) {
  const url = path instanceof URL ? new URL(path) : new URL(path.replace(/^\//, ''), API_BASE);
  for (const [name, value] of Object.entries(query || {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.append(name, v);
    }
  }
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (auth && session.token) init.headers.Authorization = `Bearer ${session.token}`;
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, t('common.network'));
  }
  if (response.status === 204) return null;
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.ok || okStatuses.includes(response.status)) return body;
  let detail = body && 'detail' in body ? describeDetail(body.detail) : t('common.error', { status: response.status });
  if (response.status === 429 && response.headers.get('Retry-After')) {
    detail += ` ${t('common.retry_after', { s: response.headers.get('Retry-After') })}`;
  }
  if (auth && response.status === 401) {
    session.clear();
    announce('frota:expired', detail);
  } else if (auth && response.status === 403 && detail.startsWith(MUST_CHANGE)) {
    announce('frota:must-change', detail);
  }
  throw new ApiError(response.status, detail);
}

/** Managers and admins run the fleet; drivers see their own. */
export const isFleet = (me) => me && (me.role === 'manager' || me.role === 'admin');

/** The fleet's vehicles to choose from (the first 200: a `<select>`, not a list). */
export const fleetVehicles = () => api('/vehicles', { query: { limit: 200 } });

/** Fetch rows by id in one request each for vehicles and drivers: `{id: row}`. */
export async function byIds(resource, ids) {
  const unique = [...new Set(ids.filter((id) => id !== null && id !== undefined))];
  if (!unique.length) return {};
  const page = await api(`/${resource}`, { query: { id: unique, limit: 200 } });
  return Object.fromEntries(page.items.map((row) => [row.id, row]));
}

/** A plate as the API stores it: `abc-1d23` → `ABC1D23`. */
export const normalisePlate = (typed) => typed.toUpperCase().replace(/[^A-Z0-9]/g, '');

/** The vehicle with exactly this plate (typed with or without separators), or null. */
export async function vehicleByPlate(typed) {
  const plate = normalisePlate(typed);
  const found = await api('/vehicles', { query: { q: plate, limit: 200 } });
  return found.items.find((v) => v.plate === plate) ?? null;
}

/** An Idempotency-Key that also works outside a secure context (plain http on the LAN). */
export function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Save a list as the CSV the API writes (`?format=csv`, same filters) through the browser. */
export async function downloadCsv(path, query = {}) {
  const url = new URL(path.replace(/^\//, ''), API_BASE);
  for (const [name, value] of Object.entries({ ...query, format: 'csv' })) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  let response;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${session.token}` } });
  } catch {
    throw new ApiError(0, t('common.network'));
  }
  if (!response.ok) throw new ApiError(response.status, t('common.error', { status: response.status }));
  const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '')?.[1] || 'export.csv';
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}
