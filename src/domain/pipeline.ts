import type { Environment, Instance } from './types.ts';

/** The environment one step up the pipeline, or undefined for production. */
export function nextEnvironmentUp(pipeline: readonly Environment[], env: Environment): Environment | undefined {
  const index = pipeline.findIndex((e) => e.id === env.id);
  return index >= 0 ? pipeline[index + 1] : undefined;
}

export const syncLabel = (upper: Environment) => (upper.kind === 'production' ? 'Sync with Production' : 'Sync with Instance');
export const sendLabel = (upper: Environment) => (upper.kind === 'production' ? 'Send to Production' : `Send to ${upper.name}`);

/** The synced parent when it lives in the target environment, otherwise the target's first instance. */
export function targetInstanceFor(source: Instance, targetInstances: readonly Instance[]): Instance | undefined {
  return targetInstances.find((i) => i.id === source.parentInstanceId) ?? targetInstances[0];
}

export function listWords(words: readonly string[], conjunction = 'and'): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words[words.length - 1]}`;
}

/** `1 component`, `3 components`. */
export const count = (n: number, word: string, plural = `${word}s`) => `${n} ${n === 1 ? word : plural}`;

/** The first `max` keys, comma-separated, and how many more there are: `A, B, C and 4 more`. */
export const firstKeys = (keys: readonly string[], max = 5) => keys.slice(0, max).join(', ') + (keys.length > max ? ` and ${keys.length - max} more` : '');
