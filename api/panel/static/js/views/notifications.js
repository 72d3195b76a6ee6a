// The person's notification preferences (e-mail, immediate alerts, the digest's hour, language,
// push URLs) and a "send me a test" button.
import { api } from '../api.js';
import { clear, field, h, main, notice } from '../dom.js';
import { t } from '../i18n.js';

const HOURS = Array.from({ length: 24 }, (_, hour) => hour);

function checkbox(name, checked) {
  return h('input', { type: 'checkbox', name, checked });
}

export async function renderNotifications() {
  const root = main();
  const prefs = await api('/users/me/notifications');
  const status = h('div', { class: 'status-area', id: 'notify-status' });
  const hour = h(
    'select',
    { name: 'digest_hour' },
    HOURS.map((n) =>
      h('option', { value: String(n), text: `${String(n).padStart(2, '0')}:00`, selected: n === prefs.digest_hour }),
    ),
  );
  const language = h(
    'select',
    { name: 'language' },
    ['pt-BR', 'en'].map((code) =>
      h('option', { value: code, text: t(`notify.lang.${code}`), selected: code === prefs.language }),
    ),
  );
  const pushUrls = h('textarea', { name: 'push_urls', rows: '3', spellcheck: 'false' });
  pushUrls.value = prefs.push_urls.join('\n');
  const form = h(
    'form',
    { class: 'card narrow', id: 'notify-form' },
    h('h1', { text: t('notify.title') }),
    status,
    h('label', { class: 'check' }, checkbox('email', prefs.email), h('span', { text: t('notify.email') })),
    h('label', { class: 'check' }, checkbox('immediate', prefs.immediate), h('span', { text: t('notify.immediate') })),
    field(t('notify.digest_hour'), hour, t('notify.digest_hint')),
    field(t('notify.language'), language),
    field(t('notify.push_urls'), pushUrls, t('notify.push_hint')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('common.save') }), testButton(status)),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {
      email: form.elements.email.checked,
      immediate: form.elements.immediate.checked,
      digest_hour: Number(hour.value),
      language: language.value,
      push_urls: pushUrls.value
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    };
    try {
      const saved = await api('/users/me/notifications', { method: 'PATCH', json: body });
      pushUrls.value = saved.push_urls.join('\n');
      clear(status, notice(t('notify.saved'), 'info'));
    } catch (err) {
      clear(status, notice(err.detail || String(err)));
    }
  });
  clear(root, form);
}

function testButton(status) {
  const button = h('button', { type: 'button', class: 'secondary', id: 'notify-test', text: t('notify.test') });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const result = await api('/users/me/notifications/test', { method: 'POST' });
      const sent = result.sent.map((s) => s.to).join(', ');
      const lines = [notice(t('notify.test_sent', { to: sent }), 'info')];
      for (const failed of result.failed) lines.push(notice(`${failed.to}: ${failed.error}`));
      clear(status, lines);
    } catch (err) {
      clear(status, notice(err.detail || String(err)));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
