import { InvalidInputError } from '../../domain/errors.ts';
import { componentsText } from '../text.ts';
import { readComponents, readContentFile, writeComponents } from '../files.ts';
import type { CommandKit } from '../kit.ts';
import { list } from '../shapes.ts';

/** `components put|rm|list|import|export`: the components of an instance, one or many at once. */
export function addComponentCommands({ program, print, actor, userOption, withServices, readingServices }: CommandKit) {
  const components = program.command('components').description('read and write the components of an instance');
  components
    .command('put <instance> <key>')
    .description('write one component (Type/Name)')
    .option('--file <path>', 'take the content from a file')
    .option('--content <text>', 'take the content from the command line')
    .option('--depends <keys>', 'comma-separated keys this component depends on', list)
    .addOption(userOption().default('cli'))
    .action(
      withServices(async (s, instance: string, key: string, opts: { file?: string; content?: string; depends?: string[]; user: string }) => {
        if ((opts.file === undefined) === (opts.content === undefined)) throw new InvalidInputError('Give the content with exactly one of --file or --content.');
        const content = opts.file !== undefined ? readContentFile(opts.file, instance) : opts.content!;
        await s.components.put(actor(opts), instance, [{ key, content, dependsOn: opts.depends }]);
        print({ instance, key, written: 1 }, () => `Wrote ${key} in ${instance}.`);
      }),
    );
  components
    .command('rm <instance> <key>')
    .description('delete one component')
    .addOption(userOption().default('cli'))
    .action(
      withServices(async (s, instance: string, key: string, opts: { user: string }) => {
        await s.components.remove(actor(opts), instance, key);
        print({ instance, key, removed: true }, () => `Removed ${key} from ${instance}.`);
      }),
    );
  components
    .command('list <instance>')
    .description('list the components of an instance')
    .action(
      readingServices(async (s, instance: string) => {
        const rows = await s.components.list(instance);
        print({ instance, components: rows.map(({ content: _content, ...meta }) => meta) }, () => (rows.length ? componentsText(rows) : `${instance} has no components.`));
      }),
    );
  components
    .command('import <instance> <source>')
    .description('write many components at once from a directory of Type/Name files or a .json file')
    .addOption(userOption().default('cli'))
    .action(
      withServices(async (s, instance: string, source: string, opts: { user: string }) => {
        const written = await s.components.put(actor(opts), instance, readComponents(source));
        print({ instance, written }, () => `Imported ${written} components into ${instance}.`);
      }),
    );
  components
    .command('export <instance> <target>')
    .description('write the components of an instance to a directory or a .json file')
    .action(
      readingServices(async (s, instance: string, target: string) => {
        const rows = await s.components.list(instance);
        writeComponents(target, rows);
        print({ instance, exported: rows.length, target }, () => `Exported ${rows.length} components of ${instance} to ${target}.`);
      }),
    );
}
