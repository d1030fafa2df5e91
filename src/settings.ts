import { basename } from 'node:path';
import * as z from 'zod';
import { describeIssues } from './config/load.ts';
import { DomainError } from './domain/errors.ts';
import { durationMs } from './domain/time.ts';
import { parseMasterKeys } from './secrets/box.ts';

/** The process environment, read once; nothing else reads `process.env`. */
const settingsSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  SANDBOX_DATA_DIR: z.string().min(1).default('./.data'),
  SANDBOX_CONFIG: z.string().min(1).default('./sandbox.config.yml'),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-/, 'must be a bot token starting with xoxb-')
    .optional(),
  SLACK_SIGNING_SECRET: z.string().min(8, 'must be the signing secret of the Slack app (Basic Information → App Credentials)').optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'must be an app-level token starting with xapp- (it turns on Socket Mode)')
    .optional(),
  PORT: z.coerce.number({ error: 'must be a port number (0-65535)' }).int('must be a port number (0-65535)').min(0).max(65535, 'must be a port number (0-65535)').default(3000),
  SHUTDOWN_GRACE: z
    .string()
    .refine((text) => durationMs(text) !== undefined, 'must be a duration such as 30s or 2m: how long running deployments may take to finish at SIGTERM')
    .default('30s'),
  SANDBOX_MASTER_KEY: z
    .string()
    .refine(
      (text) => {
        try {
          return parseMasterKeys(text).length > 0;
        } catch {
          return false;
        }
      },
      { error: 'must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -hex 32`); to rotate, the new key first and the old one after it, comma-separated' },
    )
    .optional(),
  SANDBOX_PUBLIC_URL: z
    .string()
    .url('must be the URL the bot is reached at, e.g. https://sandbox.example.com')
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  LOG_FORMAT: z.enum(['text', 'json'], { error: 'must be text (readable lines) or json (one JSON object per line)' }).default('text'),
  SLACK_API_URL: z
    .string()
    .url('must be a URL')
    .regex(/\/api\/$/, 'must end with /api/ (e.g. https://slack.com/api/)')
    .default('https://slack.com/api/'),
});

export type Settings = z.infer<typeof settingsSchema>;

/** The Slack app needs a bot token, and a signing secret unless an app-level token puts it in Socket Mode. */
const slackRequirements = z
  .object({ SLACK_BOT_TOKEN: z.string().optional(), SLACK_APP_TOKEN: z.string().optional(), SLACK_SIGNING_SECRET: z.string().optional() })
  .superRefine((s, ctx) => {
    if (!s.SLACK_BOT_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: "required: the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page" });
    }
    if (!s.SLACK_APP_TOKEN && !s.SLACK_SIGNING_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: "required in HTTP mode: the Signing Secret from the app's Basic Information page (or set SLACK_APP_TOKEN, xapp-…, for Socket Mode)",
      });
    }
  });

export type SlackMode = 'http' | 'socket';
export type SlackSettings = Settings & { SLACK_BOT_TOKEN: string; mode: SlackMode };

const present = (env: NodeJS.ProcessEnv) => Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));

function invalid(errors: z.ZodError[]): DomainError {
  const lines = errors.flatMap((e) => describeIssues(e)).map((l) => `  - ${l}`);
  return new DomainError('CONFIG_INVALID', `Invalid settings:\n${lines.join('\n')}`);
}

const SLACK_SETTINGS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'] as const;

/** With no Slack setting at all, `npm start` runs the local workspace instead of connecting to Slack. */
export const slackConfigured = (env: NodeJS.ProcessEnv = process.env) => SLACK_SETTINGS.some((name) => name in present(env));

/** Where the local workspace keeps its database and pipeline unless told otherwise: apart from a real workspace's. */
export const LOCAL_WORKSPACE_DIR = './.workspace';

export interface LocalSettings extends Settings {
  /** Whether SANDBOX_CONFIG names the pipeline; if not, the workspace's own is used, created on first start. */
  configGiven: boolean;
  /**
   * SANDBOX_LOCAL_GIT=1: the demo pipeline's instances are kept in a git repository of the workspace (one branch each),
   * a workspace apart from the other, with its own pipeline file and database.
   */
  git: boolean;
}

/** Settings of the local workspace: the usual ones, with its own data directory and pipeline by default. */
export function readLocalSettings(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const { SANDBOX_LOCAL_GIT, ...given } = present(env);
  const git = SANDBOX_LOCAL_GIT !== undefined && !/^(0|false|no)$/i.test(SANDBOX_LOCAL_GIT);
  const home = git ? `${LOCAL_WORKSPACE_DIR}/git` : LOCAL_WORKSPACE_DIR;
  // Each pipeline file gets a database of its own: rehearsing one never meets the data of another.
  const pipeline = given.SANDBOX_CONFIG ? `-${basename(given.SANDBOX_CONFIG).replace(/\.ya?ml$/, '')}` : '';
  const defaults = { SANDBOX_DATA_DIR: `${home}/data${pipeline}`, SANDBOX_CONFIG: `${home}/sandbox.config.yml` };
  const settings = { ...readSettings({ ...defaults, ...given }), configGiven: 'SANDBOX_CONFIG' in given, git };
  // A server that lost its Slack settings must not put the demo pipeline into its real database.
  if (settings.DATABASE_URL && !settings.configGiven) {
    throw new DomainError(
      'CONFIG_INVALID',
      'No Slack setting is given, so npm start would open the local workspace, with its demo pipeline, on the PostgreSQL database of DATABASE_URL. To run the Slack app, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN). To rehearse on that database, set SANDBOX_CONFIG to its pipeline file. To try the demo, unset DATABASE_URL.',
    );
  }
  return settings;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const result = settingsSchema.safeParse(present(env));
  if (!result.success) throw invalid([result.error]);
  return result.data;
}

/** Settings of the Slack app: every missing or malformed one is named, all at once. */
export function readSlackSettings(env: NodeJS.ProcessEnv = process.env): SlackSettings {
  const [settings, required] = [settingsSchema.safeParse(present(env)), slackRequirements.safeParse(present(env))];
  const errors = [settings, required].flatMap((r) => (r.success ? [] : [r.error]));
  if (errors.length || !settings.success) throw invalid(errors);
  return { ...settings.data, SLACK_BOT_TOKEN: settings.data.SLACK_BOT_TOKEN!, mode: settings.data.SLACK_APP_TOKEN ? 'socket' : 'http' };
}

/**
 * The environment the programs the bot starts run in (git: its PATH, HOME, proxies, and the variables that
 * `credentials` names in the pipeline configuration).
 */
export const processEnvironment = (): NodeJS.ProcessEnv => ({ ...process.env });
