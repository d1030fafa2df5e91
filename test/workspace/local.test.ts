import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalSettings } from '../../src/settings.ts';
import { type LocalWorkspace, startLocalWorkspace } from '../../src/workspace/local.ts';
import { onPostgres } from '../helpers/database.ts';
import { pgliteDataDir } from '../helpers/templates.ts';

// Rehearsing one's own pipeline: the repository's example configuration, given by SANDBOX_CONFIG, on an embedded
// database of its own that has never been used.
const EXAMPLE = fileURLToPath(new URL('../../sandbox.config.yml', import.meta.url));

describe.runIf(!onPostgres)('a local workspace on a pipeline of your own', () => {
  let ws: LocalWorkspace;
  let data: ReturnType<typeof pgliteDataDir>;

  beforeAll(async () => {
    data = pgliteDataDir('local');
    ws = await startLocalWorkspace(readLocalSettings({ SANDBOX_CONFIG: EXAMPLE, SANDBOX_DATA_DIR: data.dir }));
  }, 60_000);
  afterAll(async () => {
    await ws?.stop();
    data?.remove();
  });

  it('uses the given file as it is, and seeds the sample components into its instances', async () => {
    expect(ws.created).toEqual({ config: false, repository: false, samples: true });
    const services = ws.bot.runtime.services;
    expect((await services.components.list('production')).map((c) => c.key)).toEqual(['Field/Account.Industry', 'Layout/Account', 'Workflow/Onboarding']);
    const changes = (await services.status()).flatMap((e) => e.instances).map((i) => [i.instance.name, i.changes]);
    expect(Object.fromEntries(changes)).toEqual({
      'dev-alice': { added: 1, modified: 1, deleted: 0 },
      'dev-bob': { added: 1, modified: 0, deleted: 0 },
      staging: { added: 0, modified: 1, deleted: 0 },
      production: { added: 0, modified: 0, deleted: 0 },
    });
  });

  it('makes everyone the pipeline names a person of the workspace, by the id without its U0', () => {
    expect(ws.directory.people.map((p) => p.name)).toEqual(['alice', 'bob', 'deploy', 'carol', 'admin']);
    expect(ws.directory.find('deploy')?.roles).toEqual(['deploys Staging', 'deploys Production']);
  });

  it('answers for the pipeline\'s user groups, which have no members here', async () => {
    const response = await fetch(`${ws.emulator.apiUrl}usergroups.users.list`, { method: 'POST', body: new URLSearchParams({ usergroup: 'S0QA' }) });
    expect(await response.json()).toEqual({ ok: true, users: [] });
  });
});
