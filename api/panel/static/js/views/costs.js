// Costs: fuel and maintenance per vehicle or per month, as a stacked bar chart (Chart.js, vendored
// and loaded only here) and a table with km, litres, R$/km and km/l; per driver, fuel and fines
// (the chart's bars) with the km of their trips, litres, km/l and the fines counted.
import { api } from '../api.js';
import { clear, fmtDate, fmtMoney, fmtNumber, h, isoDay, main, table } from '../dom.js';
import { enumValues } from '../enums.js';
import { locale, t } from '../i18n.js';
import { filterForm, inputFilter, selectFilter } from '../lists.js';

let chartLibrary = null;

/** Chart.js's UMD build (window.Chart), from the panel's own files, the first time it is needed. */
function loadChartJs() {
  chartLibrary ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('../../vendor/chart.umd.min.js', import.meta.url).href;
    script.onload = () => resolve(window.Chart);
    script.onerror = () => {
      chartLibrary = null;
      reject(new Error('chart.umd.min.js'));
    };
    document.head.append(script);
  });
  return chartLibrary;
}

const monthLabel = (iso) =>
  new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric' }).format(new Date(`${iso}T12:00:00`));

/** A group's name: its plate, its month, or its driver (the group of what is no driver's). */
const LABELS = {
  vehicle: (g) => g.plate,
  month: (g) => monthLabel(g.month),
  driver: (g) => g.driver ?? t('costs.no_driver'),
};

/** The figures of a grouping: its table's columns after the name, and its chart's bars. */
const BY_VEHICLE_OR_MONTH = {
  columns: () => [
    { label: t('costs.fuel'), cell: (g) => fmtMoney(g.fuel_cost) },
    { label: t('costs.service'), cell: (g) => fmtMoney(g.service_cost) },
    { label: t('costs.total'), cell: (g) => fmtMoney(g.total_cost) },
    { label: t('costs.km'), cell: (g) => fmtNumber(g.km) },
    { label: t('costs.liters'), cell: (g) => fmtNumber(g.liters) },
    { label: t('costs.per_km'), cell: (g) => fmtNumber(g.cost_per_km) },
    { label: t('costs.kml'), cell: (g) => fmtNumber(g.km_per_liter) },
  ],
  bars: () => [
    [t('costs.fuel'), 'fuel_cost', '#2f6fb3'],
    [t('costs.service'), 'service_cost', '#d98c1f'],
  ],
};

/** By driver: km are their trips', and services are no driver's (left to the other groupings). */
const BY_DRIVER = {
  columns: () => [
    { label: t('costs.fuel'), cell: (g) => fmtMoney(g.fuel_cost) },
    { label: t('costs.trip_km'), cell: (g) => fmtNumber(g.km) },
    { label: t('costs.liters'), cell: (g) => fmtNumber(g.liters) },
    { label: t('costs.kml'), cell: (g) => fmtNumber(g.km_per_liter) },
    { label: t('costs.fines'), cell: (g) => fmtNumber(g.fines) },
    { label: t('costs.fines_amount'), cell: (g) => fmtMoney(g.fines_amount) },
  ],
  bars: () => [
    [t('costs.fuel'), 'fuel_cost', '#2f6fb3'],
    [t('costs.fines_amount'), 'fines_amount', '#c0392b'],
  ],
};

export async function renderCosts(ctx) {
  const { query } = ctx;
  const root = main();
  const today = new Date();
  const from = query.from || isoDay(new Date(today.getFullYear(), today.getMonth() - 11, 1));
  const to = query.to || isoDay(today);
  const groupBy = enumValues('GroupBy').includes(query.group_by) ? query.group_by : 'vehicle';
  const report = await api('/reports/costs', { query: { from, to, group_by: groupBy } });
  const shown = { from, to, group_by: groupBy };
  const form = filterForm(ctx, {
    id: 'cost-filters',
    submitText: t('costs.show'),
    fields: [
      inputFilter(shown, 'from', t('costs.from'), { type: 'date' }),
      inputFilter(shown, 'to', t('costs.to'), { type: 'date' }),
      selectFilter(shown, 'group_by', t('costs.group'), enumValues('GroupBy'), {
        label: (g) => t(`costs.by_${g}`),
        all: false,
      }),
    ],
  });
  const label = LABELS[groupBy];
  const rows = [...report.groups, { ...report.totals, total: true }];
  const { columns, bars } = groupBy === 'driver' ? BY_DRIVER : BY_VEHICLE_OR_MONTH;
  const canvas = h('canvas', {
    id: 'cost-chart',
    role: 'img',
    'aria-label': t('costs.chart', { group: t(`costs.by_${groupBy}`) }),
  });
  clear(
    root,
    h('h1', { text: t('costs.title') }),
    form,
    h('section', { class: 'card chart' }, h('div', { class: 'chart-box' }, canvas)),
    table(
      [
        {
          label: t(`costs.by_${groupBy}`),
          cell: (g) => (g.total ? h('strong', { text: t('costs.totals') }) : label(g)),
        },
        ...columns(),
      ],
      rows,
    ),
    groupBy === 'driver' ? h('p', { class: 'muted', text: t('costs.driver_note') }) : null,
    h('p', { class: 'muted', text: `${fmtDate(report.from)} – ${fmtDate(report.to)}` }),
  );
  const Chart = await loadChartJs();
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: report.groups.map(label),
      datasets: bars().map(([text, figure, color]) => ({
        label: text,
        data: report.groups.map((g) => g[figure]),
        backgroundColor: color,
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${fmtMoney(item.raw)}` } } },
    },
  });
  canvas.dataset.ready = 'true';
}
