import { instanceSpec, type PipelineConfig } from '../config/schema.ts';
import { WORKSPACE } from './identity.ts';

/** Someone in the local workspace: their Slack id, the name they go by, and what the pipeline lets them do. */
export interface Person {
  id: string;
  name: string;
  roles: string[];
}

/** `U0ALICE` is alice; an id of another shape goes by itself in lower case. */
export const nameOf = (id: string) => (/^U0[A-Z][A-Z0-9]*$/.test(id) ? id.slice(2) : id).toLowerCase();

/** The people of the workspace: every user the pipeline names, with their roles, in order of appearance. */
export function peopleOf(config: PipelineConfig): Person[] {
  const people = new Map<string, Person>();
  const add = (id: string, role: string) => {
    const person = people.get(id) ?? { id, name: nameOf(id), roles: [] };
    if (!person.roles.includes(role)) person.roles.push(role);
    people.set(id, person);
  };
  for (const env of config.environments) {
    for (const { name, owner } of env.instances.map(instanceSpec)) {
      if (owner) add(owner, `owns ${name}`);
    }
  }
  for (const env of config.environments) {
    for (const id of env.approvals.approvers) add(id, `approves ${env.name}`);
    for (const id of env.deployers) add(id, `deploys ${env.name}`);
  }
  for (const id of config.admins) add(id, 'admin');
  // A pipeline that names nobody still needs someone at the keyboard.
  if (people.size === 0) add('U0YOU', 'works on instances nobody owns');
  return [...people.values()];
}

/** Names for the ids in messages: people, channels (by their environment) and user groups. */
export class Directory {
  private readonly byId: Map<string, Person>;
  private readonly channels: Map<string, string>;

  constructor(
    readonly people: Person[],
    config: PipelineConfig,
  ) {
    this.byId = new Map(people.map((p) => [p.id, p]));
    this.channels = new Map(config.environments.filter((e) => e.channel).map((e) => [e.channel!, e.name.toLowerCase().replace(/\s+/g, '-')]));
  }

  userName = (id: string) => (id === WORKSPACE.botUserId ? 'sandbox' : this.byId.get(id)?.name);
  channelName = (id: string) => this.channels.get(id) ?? (id.startsWith('D') ? `dm-${this.userName(id.slice(1)) ?? id.slice(1)}` : undefined);
  groupName = (id: string) => id.replace(/^S0?/, '').toLowerCase();

  /** Someone by name or id, as typed. */
  find(who: string): Person | undefined {
    const wanted = who.replace(/^@/, '').toLowerCase();
    return this.people.find((p) => p.name === wanted || p.id.toLowerCase() === wanted);
  }

  /** A channel by `#name`, name or id. */
  findChannel(where: string): string | undefined {
    const wanted = where.replace(/^#/, '').toLowerCase();
    return [...this.channels].find(([id, name]) => name === wanted || id.toLowerCase() === wanted)?.[0];
  }

  get channelIds() {
    return [...this.channels.keys()];
  }
}
