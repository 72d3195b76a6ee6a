// Photo galleries: thumbnails through signed `thumbnail_url`, full size through `url` (no token
// needed, so plain <img> works), legal hold for managers, and uploads for drivers.
import { API_BASE, api, idempotencyKey, isFleet, normalisePlate, session, vehicleByPlate } from '../api.js';
import { clear, dayStart, field, fmtDateTime, h, main, notice } from '../dom.js';
import { enumValues } from '../enums.js';
import { t } from '../i18n.js';
import { filterForm, inputFilter, selectFilter } from '../lists.js';

const PAGE = 24;
const kindLabel = (kind) => (kind ? t(`kind.${kind}`) : t('kind.other'));

// A click on the backdrop (the dialog itself, outside its content) closes the full-size view.
document.getElementById('lightbox').addEventListener('click', (ev) => {
  if (ev.target === ev.currentTarget) ev.currentTarget.close();
});

/** Fill `section` with the photos matching `filter` ({vehicle_id} or {trip_id}), page by page. */
export async function photoGallery(section, filter, me) {
  const grid = h('ul', { class: 'gallery' });
  const status = h('div', { class: 'status-area' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true, text: t('photos.more') });
  section.append(status, grid, more);
  let offset = 0;
  async function load() {
    more.disabled = true;
    try {
      const page = await api('/photos', { query: { ...filter, limit: PAGE, offset } });
      if (!page.total) clear(status, h('p', { class: 'muted', text: t('photos.none') }));
      grid.append(...page.items.map((photo) => thumbnail(photo, me)));
      offset += page.items.length;
      more.hidden = offset >= page.total;
    } catch (err) {
      clear(status, notice(err.detail));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', load);
  await load();
  return {
    reload: async () => {
      grid.replaceChildren();
      offset = 0;
      clear(status);
      await load();
    },
  };
}

function brokenImage(img) {
  // Signed links expire (SIGNED_URL_MINUTES): say so rather than show a broken picture.
  img.addEventListener(
    'error',
    () => {
      img.replaceWith(h('span', { class: 'broken', text: t('photos.expired') }));
    },
    { once: true },
  );
  return img;
}

function holdBadge(photo) {
  return h('span', { class: 'badge hold', hidden: !photo.legal_hold, text: t('photos.hold_on') });
}

function thumbnail(photo, me) {
  const badge = holdBadge(photo);
  if (!photo.thumbnail_url) {
    return h(
      'li',
      { class: 'thumb', dataset: { photoId: String(photo.id) } },
      h('span', { class: 'broken', text: t('photos.pruned') }),
      badge,
    );
  }
  const item = h(
    'li',
    { class: 'thumb', dataset: { photoId: String(photo.id) } },
    h(
      'button',
      { type: 'button', class: 'thumb-button', on: { click: () => openLightbox(photo, me, badge) } },
      brokenImage(
        h('img', {
          src: photo.thumbnail_url,
          alt: `${kindLabel(photo.kind)} ${fmtDateTime(photo.taken_at)}`,
          loading: 'lazy',
          decoding: 'async',
        }),
      ),
      h('span', { class: 'caption' }, kindLabel(photo.kind), h('br'), fmtDateTime(photo.taken_at || photo.uploaded_at)),
    ),
    badge,
  );
  return item;
}

function openLightbox(photo, me, thumbBadge) {
  const dialog = document.getElementById('lightbox');
  const status = h('div', { class: 'status-area' });
  const badge = holdBadge(photo);
  const holdButton = isFleet(me) ? h('button', { type: 'button', class: 'secondary', id: 'legal-hold-toggle' }) : null;
  const label = () => {
    if (holdButton) holdButton.textContent = photo.legal_hold ? t('photos.hold_clear') : t('photos.hold_set');
    badge.hidden = !photo.legal_hold;
    thumbBadge.hidden = !photo.legal_hold;
  };
  holdButton?.addEventListener('click', async () => {
    holdButton.disabled = true;
    try {
      const updated = await api(`/photos/${photo.id}`, { method: 'PATCH', json: { legal_hold: !photo.legal_hold } });
      photo.legal_hold = updated.legal_hold;
      label();
    } catch (err) {
      clear(status, notice(err.detail));
    } finally {
      holdButton.disabled = false;
    }
  });
  label();
  clear(
    dialog,
    h(
      'div',
      { class: 'lightbox-body' },
      h(
        'div',
        { class: 'lightbox-bar' },
        h(
          'span',
          {},
          kindLabel(photo.kind),
          ' · ',
          photo.taken_at
            ? t('photos.taken', { when: fmtDateTime(photo.taken_at) })
            : t('photos.uploaded_at', { when: fmtDateTime(photo.uploaded_at) }),
          ' ',
          badge,
        ),
        h('button', {
          type: 'button',
          class: 'secondary',
          text: t('common.close'),
          on: { click: () => dialog.close() },
        }),
      ),
      status,
      brokenImage(h('img', { class: 'full', src: photo.url, alt: kindLabel(photo.kind) })),
      h(
        'div',
        { class: 'actions' },
        h('a', { href: photo.url, target: '_blank', rel: 'noopener', text: t('photos.open') }),
        holdButton,
      ),
    ),
  );
  dialog.showModal();
}

/**
 * Send a photo resumably (tus, with the vendored tus-js-client): a dropped connection is
 * retried from the last byte the server acknowledged, and a reload of the page resumes the same
 * upload (its URL is kept in localStorage until it succeeds). Resolves with the photo's path.
 */
export function resumableUpload(file, metadata, onProgress) {
  return new Promise((resolve, reject) => {
    let photoLocation = null;
    const upload = new window.tus.Upload(file, {
      endpoint: new URL('uploads', API_BASE).href,
      headers: { Authorization: `Bearer ${session.token}` },
      metadata: { ...metadata, filename: file.name },
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      removeFingerprintOnSuccess: true,
      onProgress,
      onAfterResponse: (_req, res) => {
        photoLocation = res.getHeader('Photo-Location') || photoLocation;
      },
      onError: (err) => {
        let detail = err.message;
        try {
          detail = JSON.parse(err.originalResponse.getBody()).detail || detail;
        } catch {
          /* not JSON */
        }
        reject(Object.assign(new Error(detail), { detail }));
      },
      onSuccess: () => resolve(photoLocation),
    });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
  });
}

/** The upload form for a trip or a vehicle: the phone's camera, one idempotency key per file. */
export function photoUploadForm({ vehicleId, tripId, onUploaded }) {
  const status = h('div', { class: 'status-area' });
  const submit = h('button', { type: 'submit', text: t('photos.upload') });
  let key = idempotencyKey();
  const file = h('input', {
    name: 'file',
    type: 'file',
    accept: 'image/*',
    capture: 'environment',
    required: true,
    on: {
      change: () => {
        key = idempotencyKey();
      },
    },
  });
  const form = h(
    'form',
    { class: 'card', id: 'upload-form' },
    h('h2', { text: t('photos.upload') }),
    status,
    field(t('photos.file'), file),
    field(
      t('photos.kind'),
      h(
        'select',
        { name: 'kind' },
        enumValues('PhotoKind').map((k) => h('option', { value: k, text: kindLabel(k) })),
      ),
    ),
    submit,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const metadata = { vehicle_id: String(vehicleId), kind: form.elements.kind.value, idempotency_key: key };
    if (tripId) metadata.trip_id = String(tripId);
    submit.disabled = true;
    const progress = (sent, total) =>
      clear(status, notice(t('photos.sending', { percent: Math.floor((100 * sent) / total) }), 'info'));
    try {
      // The same key on a retry: the API answers with the first photo, never a duplicate.
      await resumableUpload(file.files[0], metadata, progress);
      key = idempotencyKey();
      form.reset();
      clear(status, notice(t('photos.uploaded'), 'info'));
      if (onUploaded) await onUploaded();
    } catch (err) {
      clear(status, notice(err.detail));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** The photos page (managers): filters by plate, kind and upload date; the gallery below. */
export async function renderPhotos(ctx) {
  const { me, query } = ctx;
  const root = main();
  const status = h('div', { class: 'status-area' });
  const filters = filterForm(ctx, {
    id: 'photo-filters',
    fields: [
      inputFilter(query, 'plate', t('trip.vehicle'), { placeholder: 'ABC1D23', autocapitalize: 'characters' }),
      selectFilter(query, 'kind', t('photos.kind'), enumValues('PhotoKind'), { label: kindLabel }),
      inputFilter(query, 'from', t('trip.from'), { type: 'date' }),
      inputFilter(query, 'to', t('trip.to'), { type: 'date' }),
    ],
    toQuery: (values) => ({ ...values, plate: normalisePlate(values.plate) }),
  });
  const gallery = h('section', { class: 'card', id: 'photos-page' });
  clear(root, h('h1', { text: t('photos.title') }), filters, status, gallery);
  const filter = { kind: query.kind, uploaded_from: dayStart(query.from), uploaded_to: dayStart(query.to, 1) };
  if (query.plate) {
    const vehicle = await vehicleByPlate(query.plate);
    if (!vehicle) return clear(status, notice(t('trip.no_vehicle', { plate: query.plate })));
    filter.vehicle_id = vehicle.id;
  }
  await photoGallery(gallery, filter, me);
}
