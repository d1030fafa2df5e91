import { CronExpressionParser } from 'cron-parser';
import { validate as validCron } from 'node-cron';
import * as z from 'zod';
import { HOOK_POINTS, type HookPoint } from '../domain/actions.ts';
import { USER_ID } from '../domain/ids.ts';

// Each schema is used once per process (settings, the pipeline file): zod's compiled validators would cost more to
// build than they save.
z.config({ jitless: true });

const slackUser = z.string().regex(USER_ID, 'must be a Slack user id such as U0ALICE');
const slackGroup = z.string().regex(/^S[A-Z0-9]{2,}$/, 'must be a Slack user-group id such as S0QA');
const instanceName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes, e.g. dev-alice');
/** Durations are a number and a unit: 30s, 15m, 4h, 7d. */
export const duration = z.string().regex(/^\d+(s|m|h|d)$/, 'must be a number and a unit, e.g. 30s, 15m, 4h or 7d');

/** `user:password@` in a URL: a credential written into the file, which must name an environment variable instead. */
const CREDENTIAL_IN_URL = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i;
/** A branch name git accepts (the rules of git check-ref-format, for one branch). */
const BRANCH = /^(?!\/|-|.*\/\/|.*\.\.|.*@\{|.*\.lock$|.*\/$|.*\.$|@$)[^\s~^:?*[\\\x00-\x1f\x7f]+$/;

/** Where a git-backed instance lives (DESIGN.md section 9). */
const gitSource = z
  .object({
    repo: z
      .string()
      .min(1, 'must be a URL git accepts: https, ssh, a path or file://')
      .refine((url) => !CREDENTIAL_IN_URL.test(url), 'must not carry a credential: name the environment variable that holds it in `credentials` instead'),
    branch: z.string().regex(BRANCH, 'must be a branch name git accepts, e.g. dev-alice'),
    path: z
      .string()
      .default('')
      .refine((path) => !path.startsWith('/') && !path.split('/').includes('..'), 'must be a folder inside the repository, e.g. components (empty: its root)'),
    credentials: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'must name the environment variable that holds the credential, e.g. GIT_TOKEN (never the credential itself)')
      .optional(),
  })
  .strict();

/** A name in `env`: an environment variable the command gets, never the value itself. */
const credentialName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must name an environment variable, e.g. API_TOKEN (never the value itself)');
const commandAction = {
  command: z.string().min(1, 'must be the command to run, e.g. ./deploy.sh'),
  timeout: duration.default('10m'),
  idleTimeout: duration.default('5m'),
  env: z.array(credentialName).default([]),
};
/** Webhooks go over https; plain http only to this machine (a receiver beside the bot, or a test's). */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const webhookUrl = z.string().refine((text) => {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  } catch {
    return false;
  }
}, 'must be an https:// URL (plain http only to localhost), e.g. https://cmdb.example.com/hooks/sandbox');
const webhookAction = {
  webhook: webhookUrl.refine((url) => !CREDENTIAL_IN_URL.test(url), 'must not carry a credential: name the one that signs it in `secret`'),
  secret: credentialName.optional(),
  timeout: duration.default('2m'),
};
/** An action is a command or a webhook: zod's own message for a failed union names neither. */
const eitherAction = <C extends z.ZodType, W extends z.ZodType>(command: C, webhook: W, what: string) =>
  z.union([command, webhook], { error: `must run a command ({ ${what}command, timeout }) or call a webhook ({ ${what}webhook, secret, timeout })` });

const target = eitherAction(
  z.object({ name: z.string().min(1), ...commandAction, revert: z.string().min(1).optional() }).strict(),
  z.object({ name: z.string().min(1), ...webhookAction, revert: webhookUrl.optional() }).strict(),
  'name, ',
);
const hook = eitherAction(z.object(commandAction).strict(), z.object(webhookAction).strict(), '');
const hooks = z.strictObject(Object.fromEntries(HOOK_POINTS.map((point) => [point, z.array(hook).optional()])) as Record<HookPoint, z.ZodOptional<z.ZodArray<typeof hook>>>, {
  error: (issue) => (issue.code === 'unrecognized_keys' ? `${issue.keys.join(', ')}: not a hook; hooks are ${HOOK_POINTS.join(', ')}` : undefined),
});

const instance = z.union([instanceName, z.object({ name: instanceName, owner: slackUser.optional(), git: gitSource.optional() }).strict()]);

const approvals = z
  .object({
    required: z.number().int().min(0).max(20).default(0),
    approvers: z.array(slackUser).default([]),
    userGroups: z.array(slackGroup).default([]),
    requireChangeRequest: z.boolean().default(false),
    allowSelfApproval: z.boolean().default(false),
  })
  .strict();

const forbidCheck = z
  .object({
    name: z.string().min(1),
    forbid: z.string().min(1, 'must be the text no deployed component may contain'),
    types: z.array(z.string().min(1)).optional(),
  })
  .strict();
const check = z.union([forbidCheck, z.object({ name: z.string().min(1), ...commandAction }).strict()], {
  error: 'must be a check that forbids a text ({ name, forbid }) or runs a command ({ name, command, timeout })',
});

const timeZone = z.string().refine((zone) => {
  if (zone === 'UTC') return true; // the default: no need to load the time zone data for it
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be a time zone such as UTC or Europe/Paris');
/** A node-cron expression: five fields, or six with seconds first. */
const cron = z.string().refine((expression) => validCron(expression), 'must be a cron expression such as "0 9 * * 1-5" (minute hour day month weekday, seconds optional first)');
const freezeCron = z.string().refine((expression) => {
  try {
    CronExpressionParser.parse(expression);
    return true;
  } catch {
    return false;
  }
}, 'must be a cron expression such as "0 16 * * 5" (minute hour day month weekday)');

const freeze = z.union([
  z
    .object({ from: z.coerce.date(), to: z.coerce.date(), reason: z.string().min(1) })
    .strict()
    .refine((f) => f.from < f.to, { message: '`to` must come after `from`', path: ['to'] }),
  z.object({ cron: freezeCron, for: duration, reason: z.string().min(1), timezone: timeZone.optional() }).strict(),
]);

const environment = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9 _-]{0,40}$/, 'must start with a letter, e.g. Staging'),
    kind: z.enum(['development', 'staging', 'production']),
    channel: z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C0STAGING').optional(),
    instances: z.array(instance).min(1, 'must list at least one instance'),
    approvals: approvals.default({ required: 0, approvers: [], userGroups: [], requireChangeRequest: false, allowSelfApproval: false }),
    deployers: z.array(slackUser).default([]),
    targets: z.array(target).default([]),
    checks: z.array(check).default([]),
    hooks: hooks.default({}),
    freezes: z.array(freeze).default([]),
    /** Deploy each request as soon as it is approved and validates, as the scheduler. */
    autoDeploy: z.boolean().default(false),
  })
  .strict();

const schedules = z
  .object({
    tick: cron.default('*/30 * * * * *'),
    approvalReminder: z.object({ after: duration, every: duration, times: z.number().int().min(0) }).strict().default({ after: '4h', every: '4h', times: 3 }),
    expireAfter: duration.default('7d'),
    driftReport: cron.default('0 9 * * 1-5'),
    /** When each approver gets one direct message listing what waits for their vote. */
    digest: cron.default('0 9 * * 1-5'),
    /** The zone the cron expressions of `schedules` are read in. */
    timezone: timeZone.default('UTC'),
  })
  .strict();

export const pipelineConfigSchema = z
  .object({
    admins: z.array(slackUser).default([]),
    environments: z.array(environment).min(2, 'must list at least one sandbox environment and production'),
    schedules: schedules.default({ tick: '*/30 * * * * *', approvalReminder: { after: '4h', every: '4h', times: 3 }, expireAfter: '7d', driftReport: '0 9 * * 1-5', digest: '0 9 * * 1-5', timezone: 'UTC' }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const envs = config.environments;
    const last = envs.length - 1;
    const rank = { development: 0, staging: 1, production: 2 } as const;
    envs.forEach((env, i) => {
      if (i > 0 && rank[env.kind] < rank[envs[i - 1]!.kind]) {
        ctx.addIssue({ code: 'custom', path: ['environments', i, 'kind'], message: `${env.kind} cannot come after ${envs[i - 1]!.kind}: list development, then staging, then production` });
      }
    });
    // Below staging nothing goes straight to production: with several sandbox environments, staging is the step before it.
    if (envs.length > 2 && envs[last - 1]?.kind !== 'staging') {
      ctx.addIssue({ code: 'custom', path: ['environments', last - 1, 'kind'], message: 'with more than one sandbox environment, the one below production must be staging' });
    }
    envs.forEach((env, i) => {
      if (env.kind === 'production' && i !== last) {
        ctx.addIssue({ code: 'custom', path: ['environments', i, 'kind'], message: 'production must be the last (top) environment' });
      }
      if (i === last && env.kind !== 'production') {
        ctx.addIssue({ code: 'custom', path: ['environments', i, 'kind'], message: 'the last (top) environment must be production' });
      }
      if (env.kind === 'production' && env.instances.length !== 1) {
        ctx.addIssue({ code: 'custom', path: ['environments', i, 'instances'], message: 'production has exactly one instance' });
      }
      if (env.approvals.required > 0 && env.approvals.approvers.length + env.approvals.userGroups.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['environments', i, 'approvals'], message: 'requires approvals but names no approvers or userGroups' });
      }
    });
    envs.forEach((env, i) => {
      for (const list of ['targets', 'checks'] as const) {
        env[list].forEach((item, j) => {
          if (env[list].findIndex((other) => other.name === item.name) !== j) ctx.addIssue({ code: 'custom', path: ['environments', i, list, j, 'name'], message: `"${item.name}" names two ${list} of ${env.name}` });
        });
      }
    });
    const seen = new Map<string, string>();
    envs.forEach((env, i) => {
      if (envs.findIndex((e) => e.name.toLowerCase() === env.name.toLowerCase()) !== i) {
        ctx.addIssue({ code: 'custom', path: ['environments', i, 'name'], message: `"${env.name}" is used by two environments` });
      }
      env.instances.forEach((inst, j) => {
        const { name } = instanceSpec(inst);
        if (seen.has(name)) {
          ctx.addIssue({ code: 'custom', path: ['environments', i, 'instances', j], message: `"${name}" is already an instance of ${seen.get(name)}` });
        }
        seen.set(name, env.name);
      });
    });
  });

export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;
export type EnvironmentConfig = PipelineConfig['environments'][number];
export type InstanceConfig = EnvironmentConfig['instances'][number];

/** An instance as the file may write it (a name, or a name and an owner), spelled out. */
export type GitSource = z.infer<typeof gitSource>;
export const instanceSpec = (instance: InstanceConfig): { name: string; owner?: string; git?: GitSource } => (typeof instance === 'string' ? { name: instance } : instance);
