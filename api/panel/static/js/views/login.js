// Log in (the API's OAuth2 password form) and change the password.
import { ApiError, api, session } from '../api.js';
import { clear, field, formValues, h, main, notice } from '../dom.js';
import { t } from '../i18n.js';

export function renderLogin({ message, kind = 'error', onLoggedIn }) {
  const status = h('div', { class: 'status-area' }, message ? notice(message, kind) : null);
  const submit = h('button', { type: 'submit', text: t('login.submit') });
  const form = h(
    'form',
    { class: 'card narrow', id: 'login-form' },
    h('h1', { text: t('login.title') }),
    status,
    field(t('login.email'), h('input', { name: 'username', type: 'email', autocomplete: 'username', required: true })),
    field(
      t('login.password'),
      h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    ),
    submit,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    try {
      const body = new URLSearchParams(formValues(form));
      const token = await api('/auth/login', { method: 'POST', form: body, auth: false });
      onLoggedIn(token);
    } catch (err) {
      clear(status, notice(err instanceof ApiError ? err.detail : String(err)));
      submit.disabled = false;
    }
  });
  clear(main(), form);
  form.elements.username.focus();
}

export function renderPasswordChange({ detail, onChanged }, { required }) {
  const status = h('div', { class: 'status-area' }, required ? notice(detail || t('password.required'), 'info') : null);
  const submit = h('button', { type: 'submit', text: t('password.submit') });
  const form = h(
    'form',
    { class: 'card narrow', id: 'password-form' },
    h('h1', { text: t('password.title') }),
    status,
    field(
      t('password.current'),
      h('input', { name: 'current_password', type: 'password', autocomplete: 'current-password', required: true }),
    ),
    field(
      t('password.new'),
      h('input', {
        name: 'new_password',
        type: 'password',
        autocomplete: 'new-password',
        minlength: '12',
        maxlength: '128',
        required: true,
      }),
    ),
    field(
      t('password.repeat'),
      h('input', { name: 'repeat', type: 'password', autocomplete: 'new-password', required: true }),
    ),
    submit,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    if (values.new_password !== values.repeat) {
      clear(status, notice(t('password.mismatch')));
      return;
    }
    submit.disabled = true;
    try {
      const token = await api('/auth/password', {
        method: 'POST',
        json: { current_password: values.current_password, new_password: values.new_password },
      });
      session.save(token);
      form.reset();
      clear(status, notice(t('password.done'), 'info'));
      if (onChanged) onChanged();
    } catch (err) {
      clear(status, notice(err.detail || String(err)));
    } finally {
      submit.disabled = false;
    }
  });
  clear(main(), form);
}
