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
  /** Records that the token was used (at most once a minute, to spare the writes). */
  used(id: number, at: Date): Promise<void>;
}

/** Whether an instance is among those a token's patterns name (`*` stands for any run of characters). */
export function grants(patterns: readonly string[], instance: string): boolean {
  return patterns.some((pattern) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(instance));
}
