import { InvalidInputError, NotFoundError } from '../errors.ts';
import { formatId } from '../ids.ts';
import { findEnvironment, findInstance } from '../lookups.ts';
import { command, msg } from '../message.ts';
import type { RunStatusReport } from '../api-tokens.ts';
import type { RequestFilter } from '../ports.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { ListedRequest, LogLine, RequestState, Run } from '../types.ts';

// Listings for programs (the HTTP API): pages with a cursor, so that a client reads a long history in pieces and a
// CI job tails a run's log from where it stopped.

export const REQUEST_STATES: readonly RequestState[] = ['pending_approval', 'approved', 'deploying', 'deployed', 'rejected', 'failed', 'expired', 'reverted'];
/** Most items a page holds, whatever is asked. */
export const PAGE_LIMIT = 500;

export interface RequestQuery {
  states?: string[];
  environment?: string;
  instance?: string;
  /** Where the previous page ended (its `next`). */
  cursor?: string;
  limit?: number;
}

const cursorOf = (id: number) => Buffer.from(`r${id}`).toString('base64url');

function positionOf(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  const match = /^r(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidInputError('That cursor is not one this API gave: pass the `next` of the previous page as it came, or leave it out for the first page.').about('cursor');
  return Number(match[1]);
}

function pageSize(limit: number | undefined, fallback: number) {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMIT) throw new InvalidInputError(`limit must be a whole number from 1 to ${PAGE_LIMIT}.`).about('limit');
  return limit;
}

/** Deployment requests, newest first, filtered by state, target environment and source instance; `next` continues. */
export async function listRequests(deps: ServiceDeps, query: RequestQuery): Promise<{ requests: ListedRequest[]; next: string | null }> {
  const unknown = (query.states ?? []).filter((s) => !REQUEST_STATES.includes(s as RequestState));
  if (unknown.length) throw new InvalidInputError(`${unknown.join(', ')}: not a request state. States: ${REQUEST_STATES.join(', ')}.`).about('state');
  const filter: RequestFilter = {
    states: query.states as RequestState[] | undefined,
    environmentId: query.environment === undefined ? undefined : (await findEnvironment(deps.store, query.environment)).id,
    sourceInstanceId: query.instance === undefined ? undefined : (await findInstance(deps.store, query.instance)).id,
  };
  const limit = pageSize(query.limit, 50);
  const rows = await deps.store.requests.page(filter, positionOf(query.cursor), limit + 1);
  const requests = rows.slice(0, limit);
  return { requests, next: rows.length > limit ? cursorOf(requests.at(-1)!.request.id) : null };
}

/** A run and its log lines from sequence number `from` on; `next` is where the following read starts. */
export async function runLog(deps: ServiceDeps, runId: number, from = 0, limit?: number): Promise<{ run: Run; lines: (LogLine & { seq: number })[]; next: number; statuses: RunStatusReport[] }> {
  const run = await deps.store.runs.byId(runId);
  if (!run) throw new NotFoundError(formatId('run', runId), msg`The runs of a request are listed by ${command('logs DR-…')}.`);
  if (!Number.isInteger(from) || from < 0) throw new InvalidInputError('from must be a log line number, 0 or more.').about('from');
  const [lines, statuses] = await Promise.all([deps.store.runs.linesFrom(runId, from, pageSize(limit, PAGE_LIMIT)), deps.store.runStatuses.of(runId)]);
  return { run, lines, next: lines.length ? lines.at(-1)!.seq + 1 : from, statuses };
}
