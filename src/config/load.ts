import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { DomainError } from '../domain/errors.ts';
import { type PipelineConfig, pipelineConfigSchema } from './schema.ts';

const formatPath = (path: readonly PropertyKey[]) =>
  path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');

/** The name of the instance a path of the pipeline file lies in (`environments[0].instances[1]…`), when it has one. */
function instanceAt(raw: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'environments' || path[2] !== 'instances' || typeof path[3] !== 'number') return undefined;
  const entry = (raw as { environments?: { instances?: unknown[] }[] })?.environments?.[path[1] as number]?.instances?.[path[3]];
  const name = typeof entry === 'string' ? entry : (entry as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** Each issue as `path: message`; a path inside an instance names the instance too (`… (instance dev-alice)`). */
export function describeIssues(error: z.ZodError, raw?: unknown): string[] {
  return error.issues.map((issue) => {
    const instance = instanceAt(raw, issue.path);
    return `${formatPath(issue.path) || '(top level)'}${instance ? ` (instance ${instance})` : ''}: ${issue.message}`;
  });
}

/** Parses and validates a pipeline configuration; a bad file names every field at fault and why. */
export function parsePipelineConfig(text: string, source: string): PipelineConfig {
  let raw: unknown;
  try {
    raw = parse(text, { prettyErrors: true });
  } catch (error) {
    throw new DomainError('CONFIG_INVALID', `${source} is not valid YAML: ${(error as Error).message}`);
  }
  const result = pipelineConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = describeIssues(result.error, raw).map((l) => `  - ${l}`);
    throw new DomainError('CONFIG_INVALID', `${source} is not a valid pipeline configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** A repository URL git reads as a path on this machine (not `scheme://…`, nor ssh's `host:path`). */
const isLocalPath = (repo: string) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) && !/^[^/]*:/.test(repo);

/** A git-backed instance's repository given as a relative path is relative to the pipeline file, wherever the bot runs. */
function resolveRepositories(config: PipelineConfig, file: string): PipelineConfig {
  for (const env of config.environments) {
    for (const instance of env.instances) {
      if (typeof instance !== 'string' && instance.git && isLocalPath(instance.git.repo)) instance.git.repo = resolve(dirname(file), instance.git.repo);
    }
  }
  return config;
}

export function loadPipelineConfig(path: string): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DomainError('CONFIG_INVALID', `Cannot read the pipeline configuration ${path} (${(error as NodeJS.ErrnoException).code}). Check that the file exists, or point SANDBOX_CONFIG at your pipeline file.`);
  }
  return resolveRepositories(parsePipelineConfig(text, path), path);
}
