import type { CommandKit } from '../kit.ts';

/** `migrate` and `config check`: the database and the pipeline file, before anything runs on them. */
export function addSetupCommands({ program, host, print }: CommandKit) {
  program
    .command('migrate')
    .description('apply the database migrations')
    .action(async () => {
      const { database, where } = await host.migrate();
      print({ migrated: true, database }, () => `Migrations applied (${where}).`);
    });

  program
    .command('config')
    .description('pipeline configuration')
    .command('check')
    .description('validate the pipeline configuration file without starting')
    .action(() => {
      const { path, environments } = host.checkConfig();
      print({ ok: true, environments }, () => `${path} is valid: ${environments.join(' → ')}.`);
    });
}
