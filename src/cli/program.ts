import { Command } from 'commander';
import { addChangeRequestCommands } from './commands/change-requests.ts';
import { addComponentCommands } from './commands/components.ts';
import { addQueryCommands } from './commands/queries.ts';
import { addSetupCommands } from './commands/setup.ts';
import { addSecretCommands } from './commands/secrets.ts';
import { addTokenCommands } from './commands/tokens.ts';
import { addLockCommands, addRequestCommands, addWorkCommands } from './commands/work.ts';
import { type CliHost, commandKit, type Output } from './kit.ts';

/** The `sandbox` program: every command, by group, over the services its host opens. */
export function buildProgram(io: Output, host: CliHost): Command {
  const program = new Command('sandbox')
    .description('Sandbox release process from the command line: the same operations as the Slack app.')
    .option('--json', 'print one JSON object instead of text')
    .showSuggestionAfterError()
    .exitOverride() // subcommands inherit it: usage errors come back as CommanderError, mapped to exit codes
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  const kit = commandKit(program, io, host);
  for (const add of [addSetupCommands, addComponentCommands, addQueryCommands, addWorkCommands, addRequestCommands, addLockCommands, addChangeRequestCommands, addTokenCommands, addSecretCommands]) add(kit);
  return program;
}
