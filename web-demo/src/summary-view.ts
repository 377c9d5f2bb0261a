import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { SummaryPayload } from './protocol.ts';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

const TEXT = '#eef2f7';
const GRID = 'rgba(170, 180, 195, 0.18)';

function seconds(s: number): string {
  const m = Math.floor(s / 60);
  const r = Math.round(s % 60);
  return `${m}:${String(r).padStart(2, '0')}`;
}

function cell(row: HTMLTableRowElement, text: string, header = false): void {
  const el = document.createElement(header ? 'th' : 'td');
  if (header) el.setAttribute('scope', 'row');
  el.textContent = text;
  row.append(el);
}

/** The session summary: the seed's per-exercise table and a per-rep chart (range of motion, tempo, form). */
export class SummaryView {
  private chart: Chart | undefined;

  constructor(
    private readonly dialog: HTMLDialogElement,
    private readonly overview: HTMLElement,
    private readonly tableBody: HTMLTableSectionElement,
    private readonly chartCanvas: HTMLCanvasElement,
    private readonly emptyNote: HTMLElement,
  ) {}

  show(summary: SummaryPayload): void {
    const avg =
      summary.avg_form_score !== undefined ? `, average form ${Math.round(summary.avg_form_score)}` : '';
    this.overview.textContent =
      `${seconds(summary.session_duration)} session, ${summary.total_frames} frames analysed, ` +
      `${summary.exercises_performed} exercise${summary.exercises_performed === 1 ? '' : 's'}${avg}.`;
    this.renderTable(summary);
    if (!this.dialog.open) this.dialog.showModal();
    // After showModal: the chart measures its container, which must be laid out.
    this.renderChart(summary);
  }

  private renderTable(summary: SummaryPayload): void {
    this.tableBody.replaceChildren();
    const entries = Object.entries(summary.exercise_details);
    if (entries.length === 0) {
      const row = this.tableBody.insertRow();
      const td = document.createElement('td');
      td.colSpan = 6;
      td.textContent = 'No exercise recognised yet.';
      row.append(td);
      return;
    }
    for (const [name, d] of entries) {
      const row = this.tableBody.insertRow();
      cell(row, name.replaceAll('_', ' '), true);
      cell(row, String(d.total_reps));
      cell(row, d.sets !== undefined ? String(d.sets) : '–');
      cell(row, seconds(d.duration));
      cell(row, String(Math.round(d.best_form_score)));
      cell(row, d.avg_form_score !== undefined ? String(Math.round(d.avg_form_score)) : '–');
    }
  }

  private renderChart(summary: SummaryPayload): void {
    const reps = summary.reps ?? [];
    this.emptyNote.hidden = reps.length > 0;
    this.chartCanvas.parentElement?.toggleAttribute('hidden', reps.length === 0);
    this.chart?.destroy();
    this.chart = undefined;
    if (reps.length === 0) return;
    const many = new Set(reps.map((r) => r.exercise)).size > 1;
    const labels = reps.map((r) => (many ? `${r.exercise.replaceAll('_', ' ')} ${r.index}` : `#${r.index}`));
    this.chart = new Chart(this.chartCanvas, {
      data: {
        labels,
        datasets: [
          {
            type: 'bar',
            label: 'Range of motion (°)',
            data: reps.map((r) => Math.round(r.range_of_motion)),
            backgroundColor: 'rgba(92, 200, 255, 0.55)',
            yAxisID: 'y',
            order: 3,
          },
          {
            type: 'line',
            label: 'Form score',
            data: reps.map((r) => Math.round(r.form_score)),
            borderColor: '#7ee787',
            backgroundColor: '#7ee787',
            yAxisID: 'y',
            order: 1,
          },
          {
            type: 'line',
            label: 'Down (s)',
            data: reps.map((r) => r.eccentric_s),
            borderColor: '#ffd166',
            backgroundColor: '#ffd166',
            borderDash: [6, 4],
            yAxisID: 'tempo',
            order: 2,
          },
          {
            type: 'line',
            label: 'Up (s)',
            data: reps.map((r) => r.concentric_s),
            borderColor: '#ff8fa3',
            backgroundColor: '#ff8fa3',
            borderDash: [2, 3],
            yAxisID: 'tempo',
            order: 2,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        color: TEXT,
        plugins: { legend: { labels: { color: TEXT } } },
        scales: {
          x: { ticks: { color: TEXT }, grid: { color: GRID } },
          y: {
            min: 0,
            suggestedMax: 100,
            title: { display: true, text: 'degrees · score', color: TEXT },
            ticks: { color: TEXT },
            grid: { color: GRID },
          },
          tempo: {
            position: 'right',
            min: 0,
            suggestedMax: 3,
            title: { display: true, text: 'seconds', color: TEXT },
            ticks: { color: TEXT },
            grid: { drawOnChartArea: false },
          },
        },
      },
    });
  }
}
