import { type InstanceConfig, instanceSpec, type PipelineConfig } from '../config/schema.ts';
import type { Actor } from '../domain/ports.ts';
import type { Services } from '../domain/services/index.ts';
import type { ComponentInput } from '../domain/services/components.ts';
import { WORKSPACE } from './identity.ts';

const ACCOUNT_LAYOUT = 'Layout/Account';
const REGION_FIELD = 'Field/Account.Region';

/** What production holds at first: a few components of a CRM-like configuration. */
const PRODUCTION = [
  { key: ACCOUNT_LAYOUT, content: 'sections:\n  - Details: [Name, Owner, Industry]\n  - Contacts: [Primary contact, Phone]\n' },
  { key: 'Field/Account.Industry', content: 'type: picklist\nvalues: [Retail, Finance, Health]\n' },
  { key: 'Workflow/Onboarding', content: 'on: account created\nsteps:\n  - assign owner\n  - send welcome email\n' },
];

/** A change made in staging after the sandboxes synced: something new for them to sync. */
const STAGING_CHANGE = { key: 'Workflow/Onboarding', content: 'on: account created\nsteps:\n  - assign owner\n  - send welcome email\n  - schedule kickoff call\n' };

/** The first developer's work: a new field and the layout that shows it. */
const FIRST_DEVELOPER_CHANGES = [
  { key: REGION_FIELD, content: 'type: picklist\nvalues: [EMEA, Americas, APAC]\n' },
  { key: ACCOUNT_LAYOUT, content: 'sections:\n  - Details: [Name, Owner, Industry, Region]\n  - Contacts: [Primary contact, Phone]\n', dependsOn: [REGION_FIELD] },
];

/** The second developer's work: a layout that needs a field nobody has made yet, so its deployment fails its check. */
const SECOND_DEVELOPER_CHANGES = [
  { key: 'Layout/Opportunity', content: 'sections:\n  - Details: [Name, Amount, Stage]\n', dependsOn: ['Field/Opportunity.Stage'] },
];

/** How the samples are written into an instance (by its owner, or the workspace's admin). */
export type PutComponents = (actor: Actor, instance: string, components: ComponentInput[]) => Promise<unknown>;

const nameOfInstance = (instance: InstanceConfig) => instanceSpec(instance).name;

/**
 * Gives a new workspace something to work with: sample components in production, synced down the pipeline, a change
 * in the environment below production, and work in progress in the first two sandboxes of the lowest environment.
 * Does nothing once any instance holds a component. Returns whether it seeded.
 */
export async function seedSampleComponents(services: Services, config: PipelineConfig, put: PutComponents = services.components.put): Promise<boolean> {
  const envs = config.environments;
  const instances = envs.flatMap((env) => env.instances);
  for (const instance of instances) {
    if ((await services.components.list(nameOfInstance(instance))).length) return false;
  }
  const system: Actor = { user: config.admins[0] ?? WORKSPACE.botUserId, via: 'system' };
  const actorFor = (instance: (typeof instances)[number]): Actor => {
    const { owner } = instanceSpec(instance);
    return owner ? { user: owner, via: 'system' } : system;
  };
  const production = envs.at(-1)!.instances[0]!;
  await put(system, nameOfInstance(production), PRODUCTION);
  for (let i = envs.length - 2; i >= 0; i--) {
    const source = nameOfInstance(envs[i + 1]!.instances[0]!);
    for (const instance of envs[i]!.instances) await services.sync(actorFor(instance), nameOfInstance(instance), source);
  }
  if (envs.length > 2) {
    const belowProduction = envs.at(-2)!.instances[0]!;
    await put(actorFor(belowProduction), nameOfInstance(belowProduction), [STAGING_CHANGE]);
  }
  const [first, second] = envs[0]!.instances;
  await put(actorFor(first!), nameOfInstance(first!), FIRST_DEVELOPER_CHANGES);
  if (second) await put(actorFor(second), nameOfInstance(second), SECOND_DEVELOPER_CHANGES);
  return true;
}
