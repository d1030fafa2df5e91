/**
 * Tokens of the HTTP API (DESIGN.md section 11): what a CI system or a script is let do, and where. The token itself
 * is shown once when it is made; only its hash is kept.
 */

/** What a token may do: read or write components, read or send requests, read runs, report a run's status. */
export const SCOPES = ['components:read', 'components:write', 'requests:read', 'requests:write', 'runs:read', 'runs:status'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiToken {
  id: number;
  name: string;
  scopes: Scope[];
  /** The instances it may work on, as patterns (`dev-*`; `*`: all of them). */
  instances: string[];
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface ApiTokenRepository {
  /** Keeps a new token (by the hash of its secret); undefined when a token that is not revoked has that name. */
  create(token: Omit<ApiToken, 'id' | 'revokedAt' | 'lastUsedAt'> & { hash: string }): Promise<ApiToken | undefined>;
  list(): Promise<ApiToken[]>;
  /** The token whose secret has this hash, unless it is revoked. */
  byHash(hash: string): Promise<ApiToken | undefined>;
  /** Revokes the token of that name: false when there is none that is not revoked already. */
  revoke(name: string, at: Date): Promise<boolean>;
  /** Records when the token was last used. */
  used(id: number, at: Date): Promise<void>;
}

/** Whether an instance is among those a token's patterns name (`*` stands for any run of characters). */
export function grants(patterns: readonly string[], instance: string): boolean {
  return patterns.some((pattern) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(instance));
}

/** The first answer to an API request made with an `Idempotency-Key`: given again, as it was, to every repeat. */
export interface KeptAnswer {
  /** What the request was (method, path and body, hashed): a key used again for another request is refused. */
  fingerprint: string;
  /** Null while the first request is still being answered. */
  status: number | null;
  body: unknown;
  claimedAt: Date;
}

export interface IdempotencyRepository {
  /** Claims the key for a first answer: true when nobody had it (or its claim was abandoned before `staleBefore`). */
  claim(tokenId: number, key: string, fingerprint: string, at: Date, staleBefore: Date): Promise<boolean>;
  get(tokenId: number, key: string): Promise<KeptAnswer | undefined>;
  /** Keeps the first answer. */
  keep(tokenId: number, key: string, status: number, body: unknown): Promise<void>;
  /** Gives the key up (the first request failed on the bot's side): a repeat is answered afresh. */
  release(tokenId: number, key: string): Promise<void>;
  /** Forgets the answers kept since before `before`. */
  prune(before: Date): Promise<void>;
}

/** What an outside system reports of a run's work (a webhook target's deployment): GitHub's deployment states. */
export const RUN_STATES = ['pending', 'in_progress', 'success', 'failure', 'error'] as const;
export type RunState = (typeof RUN_STATES)[number];

export interface RunStatusReport {
  runId: number;
  at: Date;
  /** Who reported it: `api:<token name>`. */
  reporter: string;
  state: RunState;
  description: string | null;
}

export interface RunStatusRepository {
  report(status: RunStatusReport): Promise<void>;
  /** A run's reports, oldest first. */
  of(runId: number): Promise<RunStatusReport[]>;
}

/** How many committed changes deployment requests and API tokens have seen: what is read under a count stays good while it holds. */
export interface ChangeCounts {
  requests: number;
  tokens: number;
}

export interface ChangeCountRepository {
  read(): Promise<ChangeCounts>;
}
