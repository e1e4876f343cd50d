/** One look at a rebuild: offsets the new version applied, the topic's end, what the live version applied. */
export interface ProgressSample {
  atMs: number;
  applied: number;
  end: number;
  live: number;
}

export interface Progress {
  /** Events per second applied since the previous sample, smoothed. */
  rate: number;
  /** Offsets the new version still has to apply to reach the topic's end. */
  lag: number;
  /** Seconds to the end at this rate; null while the rate is 0. */
  etaSeconds: number | null;
}

/** Progress from the previous sample to this one; `smoothedRate` carries the rate across samples. */
export function progressOf(
  previous: ProgressSample,
  current: ProgressSample,
  smoothedRate: number,
): Progress {
  const seconds = Math.max(0.001, (current.atMs - previous.atMs) / 1000);
  const instant = Math.max(0, current.applied - previous.applied) / seconds;
  const rate = smoothedRate === 0 ? instant : 0.5 * smoothedRate + 0.5 * instant;
  const lag = Math.max(0, current.end - current.applied);
  return { rate, lag, etaSeconds: lag === 0 ? 0 : rate > 0 ? lag / rate : null };
}

/** `energy v2  41210/52000 (79.3%)  8120 ev/s  lag 10790  ETA 1s  (live at 51990)` */
export function progressLine(label: string, sample: ProgressSample, progress: Progress): string {
  const percent = sample.end === 0 ? 100 : (100 * sample.applied) / sample.end;
  const eta = progress.etaSeconds === null ? '?' : formatSeconds(progress.etaSeconds);
  return [
    label,
    `${sample.applied}/${sample.end} (${percent.toFixed(1)}%)`,
    `${Math.round(progress.rate)} ev/s`,
    `lag ${progress.lag}`,
    `ETA ${eta}`,
    `(live at ${sample.live})`,
  ].join('  ');
}

export function formatSeconds(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
