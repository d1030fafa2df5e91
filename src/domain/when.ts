import * as chrono from 'chrono-node';
import { InvalidInputError } from './errors.ts';

// Apart from time.ts: chrono-node takes a while to load, and only scheduling a deployment reads such times.

/** Minutes east of UTC of a time zone (IANA name) at an instant. */
function offsetMinutes(timeZone: string, at: Date): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const match = /GMT([+-])(\d\d):(\d\d)/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

/**
 * A time in the future as a person writes it: `18:00`, `6pm`, `tomorrow 9:00`, `friday 17:00`, `in 2 hours`,
 * `2026-12-01T18:00Z`. Times without a zone are read in `timeZone` (the person's own, from Slack).
 */
export function parseWhen(text: string, now: Date, timeZone = 'UTC'): Date {
  const when = chrono.parseDate(text, { instant: now, timezone: offsetMinutes(timeZone, now) }, { forwardDate: true });
  if (!when) {
    throw new InvalidInputError(`"${text}" is not a time I can read. Write it like 18:00, tomorrow 9:00, friday 17:00, in 2 hours or 2026-12-01T18:00Z.`).about('at');
  }
  if (when.getTime() <= now.getTime()) throw new InvalidInputError(`${when.toISOString()} is in the past; give a time to come.`).about('at');
  return when;
}
