import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import * as z from 'zod';
import { InvalidInputError } from '../domain/errors.ts';
import type { ComponentInput } from '../domain/services/components.ts';
import type { DeliveryMetrics } from '../domain/services/metrics.ts';
import type { Component } from '../domain/types.ts';

/** Beside the Type/Name files of an exported directory: `{ "Type/Name": ["Dep/Key", …] }` for the components that have dependencies. */
export const DEPENDENCIES_FILE = '.dependencies.json';

const jsonComponents = z.union([
  z.array(z.object({ key: z.string(), content: z.string(), dependsOn: z.array(z.string()).optional() })),
  z.record(z.string(), z.string()),
]);
const jsonDependencies = z.record(z.string(), z.array(z.string()));

/** The content of `components put --file`: a file that cannot be read is bad input, said with what to do. */
export function readContentFile(path: string, instance: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InvalidInputError(`Cannot read ${path}: no such file. Give the path of an existing file with --file, or the content itself with --content.`);
    if (code === 'EISDIR') {
      throw new InvalidInputError(`Cannot read ${path}: it is a directory. --file takes one file; to write a directory of Type/Name files use \`sandbox components import ${instance} ${path}\`.`);
    }
    if (code === 'EACCES' || code === 'EPERM') throw new InvalidInputError(`Cannot read ${path}: permission denied. Make the file readable, or give the content with --content.`);
    throw error;
  }
}

/** Reads components from a .json file (a list of { key, content, dependsOn } or a { key: content } map) or a directory of Type/Name files. */
export function readComponents(path: string): ComponentInput[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new InvalidInputError(`${path} does not exist. Give a directory of Type/Name files or a .json file.`);
  }
  if (stat.isDirectory()) return readDirectory(path);
  const data = readJson(path, jsonComponents, 'a list of { "key", "content", "dependsOn"? } objects or a { "Type/Name": "content" } map');
  return Array.isArray(data) ? data : Object.entries(data).map(([key, content]) => ({ key, content }));
}

/** The Type/Name files under `root` (dotfiles and dot-directories are not components), with the dependencies of its `.dependencies.json`. */
function readDirectory(root: string): ComponentInput[] {
  const out: ComponentInput[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push({ key: relative(root, full).split(sep).join('/'), content: readFileSync(full, 'utf8') });
    }
  };
  walk(root);
  const dependencies = readDependencies(root);
  if (dependencies) {
    const keys = new Set(out.map((c) => c.key));
    const unknown = Object.keys(dependencies).filter((key) => !keys.has(key));
    if (unknown.length) {
      throw new InvalidInputError(`${join(root, DEPENDENCIES_FILE)} lists ${unknown.join(', ')}, which ${unknown.length === 1 ? 'has' : 'have'} no file in ${root}. Add the file or remove the entry.`);
    }
    for (const c of out) c.dependsOn = dependencies[c.key] ?? [];
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

function readDependencies(root: string): Record<string, string[]> | undefined {
  const path = join(root, DEPENDENCIES_FILE);
  if (!existsSync(path)) return undefined;
  return readJson(path, jsonDependencies, 'a { "Type/Name": ["Dep/Key", …] } map');
}

/** A JSON file of the given shape; anything else is refused with what the file must hold. */
function readJson<T>(path: string, schema: z.ZodType<T>, shape: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidInputError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw new InvalidInputError(`${path} must hold ${shape}.`);
  return result.data;
}

/** Writes a .json file (a list of { key, content, dependsOn? }) or a directory of Type/Name files with its `.dependencies.json`. */
export function writeComponents(path: string, components: Component[]) {
  if (path.endsWith('.json')) {
    const list = components.map(({ key, content, dependsOn }) => ({ key, content, ...(dependsOn.length ? { dependsOn } : {}) }));
    writeFileSync(path, `${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  for (const c of components) {
    const file = join(path, ...c.key.split('/'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, c.content);
  }
  mkdirSync(path, { recursive: true });
  const dependencies = Object.fromEntries(components.filter((c) => c.dependsOn.length).map((c) => [c.key, c.dependsOn]));
  writeFileSync(join(path, DEPENDENCIES_FILE), `${JSON.stringify(dependencies, null, 2)}\n`);
}

/** `metrics --png FILE`: the chart of deployments per week; the chart library loads only when a chart is asked for. */
export async function writeChart(metrics: DeliveryMetrics, path: string) {
  const { deliveryChartPng } = await import('../charts/delivery-chart.ts');
  const png = await deliveryChartPng(metrics);
  try {
    writeFileSync(path, png);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'EPERM') {
      throw new InvalidInputError(`Cannot write the chart to ${path} (${code}): give --png a file path in a folder that exists and that you may write to.`);
    }
    throw error;
  }
}
