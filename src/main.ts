import { fileURLToPath } from 'node:url';
import { runCli } from './cli/main.ts';
import { readSettings } from './settings.ts';

/**
 * The main job until the Slack app lands: the command line walks the example pipeline —
 * status, a sync, a change, a send — on the configured database (embedded by default).
 */
const examples = fileURLToPath(new URL('../examples/production-components.json', import.meta.url));
const io = { out: (s: string) => process.stdout.write(`${s}\n`), err: (s: string) => process.stderr.write(`${s}\n`) };

async function step(title: string, args: string[]) {
  const shown = args.map((a) => (/[\s"'#[\]]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  io.out(`\n$ sandbox ${shown}    # ${title}`);
  const code = await runCli(args, io);
  if (code !== 0) io.out(`(exit ${code})`);
  return code;
}

async function main() {
  readSettings(); // stops here with a clear message when a setting is malformed
  if ((await step('check the pipeline configuration', ['config', 'check'])) !== 0) return 2;
  await step('seed production with the example components (idempotent)', ['components', 'import', 'production', examples, '--user', 'U0ADMIN']);
  await step('bring staging in line with production', ['sync', 'staging', '--user', 'U0ADMIN']);
  await step('the pipeline', ['status']);
  await step("sync Alice's sandbox with staging", ['sync', 'dev-alice', '--user', 'U0ALICE']);
  const change = `sections: [name, owner, region, tier] # edited ${new Date().toISOString()}`;
  await step('Alice changes a layout', ['components', 'put', 'dev-alice', 'Layout/Account', '--content', change, '--user', 'U0ALICE']);
  await step('Alice sends her change to staging', ['send', 'dev-alice', '--message', 'Add the tier to the account layout', '--user', 'U0ALICE']);
  await step('the queue of staging', ['queue', 'Staging']);
  io.out('\nNext: approve with `npm run --silent sandbox -- approve DR-… --user U0BOB`, deploy with `… deploy DR-… --user U0DEPLOY`.');
  return 0;
}

process.exitCode = await main();
