import type { MergeRow } from './types.ts';

export type MergeDecision = 'same' | 'keep' | 'take' | 'conflict';

/**
 * Three-way merge of one component against the baseline (hashes; null = absent):
 * changed only upstream is taken, changed only here is kept, changed on both sides differently is a conflict
 * (kept local).
 */
export function mergeDecision({ base, local, upstream }: Pick<MergeRow, 'base' | 'local' | 'upstream'>): MergeDecision {
  if (local === upstream) return 'same';
  if (upstream === base) return 'keep';
  if (local === base) return 'take';
  return 'conflict';
}
