import { type ActionContext, LAST_LINES } from '../domain/actions.ts';

// What commands and webhooks share: their credentials, looked up and masked, and how their outcome is told.

/** Values shorter than this are not masked: they would mask common words, and guard nothing. */
const MASKED_FROM = 4;
const MASK = '••••';

/** The value of a credential named in the configuration: a stored secret of the environment wins over the bot's variable. */
export const credential = (name: string, context: ActionContext, environment: NodeJS.ProcessEnv): string | undefined => context.secrets[name] ?? environment[name];

/** Why the credentials `names` cannot be given (none missing: undefined), with what to do. */
export function missingCredentials(names: string[], context: ActionContext, environment: NodeJS.ProcessEnv): string | undefined {
  const missing = names.filter((name) => !credential(name, context, environment));
  if (!missing.length) return undefined;
  const them = missing.length === 1 ? 'it' : 'them';
  return `it needs ${missing.join(', ')}, which is neither a stored secret of ${context.environment} nor set in the bot's environment: store ${them} with \`sandbox secrets set ${context.environment} ${missing[0]}\`, or set ${them} where the bot runs`;
}

/** A function that masks every one of `secrets` in a text. */
export function masking(secrets: (string | undefined)[]): (text: string) => string {
  const masked = secrets.filter((value): value is string => value !== undefined && value.length >= MASKED_FROM);
  return (text) => masked.reduce((out, secret) => out.split(secret).join(MASK), text);
}

/** The last non-empty lines of a text, at most LAST_LINES. */
export const lastLines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter(Boolean)
    .slice(-LAST_LINES);

/** A short duration in words: `85 ms`, `1.2 s`. */
export const inWords = (ms: number) => (ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`);
