import { formatId, parseId } from '../domain/ids.ts';
import type { ChangeRequest, DeploymentRequest } from '../domain/types.ts';

/** Argument parsers and the JSON shapes of created things (`id` as people write it, plus `state`). */
export const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);
export const requestId = (ref: string) => parseId(ref, 'request').id;
export const changeRequestId = (ref: string) => parseId(ref, 'changeRequest').id;

export const requestJson = (r: DeploymentRequest) => ({ ...r, id: formatId('request', r.id), requestId: r.id });
export const changeRequestJson = (cr: ChangeRequest) => ({ ...cr, id: formatId('changeRequest', cr.id), changeRequestId: cr.id });

