import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Title } from 'chart.js';
import type { DeliveryMetrics } from '../domain/services/metrics.ts';
import { packageFile } from '../package-files.ts';

// Rendered offline: chart.js draws on @napi-rs/canvas (prebuilt, no install step), with a font shipped in the
// repository, since a machine without fonts would draw no text at all.
const FONT = 'DejaVu Sans';
let ready = false;

function prepare() {
  if (ready) return;
  GlobalFonts.registerFromPath(packageFile('assets/fonts/DejaVuSans.ttf'), FONT);
  Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Title);
  Chart.defaults.font.family = FONT;
  ready = true;
}

const COLOURS = ['#2e7d32', '#1565c0', '#ef6c00', '#6a1b9a', '#c62828'];

/** Successful deployments per week, one bar series per environment, as a PNG. */
export async function deliveryChartPng(metrics: DeliveryMetrics, size = { width: 960, height: 480 }): Promise<Buffer> {
  prepare();
  const canvas = createCanvas(size.width, size.height);
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, size.width, size.height);
  const weeks = metrics.environments[0]?.weekly.map((w) => w.week) ?? [];
  const chart = new Chart(context as unknown as ConstructorParameters<typeof Chart>[0], {
    type: 'bar',
    data: {
      labels: weeks.map((w) => `week of ${w}`),
      datasets: metrics.environments.map((env, i) => ({
        label: `${env.name}: ${env.deployments} deployments, CFR ${env.changeFailureRate === null ? '–' : `${Math.round(env.changeFailureRate * 100)}%`}`,
        data: env.weekly.map((w) => w.deployments),
        backgroundColor: COLOURS[i % COLOURS.length],
      })),
    },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: {
        title: { display: true, text: `Deployments per week, last ${metrics.days} days`, font: { size: 18 } },
        legend: { position: 'bottom' },
      },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'deployments' } } },
    },
  });
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}
