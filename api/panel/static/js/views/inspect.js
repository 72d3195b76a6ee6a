// The walk-around before leaving (a driver on a phone: one big choice per item, a note and a
// photo for each problem) and, for managers, the checklists.
import { api, fleetVehicles, idempotencyKey, isFleet } from '../api.js';
import { add, clear, field, formValues, h, main, notice, vehicleOptions } from '../dom.js';
import { enumValues } from '../enums.js';
import { t } from '../i18n.js';
import { resumableUpload } from './photos.js';

function itemBlock(item) {
  const note = h('input', { name: `note_${item.key}`, maxlength: '1000', placeholder: t('insp.note') });
  const photo = h('input', { name: `photo_${item.key}`, type: 'file', accept: 'image/*', capture: 'environment' });
  const problem = h(
    'div',
    { class: 'problem', hidden: true },
    field(t('insp.note'), note),
    field(t('insp.photo'), photo),
  );
  const choices = h(
    'div',
    { class: 'choices', role: 'radiogroup', 'aria-label': item.label },
    enumValues('ItemResult').map((result) =>
      h(
        'label',
        { class: `choice choice-${result}` },
        h('input', {
          type: 'radio',
          name: `result_${item.key}`,
          value: result,
          required: true,
          on: {
            change: () => {
              problem.hidden = result !== 'fail';
            },
          },
        }),
        h('span', { text: t(`insp.${result}`) }),
      ),
    ),
  );
  return h(
    'fieldset',
    { class: 'inspection-item', dataset: { key: item.key } },
    h(
      'legend',
      {},
      item.label,
      item.critical ? h('span', { class: 'badge due-overdue', text: ` ${t('insp.critical')}` }) : null,
    ),
    choices,
    problem,
  );
}

export async function renderInspect({ me, query }) {
  const root = main();
  const [templates, vehicles, trips] = await Promise.all([
    api('/inspection-templates'),
    fleetVehicles(),
    me.role === 'driver' ? api('/trips', { query: { state: 'open', limit: 1 } }) : null,
  ]);
  const status = h('div', { class: 'status-area' });
  if (!templates.length) {
    return clear(
      root,
      h('h1', { text: t('insp.title') }),
      notice(t('insp.no_templates'), 'info'),
      isFleet(me) ? await templatesCard(templates) : null,
    );
  }
  const openTrip = trips?.items[0];
  const choosable = vehicles.items.filter((v) => v.status !== 'retired');
  const selected = query.vehicle_id || openTrip?.vehicle_id;
  const vehicle = h('select', { name: 'vehicle_id', required: true }, vehicleOptions(choosable, selected, '—'));
  const odometer = h('input', { name: 'odometer_km', type: 'number', min: '0', inputmode: 'numeric', required: true });
  const fillOdometer = () => {
    const v = choosable.find((x) => String(x.id) === vehicle.value);
    if (v && !odometer.value) odometer.value = String(v.odometer_km);
  };
  vehicle.addEventListener('change', () => {
    odometer.value = '';
    fillOdometer();
  });
  const template = h(
    'select',
    { name: 'template_id' },
    templates.map((tp) => h('option', { value: String(tp.id), text: tp.name })),
  );
  const items = h('div', { class: 'inspection-items' });
  const showItems = () => clear(items, templates.find((tp) => String(tp.id) === template.value).items.map(itemBlock));
  template.addEventListener('change', showItems);
  const submit = h('button', { type: 'submit', class: 'big', text: t('insp.submit') });
  const form = h(
    'form',
    { class: 'card', id: 'inspection-form' },
    h('h1', { text: t('insp.title') }),
    status,
    field(t('insp.vehicle'), vehicle),
    field(t('insp.template'), template),
    field(
      t('insp.phase'),
      h(
        'select',
        { name: 'phase' },
        enumValues('Phase').map((p) =>
          h('option', { value: p, text: t(`insp.phase.${p}`), selected: p === (openTrip ? 'check_in' : 'check_out') }),
        ),
      ),
    ),
    field(t('insp.odometer'), odometer),
    items,
    submit,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    submit.disabled = true;
    try {
      const results = [];
      for (const block of items.querySelectorAll('.inspection-item')) {
        const key = block.dataset.key;
        const result = form.querySelector(`input[name="result_${key}"]:checked`)?.value;
        if (!result) throw Object.assign(new Error(t('insp.answer_all')), { detail: t('insp.answer_all') });
        const entry = { key, result };
        if (result === 'fail') {
          if (values[`note_${key}`]) entry.note = values[`note_${key}`];
          const file = form.elements[`photo_${key}`].files[0];
          if (file) {
            const progress = (sent, total) =>
              clear(status, notice(t('insp.sending_photo', { percent: Math.floor((100 * sent) / total) }), 'info'));
            const path = await resumableUpload(
              file,
              { vehicle_id: values.vehicle_id, kind: 'damage', idempotency_key: idempotencyKey() },
              progress,
            );
            entry.photo_id = Number(path.split('/').pop());
          }
        }
        results.push(entry);
      }
      const made = await api('/inspections', {
        method: 'POST',
        json: {
          vehicle_id: Number(values.vehicle_id),
          template_id: Number(values.template_id),
          phase: values.phase,
          odometer_km: Number(values.odometer_km),
          results,
        },
      });
      const after = await api(`/vehicles/${made.vehicle_id}`);
      clear(
        root,
        h(
          'section',
          { class: 'card', id: 'inspection-done' },
          h('h1', { text: t('insp.done') }),
          made.defect_ids.length ? notice(t('insp.defects_opened', { n: made.defect_ids.length }), 'warning') : null,
          after.status === 'maintenance' ? notice(t('insp.grounded')) : null,
          h('a', { class: 'button big', href: '#/', text: t('common.back') }),
        ),
      );
    } catch (err) {
      clear(status, notice(err.detail || String(err)));
      status.scrollIntoView?.();
    } finally {
      submit.disabled = false;
    }
  });
  clear(root, form);
  fillOdometer();
  showItems();
  if (isFleet(me)) add(root, await templatesCard(templates));
}

/** Managers: the checklists, and a new one typed as lines (`*` at the end: critical). */
async function templatesCard(templates) {
  const status = h('div', { class: 'status-area' });
  const form = h(
    'form',
    { id: 'template-form' },
    h('h2', { text: t('insp.new_template') }),
    status,
    field(t('insp.template_name'), h('input', { name: 'name', required: true, maxlength: '120' })),
    field(t('insp.template_items'), h('textarea', { name: 'items', required: true, rows: '5' })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'required_at_check_out' }), t('insp.required')),
    h('button', { type: 'submit', text: t('common.save') }),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    const items = values.items
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line, i) => {
        const critical = line.endsWith('*');
        const label = critical ? line.slice(0, -1).trim() : line;
        const key =
          label
            .normalize('NFD')
            .replace(/[\u0300-\u036f]/g, '')
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '_')
            .replace(/^_|_$/g, '')
            .slice(0, 50) || `item_${i + 1}`;
        return { key, label, critical };
      });
    try {
      await api('/inspection-templates', {
        method: 'POST',
        json: { name: values.name, items, required_at_check_out: values.required_at_check_out },
      });
      clear(status, notice(t('insp.template_saved'), 'info'));
      form.reset();
    } catch (err) {
      clear(status, notice(err.detail));
    }
  });
  return h(
    'section',
    { class: 'card', id: 'templates' },
    h('h2', { text: t('insp.template') }),
    h(
      'ul',
      {},
      templates.map((tp) =>
        h('li', {}, `${tp.name} (${tp.items.length})`, tp.required_at_check_out ? ` · ${t('insp.required')}` : ''),
      ),
    ),
    form,
  );
}
