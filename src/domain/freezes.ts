import { CronExpressionParser } from 'cron-parser';
import { durationMs } from './time.ts';
import type { Environment, Freeze } from './types.ts';

/** A freeze in force: why, and until when. */
export interface ActiveFreeze {
  reason: string;
  until: Date;
}

/** The window of `freeze` that contains `at`, if one does. */
function windowAt(freeze: Freeze, at: Date): ActiveFreeze | undefined {
  if ('from' in freeze) {
    const from = new Date(freeze.from);
    const to = new Date(freeze.to);
    return from <= at && at < to ? { reason: freeze.reason, until: to } : undefined;
  }
  const length = durationMs(freeze.for) ?? 0;
  // The latest start at or before `at` (cron-parser's prev() is strictly before its current date).
  const starts = CronExpressionParser.parse(freeze.cron, { currentDate: new Date(at.getTime() + 1000), tz: freeze.timezone ?? 'UTC' });
  const start = starts.prev().toDate();
  return at.getTime() < start.getTime() + length ? { reason: freeze.reason, until: new Date(start.getTime() + length) } : undefined;
}

/**
 * The freeze in force at `at`, if any. Where windows overlap or follow each other without a gap, the freeze
 * lasts until the last of them ends, so that "until" is when deployments may really go ahead again.
 */
export function activeFreeze(env: Pick<Environment, 'freezes'>, at: Date): ActiveFreeze | undefined {
  let active: ActiveFreeze | undefined;
  for (let probe = at, guard = 0; guard < 100; guard++) {
    const windows = env.freezes.map((f) => windowAt(f, probe)).filter((w): w is ActiveFreeze => w !== undefined);
    if (windows.length === 0) break;
    const longest = windows.reduce((a, b) => (b.until > a.until ? b : a));
    active = { reason: active?.reason ?? longest.reason, until: longest.until };
    probe = longest.until;
  }
  return active;
}
