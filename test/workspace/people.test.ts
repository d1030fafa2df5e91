import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/config/load.ts';
import { WORKSPACE } from '../../src/workspace/identity.ts';
import { DEMO_PIPELINE } from '../../src/workspace/local.ts';
import { Directory, nameOf, peopleOf } from '../../src/workspace/people.ts';

// The people of the local workspace come from the pipeline: who owns, approves, deploys and administers.

const demo = parsePipelineConfig(readFileSync(DEMO_PIPELINE, 'utf8'), 'demo pipeline');

/** Owners, approvers, deployers and admins overlapping; an environment with a name of two words and no channel. */
const mixed = parsePipelineConfig(
  `
admins: [U0ERIN, U0ALICE]
environments:
  - name: Development
    kind: development
    channel: C0DEV
    instances: [{ name: dev-alice, owner: U0ALICE }, { name: dev-w, owner: W012ABC }, shared-dev]
  - name: User Acceptance
    kind: staging
    channel: C0UAT
    instances: [uat]
    approvals: { required: 1, approvers: [U0ALICE, U0CAROL] }
    deployers: [U0CAROL]
  - name: Production
    kind: production
    instances: [production]
    approvals: { required: 1, approvers: [U0CAROL] }
    deployers: [U0DAVE]
`,
  'mixed pipeline',
);

describe('peopleOf', () => {
  it('gives a pipeline that names nobody one person to type as', () => {
    const nobody = parsePipelineConfig('environments:\n  - { name: Dev, kind: development, instances: [dev] }\n  - { name: Prod, kind: production, instances: [prod] }\n', 'nobody');
    expect(peopleOf(nobody)).toEqual([{ id: 'U0YOU', name: 'you', roles: ['works on instances nobody owns'] }]);
  });

  it('finds the demo pipeline\'s people with their roles, owners first, in order of appearance', () => {
    expect(peopleOf(demo)).toEqual([
      { id: 'U0ALICE', name: 'alice', roles: ['owns dev-alice'] },
      { id: 'U0BOB', name: 'bob', roles: ['owns dev-bob'] },
      { id: 'U0CAROL', name: 'carol', roles: ['approves Staging', 'approves Production'] },
      { id: 'U0DAVE', name: 'dave', roles: ['deploys Staging', 'deploys Production'] },
    ]);
  });

  it('gathers every role of one person once, admins included; an instance without owner names nobody', () => {
    expect(peopleOf(mixed)).toEqual([
      { id: 'U0ALICE', name: 'alice', roles: ['owns dev-alice', 'approves User Acceptance', 'admin'] },
      { id: 'W012ABC', name: 'w012abc', roles: ['owns dev-w'] },
      { id: 'U0CAROL', name: 'carol', roles: ['approves User Acceptance', 'deploys User Acceptance', 'approves Production'] },
      { id: 'U0DAVE', name: 'dave', roles: ['deploys Production'] },
      { id: 'U0ERIN', name: 'erin', roles: ['admin'] },
    ]);
  });
});

describe('nameOf', () => {
  it('drops the U0 of ids like U0ALICE, and lower-cases any other id', () => {
    expect(nameOf('U0ALICE')).toBe('alice');
    expect(nameOf('U0QA2')).toBe('qa2');
    expect(nameOf('U12345')).toBe('u12345');
    expect(nameOf('W012ABC')).toBe('w012abc');
  });
});

describe('Directory', () => {
  const dir = new Directory(peopleOf(mixed), mixed);

  it('finds someone by name or id, with or without @, case ignored', () => {
    expect(dir.find('alice')?.id).toBe('U0ALICE');
    expect(dir.find('@Carol')?.id).toBe('U0CAROL');
    expect(dir.find('u0dave')?.id).toBe('U0DAVE');
    expect(dir.find('W012ABC')?.name).toBe('w012abc');
    expect(dir.find('nobody')).toBeUndefined();
    expect(dir.find('')).toBeUndefined();
  });

  it('names users, the bot, and DMs by their person', () => {
    expect(dir.userName('U0ERIN')).toBe('erin');
    expect(dir.userName(WORKSPACE.botUserId)).toBe('sandbox');
    expect(dir.userName('U0ZED')).toBeUndefined();
    expect(dir.channelName('DU0ALICE')).toBe('dm-alice');
    expect(dir.channelName('DU0ZED')).toBe('dm-U0ZED');
  });

  it('names channels after their environment, in lower case with dashes; a channel of no environment has no name', () => {
    expect(dir.channelName('C0DEV')).toBe('development');
    expect(dir.channelName('C0UAT')).toBe('user-acceptance');
    expect(dir.channelName('C0OTHER')).toBeUndefined();
    expect(dir.channelIds).toEqual(['C0DEV', 'C0UAT']);
  });

  it('finds a channel by #name, name or id', () => {
    expect(dir.findChannel('#user-acceptance')).toBe('C0UAT');
    expect(dir.findChannel('development')).toBe('C0DEV');
    expect(dir.findChannel('c0uat')).toBe('C0UAT');
    expect(dir.findChannel('#production')).toBeUndefined();
  });

  it('names user groups by their id without S0', () => {
    expect(dir.groupName('S0QA')).toBe('qa');
    expect(dir.groupName('SREVIEW')).toBe('review');
  });

  it('gives the demo workspace its three channels, development first (where the console starts)', () => {
    const demoDir = new Directory(peopleOf(demo), demo);
    expect(demoDir.channelIds.map((id) => demoDir.channelName(id))).toEqual(['development', 'staging', 'production']);
  });
});
