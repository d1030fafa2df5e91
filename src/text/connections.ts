import type { ConnectionTest } from '../domain/services/connections.ts';

/** A connection test as lines of text, the command line's and Slack's (in a code block). */
export function connectionLines(t: ConnectionTest): string[] {
  if (t.checks.length === 0) return [`${t.environment.name} has nothing to test: none of its instances is kept in git, and it has no targets or command checks.`];
  const failed = t.checks.filter((c) => !c.ok).length;
  return [
    `${t.environment.name}: ${t.checks.length - failed} of ${t.checks.length} checks passed.`,
    ...t.checks.map((c) => `  ${c.ok ? '✓' : '✗'} ${c.subject} · ${c.check} (${c.ms} ms): ${c.detail}`),
  ];
}
