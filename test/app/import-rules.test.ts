import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The seams of DESIGN.md section 6, read from the imports of src/: adapters (the Slack app, the command line, the
// local workspace, the HTTP API) never import one another, only the database module touches the database, and the
// domain knows nothing of Slack, SQL, cron or the process environment. The composition roots in src/app wire them.

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const ADAPTERS = ['slack', 'cli', 'workspace', 'api'];
const DATABASE_LIBRARIES = [/^drizzle-orm(\/|$)/, /^postgres$/, /^@electric-sql\/pglite(\/|$)/];
const DOMAIN_BANNED = [/^@slack\//, ...DATABASE_LIBRARIES, /^node-cron$/];
/** The local workspace is a Slack workspace on this machine: it may start the Slack app, and nothing else of src/app. */
const ALLOWED = new Set(['workspace -> app/slack-app.ts']);

interface SourceFile {
  /** Path under src/, with forward slashes. */
  path: string;
  text: string;
}

/** The folder of src/ a file belongs to (`slack`, `domain`…), or the file itself at the top. */
const areaOf = (path: string) => path.split('/')[0]!;

/** Every import of a file: static, dynamic and `export … from`, as written. */
function importsOf(file: SourceFile): string[] {
  return ts.preProcessFile(file.text, true, true).importedFiles.map((f) => f.fileName);
}

/** What a relative import names under src/ (`db/client.ts`); undefined for a package or a path outside src/. */
function target(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const path = relative(SRC, resolve(SRC, dirname(from), spec)).split('\\').join('/');
  return path.startsWith('..') ? undefined : path;
}

/** Each broken rule as `file: import — rule`. */
export function violations(files: readonly SourceFile[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const area = areaOf(file.path);
    const say = (spec: string, rule: string) => found.push(`src/${file.path}: '${spec}' — ${rule}`);
    if (area !== 'settings.ts' && /\bprocess\.env\b/.test(file.text)) say('process.env', 'only src/settings.ts reads the process environment');
    for (const spec of importsOf(file)) {
      const to = target(file.path, spec);
      const toArea = to && areaOf(to);
      if (area !== 'db' && DATABASE_LIBRARIES.some((p) => p.test(spec))) say(spec, 'only src/db uses the database libraries');
      if (area === 'domain') {
        if (DOMAIN_BANNED.some((p) => p.test(spec))) say(spec, 'the domain imports nothing of Slack, the database or node-cron');
        if (spec.startsWith('.') && toArea !== 'domain') say(spec, 'the domain imports only the domain');
      }
      if (!toArea || toArea === area) continue;
      if (ALLOWED.has(`${area} -> ${to}`)) continue;
      if (ADAPTERS.includes(area) && ADAPTERS.includes(toArea)) say(spec, `an adapter (${area}) never imports another adapter (${toArea}); wire them in src/app`);
      if (area !== 'app' && toArea === 'app') say(spec, 'only the composition roots import src/app');
      if (area === 'db' && ADAPTERS.includes(toArea)) say(spec, `the database module imports no adapter (${toArea}); declare a port in the domain`);
      if (area === 'text' && toArea !== 'domain') say(spec, 'the plain-text renderings import only the domain');
      if (area === 'charts' && toArea !== 'domain' && to !== 'package-files.ts') say(spec, 'the charts import only the domain (and find their font through package-files.ts)');
    }
  }
  return found;
}

function sourceFiles(dir = SRC): SourceFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    if (!/\.ts$/.test(entry.name)) return [];
    return [{ path: relative(SRC, path).split('\\').join('/'), text: readFileSync(path, 'utf8') }];
  });
}

describe('the imports of src/', () => {
  it('keep every seam: adapters apart, the database in src/db, the domain on its own', () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(50);
    expect(violations(files)).toEqual([]);
  });

  it('name the file and the import of each broken rule', () => {
    const broken = violations([
      { path: 'cli/commands/x.ts', text: "import { Chat } from '../../slack/chat.ts';" },
      { path: 'slack/y.ts', text: "import { sql } from 'drizzle-orm';\nconst x = await import('../app/runtime.ts');" },
      { path: 'db/repositories/z.ts', text: "import type { PostedMessages } from '../../slack/posted-messages.ts';" },
      { path: 'domain/services/w.ts', text: "import { WebClient } from '@slack/web-api';\nimport { openDatabase } from '../../db/client.ts';\nimport cron from 'node-cron';\nconst token = process.env.SLACK_BOT_TOKEN;" },
      { path: 'workspace/local.ts', text: "import { startSlackApp } from '../app/slack-app.ts';\nimport { openRuntime } from '../app/runtime.ts';" },
      { path: 'text/reports.ts', text: "import { escape } from '../slack/blocks/format.ts';" },
    ]);
    expect(broken).toEqual([
      "src/cli/commands/x.ts: '../../slack/chat.ts' — an adapter (cli) never imports another adapter (slack); wire them in src/app",
      "src/slack/y.ts: 'drizzle-orm' — only src/db uses the database libraries",
      "src/slack/y.ts: '../app/runtime.ts' — only the composition roots import src/app",
      "src/db/repositories/z.ts: '../../slack/posted-messages.ts' — the database module imports no adapter (slack); declare a port in the domain",
      "src/domain/services/w.ts: 'process.env' — only src/settings.ts reads the process environment",
      "src/domain/services/w.ts: '@slack/web-api' — the domain imports nothing of Slack, the database or node-cron",
      "src/domain/services/w.ts: '../../db/client.ts' — the domain imports only the domain",
      "src/domain/services/w.ts: 'node-cron' — the domain imports nothing of Slack, the database or node-cron",
      "src/workspace/local.ts: '../app/runtime.ts' — only the composition roots import src/app",
      "src/text/reports.ts: '../slack/blocks/format.ts' — the plain-text renderings import only the domain",
    ]);
  });
});
