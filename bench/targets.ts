/**
 * Targets (DESIGN.md section 10): the cost a no-op command target adds to a deployment of 10,000 components, beside
 * the same deployment into an environment without targets. The target gets what every target gets (the package and
 * the target's whole state written to folders of its own) and runs `true`. Target ≤ 1.5×.
 */
import { existsSync } from 'node:fs';
import type { DatabaseHandle } from '../src/db/client.ts';
import type { Actor } from '../src/domain/ports.ts';
import type { Services } from '../src/domain/services/index.ts';
import { commandActions } from '../src/targets/runner.ts';
import { measure, type Sample } from './measure.ts';
import { benchServices } from './services.ts';

export const TARGETS_BENCH = { components: 10_000 };

const ADMIN: Actor = { user: 'U0BENCH', via: 'cli' };
const config = (targets: string) => `
admins: [U0BENCH]
environments:
  - { name: Development, kind: development, instances: [dev-bench] }
  - name: Production
    kind: production
    instances: [production]
    deployers: [U0BENCH]
${targets}
`;

const keyOf = (i: number) => `Layout/Component${String(i).padStart(6, '0')}`;
const componentsOf = (version: string) => Array.from({ length: TARGETS_BENCH.components }, (_, i) => ({ key: keyOf(i), content: `<layout n="${i}" version="${version}">${'x'.repeat(160)}</layout>` }));

interface Options {
  warmup: number;
  repeats: number;
  progress(text: string): void;
}

async function ready(handle: DatabaseHandle, targets: string): Promise<Services> {
  const services = await benchServices(handle, config(targets), [ADMIN.user], { actions: commandActions({ cwd: process.cwd(), scratch: existsSync('/dev/shm') ? '/dev/shm' : undefined, environment: { PATH: process.env.PATH } }) });
  await services.components.put(ADMIN, 'production', componentsOf('v0'));
  return services;
}

/** Sends 10,000 changed components up (not measured) and times their deployment. */
async function deployOnce(services: Services, version: string): Promise<Sample> {
  await services.sync(ADMIN, 'dev-bench');
  await services.components.put(ADMIN, 'dev-bench', componentsOf(version));
  const sent = await services.send(ADMIN, { instance: 'dev-bench', message: version, confirmDrift: true });
  let succeeded = false;
  const sample = await measure(async () => {
    succeeded = (await services.deploy(ADMIN, sent.request.id)).succeeded;
  });
  if (!succeeded) throw new Error(`bench: the deployment of ${version} failed`);
  return sample;
}

/** Deployments with a no-op target and without, alternating, in two databases of the same kind. */
export async function benchTargets(withTarget: DatabaseHandle, without: DatabaseHandle, o: Options) {
  const targeted = await ready(withTarget, '    targets:\n      - { name: noop, command: "true" }');
  const plain = await ready(without, '');
  const op: Sample[] = [];
  const floor: Sample[] = [];
  for (let rep = 0; rep < o.warmup + o.repeats; rep++) {
    o.progress(`deploy with a no-op target ${rep < o.warmup ? 'warm-up' : `${rep - o.warmup + 1}/${o.repeats}`}`);
    const f = await deployOnce(plain, `v${rep + 1}`);
    const d = await deployOnce(targeted, `v${rep + 1}`);
    if (rep < o.warmup) continue;
    floor.push(f);
    op.push(d);
  }
  return { op, floor };
}
