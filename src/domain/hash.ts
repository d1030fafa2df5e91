import { createHash } from 'node:crypto';
import type { Change } from './types.ts';

export const hashContent = (content: string) => createHash('sha256').update(content, 'utf8').digest('hex');

/**
 * The version of a component: the sha-256 of its content, and of its dependencies when it has any, so that
 * changing only what a component depends on is a change to sync, send and deploy like any other.
 */
export function componentHash(content: string, dependsOn: readonly string[]): string {
  if (dependsOn.length === 0) return hashContent(content);
  return createHash('sha256').update(content, 'utf8').update(`\u0000dependsOn:${[...dependsOn].sort().join('\n')}`).digest('hex');
}

/** Identity of a change set: the same keys, actions and resulting contents give the same hash. */
export function changeSetHash(changes: readonly Change[]): string {
  const hash = createHash('sha256');
  for (const c of [...changes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    hash.update(`${c.key}\u0000${c.action}\u0000${c.hash ?? ''}\n`);
  }
  return hash.digest('hex');
}
