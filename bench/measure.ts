import { performance } from 'node:perf_hooks';

export interface Sample {
  ms: number;
  /** Highest V8 heap used while the operation ran, minus the heap used when it started (bytes). */
  heapDelta: number;
  /** Highest resident set size while the operation ran, minus the RSS when it started (bytes). */
  rssDelta: number;
}

/** Times one operation and samples memory while it runs (every few ms, and at the end). */
export async function measure(work: () => Promise<unknown>): Promise<Sample> {
  const start = process.memoryUsage();
  let peakHeap = start.heapUsed;
  let peakRss = start.rss;
  const sample = () => {
    const now = process.memoryUsage();
    peakHeap = Math.max(peakHeap, now.heapUsed);
    peakRss = Math.max(peakRss, now.rss);
  };
  const sampler = setInterval(sample, 5);
  const began = performance.now();
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  const ms = performance.now() - began;
  sample();
  return { ms, heapDelta: peakHeap - start.heapUsed, rssDelta: peakRss - start.rss };
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Median time and the worst memory growth over the samples. */
export function summarize(samples: Sample[]) {
  return {
    ms: median(samples.map((s) => s.ms)),
    heapDelta: Math.max(...samples.map((s) => s.heapDelta)),
    rssDelta: Math.max(...samples.map((s) => s.rssDelta)),
    all: samples.map((s) => s.ms),
  };
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)}`;
