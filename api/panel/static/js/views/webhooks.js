// Webhooks (admins): endpoints that receive Frota's events signed per Standard Webhooks; the
// secret is shown once (create, rotate), and each endpoint's deliveries with their attempts.
import { api } from '../api.js';
import { clear, field, fmtDateTime, formValues, h, main, notice, table } from '../dom.js';
import { fieldValues } from '../enums.js';
import { t } from '../i18n.js';
import { pageOf, pager } from '../lists.js';

/** The event types, from the API's schema of a new endpoint. */
const eventTypes = () => fieldValues('WebhookCreate', 'events');

/** The secret, once: a read-only box and a copy button. */
function secretBox(secret) {
  const input = h('input', { id: 'webhook-secret', readonly: true, value: secret, spellcheck: 'false' });
  const copy = h('button', {
    type: 'button',
    class: 'secondary',
    id: 'webhook-copy',
    text: t('webhook.copy'),
    on: {
      click: async () => {
        input.select();
        try {
          await navigator.clipboard.writeText(secret);
          copy.textContent = t('webhook.copied');
        } catch {
          document.execCommand?.('copy');
        }
      },
    },
  });
  return h('div', { class: 'card', id: 'webhook-secret-box' }, h('p', { text: t('webhook.secret_once') }), input, copy);
}

export async function renderWebhooks(ctx) {
  const root = main();
  const page = await api('/webhooks', { query: pageOf(ctx.query) });
  const items = page.items ?? page;
  clear(
    root,
    h(
      'div',
      { class: 'title-row' },
      h('h1', { text: t('nav.webhooks') }),
      h('a', { class: 'button', href: '#/webhooks/new', text: t('webhook.new') }),
    ),
    table(
      [
        { label: t('webhook.url'), cell: (w) => h('a', { href: `#/webhooks/${w.id}`, text: w.url }) },
        { label: t('webhook.events'), cell: (w) => w.events.join(', ') },
        {
          label: t('webhook.active'),
          cell: (w) =>
            w.active
              ? t('common.yes')
              : h('span', { class: 'badge status-retired', text: w.disabled_reason || t('common.no') }),
        },
        { label: t('webhook.description'), cell: (w) => w.description || '' },
      ],
      items,
      (w) => `#/webhooks/${w.id}`,
    ),
    page.items ? pager(ctx, page) : null,
  );
}

function eventChecks(selected = []) {
  return h(
    'fieldset',
    { id: 'webhook-events' },
    h('legend', { text: t('webhook.events') }),
    eventTypes().map((type) =>
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name: `event:${type}`, checked: selected.includes(type) }),
        type,
      ),
    ),
  );
}

const chosenEvents = (values) =>
  Object.entries(values)
    .filter(([name, on]) => name.startsWith('event:') && on)
    .map(([name]) => name.slice('event:'.length));

export async function renderWebhookForm() {
  const root = main();
  const status = h('div', { class: 'status-area' });
  const form = h(
    'form',
    { class: 'card', id: 'webhook-form' },
    h('h1', { text: t('webhook.new') }),
    status,
    field(
      t('webhook.url'),
      h('input', { name: 'url', type: 'url', required: true, placeholder: 'https://erp.example.com/frota' }),
    ),
    field(t('webhook.description'), h('input', { name: 'description', maxlength: '200' })),
    eventChecks(),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', text: t('common.save') }),
      h('a', { class: 'button secondary', href: '#/webhooks', text: t('common.cancel') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    try {
      const created = await api('/webhooks', {
        method: 'POST',
        json: { url: v.url, description: v.description || null, events: chosenEvents(v) },
      });
      // The endpoint's own page, with its secret this once (no hashchange: it would render it
      // again without the secret).
      history.replaceState(null, '', `#/webhooks/${created.id}`);
      await renderWebhook({ params: [String(created.id)], query: {} }, created.secret);
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  clear(root, form);
}

function attemptsList(delivery) {
  if (!delivery.attempts.length) return t('webhook.no_attempts');
  return h(
    'ol',
    { class: 'attempts' },
    delivery.attempts.map((a) =>
      h(
        'li',
        {},
        `${fmtDateTime(a.at)} · ${a.status_code ?? '—'}${a.error ? ` · ${a.error}` : ''} · ${a.duration_ms ?? '—'} ms`,
      ),
    ),
  );
}

export async function renderWebhook(ctx, secret = null) {
  const root = main();
  const id = ctx.params[0];
  const [hook, deliveries] = await Promise.all([
    api(`/webhooks/${id}`),
    api(`/webhooks/${id}/deliveries`, { query: pageOf(ctx.query || {}) }),
  ]);
  const status = h('div', { class: 'status-area', id: 'webhook-status' });
  const act = (label, elementId, run) =>
    h('button', {
      type: 'button',
      class: 'secondary',
      id: elementId,
      text: label,
      on: {
        click: async () => {
          try {
            await run();
          } catch (err) {
            clear(status, notice(err.detail));
          }
        },
      },
    });
  const rerender = (newSecret, message) =>
    renderWebhook(ctx, newSecret).then(() => {
      if (message) clear(document.getElementById('webhook-status'), notice(message, 'info'));
    });
  const items = deliveries.items ?? deliveries;
  clear(
    root,
    h('a', { href: '#/webhooks', text: t('common.back') }),
    h('h1', { text: hook.url }),
    status,
    secret ? secretBox(secret) : null,
    h(
      'dl',
      { class: 'facts' },
      h('dt', { text: t('webhook.events') }),
      h('dd', { text: hook.events.join(', ') }),
      h('dt', { text: t('webhook.active') }),
      h('dd', { text: hook.active ? t('common.yes') : `${t('common.no')} ${hook.disabled_reason || ''}` }),
      h('dt', { text: t('webhook.description') }),
      h('dd', { text: hook.description || '—' }),
    ),
    h(
      'div',
      { class: 'actions' },
      act(t('webhook.test'), 'webhook-test', async () => {
        await api(`/webhooks/${id}/test`, { method: 'POST' });
        await rerender(null, t('webhook.test_queued'));
      }),
      act(t('webhook.rotate'), 'webhook-rotate', async () => {
        const rotated = await api(`/webhooks/${id}/rotate-secret`, { method: 'POST' });
        await rerender(rotated.secret);
      }),
      act(hook.active ? t('webhook.deactivate') : t('webhook.activate'), 'webhook-toggle', async () => {
        await api(`/webhooks/${id}`, { method: 'PATCH', json: { active: !hook.active } });
        await rerender(null);
      }),
      act(t('webhook.delete'), 'webhook-delete', async () => {
        if (!window.confirm(t('webhook.delete_confirm'))) return;
        await api(`/webhooks/${id}`, { method: 'DELETE' });
        location.hash = '#/webhooks';
      }),
    ),
    h('h2', { text: t('webhook.deliveries') }),
    table(
      [
        { label: t('webhook.event'), cell: (d) => d.type },
        {
          label: t('webhook.status'),
          cell: (d) => h('span', { class: `badge delivery-${d.status}`, text: t(`webhook.status_${d.status}`) }),
        },
        { label: t('webhook.attempts'), cell: (d) => attemptsList(d) },
        { label: t('webhook.next_attempt'), cell: (d) => (d.next_attempt_at ? fmtDateTime(d.next_attempt_at) : '—') },
        {
          label: '',
          cell: (d) =>
            d.status === 'delivered'
              ? ''
              : act(t('webhook.retry'), `retry-${d.id}`, async () => {
                  await api(`/webhooks/${id}/deliveries/${d.id}/retry`, { method: 'POST' });
                  await rerender(null, t('webhook.retry_queued'));
                }),
        },
      ],
      items,
    ),
    deliveries.items ? pager(ctx, deliveries) : null,
  );
}
