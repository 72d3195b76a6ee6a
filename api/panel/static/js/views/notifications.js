// Notificações: what the signed-in user is told and how (e-mail, the daily digest's hour, the
// language, push through Apprise URLs), and a test message sent at once.
import { api } from '../api.js';
import { clear, field, formValues, h, main, notice } from '../dom.js';
import { t } from '../i18n.js';

const LANGUAGES = ['pt-BR', 'en'];
const URL_PATH = '/users/me/notifications';

export async function renderNotifications() {
  const root = main();
  const prefs = await api(URL_PATH);
  const status = h('div', { class: 'status-area', id: 'notify-status' });
  const check = (name, label) =>
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name, checked: Boolean(prefs[name]) }), label);
  const hours = Array.from({ length: 24 }, (_, hour) =>
    h('option', {
      value: String(hour),
      text: `${String(hour).padStart(2, '0')}:00`,
      selected: hour === prefs.digest_hour,
    }),
  );
  // Push URLs are secrets: the server answers them masked, so the box starts empty and an empty
  // box leaves them as they are (clear them with the checkbox below it).
  const saved = prefs.push_urls || [];
  const form = h(
    'form',
    { class: 'card', id: 'notify-form' },
    h('h1', { text: t('notify.title') }),
    status,
    check('email', t('notify.email')),
    check('immediate', t('notify.immediate')),
    field(t('notify.digest_hour'), h('select', { name: 'digest_hour' }, hours), t('notify.digest_hint')),
    field(
      t('notify.language'),
      h(
        'select',
        { name: 'language' },
        LANGUAGES.map((l) => h('option', { value: l, text: t(`notify.lang_${l}`), selected: l === prefs.language })),
      ),
    ),
    field(
      t('notify.push_urls'),
      h('textarea', { name: 'push_urls', rows: '3', spellcheck: 'false', placeholder: 'ntfy://ntfy.sh/minha-frota' }),
      saved.length ? t('notify.push_saved', { urls: saved.join(', ') }) : t('notify.push_hint'),
    ),
    saved.length
      ? h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'clear_push' }), t('notify.push_clear'))
      : null,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', text: t('common.save') }),
      h('button', { type: 'button', class: 'secondary', id: 'notify-test', text: t('notify.test') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const json = {
      email: Boolean(v.email),
      immediate: Boolean(v.immediate),
      digest_hour: Number(v.digest_hour),
      language: v.language,
    };
    const typed = (v.push_urls || '')
      .split('\n')
      .map((u) => u.trim())
      .filter(Boolean);
    if (typed.length) json.push_urls = typed;
    else if (v.clear_push) json.push_urls = [];
    try {
      await api(URL_PATH, { method: 'PATCH', json });
      await renderNotifications();
      clear(document.getElementById('notify-status'), notice(t('common.saved'), 'info'));
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  form.querySelector('#notify-test').addEventListener('click', async () => {
    try {
      const sent = await api(`${URL_PATH}/test`, { method: 'POST' });
      clear(status, notice(t('notify.test_sent', { what: describeSent(sent) }), 'info'));
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  clear(root, form);
}

/** "e-mail to ana@…, 1 push" from the test's answer, whatever of it the server reports. */
function describeSent(sent) {
  if (!sent || typeof sent !== 'object') return '';
  const parts = [];
  if (sent.email) parts.push(typeof sent.email === 'string' ? sent.email : t('notify.email_short'));
  const push = Array.isArray(sent.push) ? sent.push.length : Number(sent.push || 0);
  if (push) parts.push(t('notify.push_count', { n: push }));
  return parts.join(', ');
}
