import { instanceSpec } from '../config/schema.ts';
import { type LocalSettings, readLocalSettings } from '../settings.ts';
import { WorkspaceConsole } from './console.ts';
import { shortPath } from './local-git.ts';
import { type LocalWorkspace, startLocalWorkspace } from './local.ts';

/** What runs where, and how to leave the rehearsal for a real workspace. */
export function banner(ws: LocalWorkspace, settings: LocalSettings): string[] {
  const database = settings.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${settings.SANDBOX_DATA_DIR}`;
  const created = [ws.created.config && 'created now from the demo pipeline', ws.created.samples && 'sample components added'].filter(Boolean);
  const repository = ws.repository && shortPath(ws.repository.bare);
  const first = ws.config.environments[0]?.instances.map(instanceSpec).find((i) => ws.repository?.keeps(i.name))?.name;
  return [
    'Sandbox bot · local workspace: no Slack settings were given, so Slack is emulated on this machine.',
    `  The bot runs at ${ws.bot.url}, driven by the emulator with signed requests, as Slack would.`,
    `  Database: ${database}`,
    `  Pipeline: ${ws.config.environments.map((e) => e.name).join(' → ')}, from ${settings.SANDBOX_CONFIG}${created.length ? ` (${created.join('; ')})` : ''}`,
    ...(repository
      ? [
          `  Git: each instance is a branch of ${repository}${ws.created.repository ? ' (created now)' : ''}. Commit to one from a clone, then send it here:`,
          `    git clone -b ${first} ${repository} my-${first}`,
        ]
      : []),
    '  To connect a real workspace, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode):',
    '  the README\'s "Connect it to Slack" shows how.',
    '',
  ];
}

/** `npm start` without Slack settings: the local workspace, at this terminal, until its input ends or `quit`. */
export async function startLocalConsole(): Promise<void> {
  const settings = readLocalSettings();
  const ws = await startLocalWorkspace(settings);
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const terminal = new WorkspaceConsole(ws, { output: process.stdout, interactive, color: interactive, width: Math.min(process.stdout.columns || 100, 110) });
  let stopping: Promise<void> | undefined;
  // The bot finishes what it posts first, and the console shows it, before it stops watching.
  const stop = () => (stopping ??= ws.stop().finally(() => terminal.close()));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().then(() => process.exit(0)));
  try {
    process.stdout.write(`${banner(ws, settings).join('\n')}\n`);
    terminal.introduce();
    await terminal.run(process.stdin);
    process.stdout.write(`\nBye. ${settings.DATABASE_URL ? 'The data stays in the database of DATABASE_URL' : `The workspace keeps its data in ${settings.SANDBOX_DATA_DIR}`}: npm start opens it again.\n`);
  } finally {
    await stop();
  }
}

/** Exits once what was written to stdout is out: a pipe on some systems takes it asynchronously. */
export const exitAfterOutput = (code: number) => process.stdout.write('', () => process.exit(code));
