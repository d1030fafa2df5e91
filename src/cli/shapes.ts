import { InvalidInputError } from '../domain/errors.ts';
import { formatId, parseId } from '../domain/ids.ts';
import { durationMs } from '../domain/time.ts';
import type { ChangeRequest, DeploymentRequest } from '../domain/types.ts';

/** Argument parsers and the JSON shapes of created things (`id` as people write it, plus `state`). */
export const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);
export const requestId = (ref: string) => parseId(ref, 'request').id;
export const changeRequestId = (ref: string) => parseId(ref, 'changeRequest').id;

export const requestJson = (r: DeploymentRequest) => ({ ...r, id: formatId('request', r.id), requestId: r.id });
export const changeRequestJson = (cr: ChangeRequest) => ({ ...cr, id: formatId('changeRequest', cr.id), changeRequestId: cr.id });


/** An option value that must be a whole number of 1 or more. */
export const positiveInteger = (option: string) => (value: string) => {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n < 1 || !Number.isSafeInteger(n)) throw new InvalidInputError(`${option} "${value}" is not a whole number of 1 or more; e.g. ${option} 50.`);
  return n;
};

/** `--since`: a duration meaning that long before `now` (30s, 15m, 4h, 7d) or an ISO 8601 time (2026-11-01 or 2026-11-01T09:00:00Z). */
export function sinceTime(value: string, now: Date): Date {
  const ago = durationMs(value);
  const time = ago !== undefined ? new Date(now.getTime() - ago) : /^\s*\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value.trim()) : undefined;
  if (time && !Number.isNaN(time.getTime())) return time;
  throw new InvalidInputError(`--since "${value}" is neither a duration nor a time. Use a duration ago such as 30s, 15m, 4h or 7d, or an ISO 8601 time such as 2026-11-01T09:00:00Z.`);
}
