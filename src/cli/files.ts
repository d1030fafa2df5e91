import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { z } from 'zod';
import { InvalidInputError } from '../domain/errors.ts';
import type { ComponentInput } from '../domain/services/components.ts';
import type { Component } from '../domain/types.ts';

const jsonComponents = z.union([
  z.array(z.object({ key: z.string(), content: z.string(), dependsOn: z.array(z.string()).optional() })),
  z.record(z.string(), z.string()),
]);

/** Reads components from a .json file (a list of { key, content, dependsOn } or a { key: content } map) or a directory of Type/Name files. */
export function readComponents(path: string): ComponentInput[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new InvalidInputError(`${path} does not exist. Give a directory of Type/Name files or a .json file.`);
  }
  if (stat.isDirectory()) return readDirectory(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidInputError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const result = jsonComponents.safeParse(parsed);
  if (!result.success) {
    throw new InvalidInputError(`${path} must hold a list of { "key", "content", "dependsOn"? } objects or a { "Type/Name": "content" } map.`);
  }
  return Array.isArray(result.data) ? result.data : Object.entries(result.data).map(([key, content]) => ({ key, content }));
}

function readDirectory(root: string): ComponentInput[] {
  const out: ComponentInput[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push({ key: relative(root, full).split(sep).join('/'), content: readFileSync(full, 'utf8') });
    }
  };
  walk(root);
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

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
}
