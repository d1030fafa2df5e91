import { parsePipelineConfig } from '../../src/config/load.ts';
import { applyPipelineConfig } from '../../src/db/apply-config.ts';
import { createStore } from '../../src/db/store.ts';
import type { Actor, Clock, LogSink } from '../../src/domain/ports.ts';
import { createServices, type Services } from '../../src/domain/services/index.ts';
import type { ServiceDeps } from '../../src/domain/service-deps.ts';
import type { LogLine, Run } from '../../src/domain/types.ts';
import type { TestDatabase } from './database.ts';

export const ADMIN = 'U0ADMIN';
export const ALICE = 'U0ALICE';
export const BOB = 'U0BOB';
export const CAROL = 'U0CAROL';
export const DAVE = 'U0DAVE';
export const DEPLOYER = 'U0DEPLOY';
export const QA_MEMBER = 'U0QA';

export const as = (user: string): Actor => ({ user, via: 'cli' });

/** The pipeline of DESIGN.md: Development (dev-alice owned by Alice, dev-bob) → Staging → Production. */
export const threeStepConfig = `
admins: [U0ADMIN]
environments:
  - name: Development
    kind: development
    channel: C0DEV
    instances: [{ name: dev-alice, owner: U0ALICE }, dev-bob]
  - name: Staging
    kind: staging
    channel: C0STAGING
    instances: [staging]
    approvals: { required: 1, approvers: [U0BOB], userGroups: [S0QA] }
    deployers: [U0DEPLOY]
  - name: Production
    kind: production
    channel: C0PROD
    instances: [production]
    approvals: { required: 2, approvers: [U0BOB, U0CAROL], requireChangeRequest: true }
    deployers: [U0DEPLOY]
    checks:
      - { name: no debug flags, forbid: "debug=true" }
`;

/** Development with one instance below two staging instances. */
export const twoStagingConfig = `
admins: [U0ADMIN]
environments:
  - name: Development
    kind: development
    instances: [{ name: dev-alice, owner: U0ALICE }]
  - name: Staging
    kind: staging
    instances: [staging-a, staging-b]
    deployers: [U0DEPLOY]
  - name: Production
    kind: production
    instances: [production]
    deployers: [U0DEPLOY]
`;

export class ManualClock implements Clock {
  constructor(private current = new Date('2026-11-02T09:00:00Z')) {}
  now() {
    return new Date(this.current);
  }
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
  set(at: Date) {
    this.current = new Date(at);
  }
}

export class RecordingSink implements LogSink {
  readonly lines: { run: Run; line: LogLine }[] = [];
  readonly finishedRuns: Run[] = [];
  line(run: Run, line: LogLine) {
    this.lines.push({ run, line });
  }
  finished(run: Run) {
    this.finishedRuns.push(run);
  }
  textsOf(runId: number) {
    return this.lines.filter((l) => l.run.id === runId).map((l) => l.line.text);
  }
}

export interface World {
  services: Services;
  clock: ManualClock;
  sink: RecordingSink;
  /** Members of each user group; an Error stands for a group Slack cannot resolve right now. */
  groups: Map<string, string[] | Error>;
  /** Shorthand for writing components as a user. */
  put(instance: string, components: Record<string, string | { content: string; dependsOn?: string[] }>, user?: string): Promise<void>;
}

/** `deps`: ports beyond the database, clock, sink and groups (the runner of commands, git sources…). */
export async function createWorld(db: TestDatabase, configText = threeStepConfig, deps: Partial<ServiceDeps> = {}): Promise<World> {
  await db.reset();
  const config = parsePipelineConfig(configText, 'test config');
  const clock = new ManualClock();
  await applyPipelineConfig(db.db, config, clock.now());
  const sink = new RecordingSink();
  const groups = new Map<string, string[] | Error>([['S0QA', [QA_MEMBER]]]);
  const services = createServices({
    store: createStore(db.db),
    clock,
    sink,
    groups: {
      members: async (id) => {
        const members = groups.get(id) ?? [];
        if (members instanceof Error) throw members;
        return members;
      },
    },
    admins: config.admins,
    ...deps,
  });
  return {
    services,
    clock,
    sink,
    groups,
    async put(instance, components, user = ADMIN) {
      const inputs = Object.entries(components).map(([key, value]) =>
        typeof value === 'string' ? { key, content: value } : { key, ...value },
      );
      await services.components.put(as(user), instance, inputs);
    },
  };
}
