import { z } from 'zod';
import { describeIssues } from './config/load.ts';
import { DomainError } from './domain/errors.ts';

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
  SLACK_API_URL: z
    .string()
    .url('must be a URL')
    .regex(/\/api\/$/, 'must end with /api/ (e.g. https://slack.com/api/)')
    .default('https://slack.com/api/'),
});

export type Settings = z.infer<typeof settingsSchema>;

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = settingsSchema.safeParse(present);
  if (result.success) return result.data;
  throw new DomainError('CONFIG_INVALID', `Invalid settings:\n${describeIssues(result.error).map((l) => `  - ${l}`).join('\n')}`);
}
