import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { changeSetHash } from '../../src/domain/hash.ts';
import { plainVoice, spell } from '../../src/domain/message.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ALICE, DEPLOYER, QA_MEMBER, as, createWorld, type World } from '../helpers/world.ts';
import { refused, seedPipeline } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

const send = (choice: { only?: string[]; except?: string[] }) => world.services.send(as(ALICE), { instance: 'dev-alice', message: 'part of it', ...choice });
const packaged = async (requestId: number) => (await world.services.report(`DR-${requestId}`)).changes.map((c) => c.key);

describe('a selective send', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1', 'Flow/Signup': 's1' });
    await world.put('dev-alice', { 'Layout/Account': 'v2', 'Flow/Signup': 's2', 'Layout/Banner': 'b1' }, ALICE);
  });

  it('carries only the chosen components, its change hash is theirs, and the rest stays in the project', async () => {
    const { request, summary } = await send({ only: ['Layout/Account', 'Layout/Banner'] });
    expect(await packaged(request.id)).toEqual(['Layout/Account', 'Layout/Banner']);
    expect(summary).toEqual({ added: 1, modified: 1, deleted: 0 });
    const items = await world.services.deps.store.packages.items(request.packageId);
    expect(request.changeHash).toBe(changeSetHash(items));

    await world.services.approve(as(QA_MEMBER), request.id);
    expect((await world.services.deploy(as(DEPLOYER), request.id)).succeeded).toBe(true);
    // What was left out is still dev-alice's to send.
    const rest = await send({});
    expect(await packaged(rest.request.id)).toEqual(['Flow/Signup']);
  });

  it('leaves out what --except names', async () => {
    const { request } = await send({ except: ['Flow/Signup'] });
    expect(await packaged(request.id)).toEqual(['Layout/Account', 'Layout/Banner']);
  });

  it('warns when it leaves out a changed dependency of what it carries', async () => {
    await world.put('dev-alice', { 'Layout/Banner': { content: 'b2', dependsOn: ['Flow/Signup'] } }, ALICE);
    const { warnings } = await send({ only: ['Layout/Banner'] });
    expect(warnings.map((w) => spell(w, plainVoice))).toContain('Layout/Banner depends on Flow/Signup, which dev-alice changed but this send leaves out.');
  });

  it('refuses a component that is not changed, an empty choice, and both ways of choosing at once, sending nothing', async () => {
    const unchanged = await refused(send({ only: ['Layout/Account', 'Layout/Nowhere'] }), 'INVALID_INPUT');
    expect(spell(unchanged.words, plainVoice)).toContain('Layout/Nowhere is not among the changes of dev-alice');
    const empty = await refused(send({ except: ['Layout/Account', 'Flow/Signup', 'Layout/Banner'] }), 'INVALID_INPUT');
    expect(empty.message).toContain('Nothing is left to send from dev-alice');
    await refused(send({ only: [] }), 'INVALID_INPUT');
    await refused(send({ only: ['Layout/Account'], except: ['Flow/Signup'] }), 'INVALID_INPUT');
    expect(await world.services.queue('Staging')).toEqual([expect.objectContaining({ requests: [] })]);
  });
});
