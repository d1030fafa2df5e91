import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import { gitSources } from '../../src/git/sources.ts';

// The credential an instance's `credentials` names reaches the remote as git's Authorization header, from the
// environment, and never shows in what the bot says: an https server on loopback records what git sends.

const TOKEN = 's3cret-token-value';
const seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  res.writeHead(403, { 'content-type': 'text/plain' }).end('denied for this token');
});
let url: string;
let dir: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acme/config.git`;
  dir = mkdtempSync(join(tmpdir(), 'sandbox-credentials-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise((resolve) => server.close(resolve));
});

const env = (extra: Record<string, string>) => ({ PATH: process.env.PATH, HOME: dir, ...extra });

describe('credentials of a git remote', () => {
  it('are sent as the Authorization header, and appear in no refusal', async () => {
    const sources = gitSources({ 'dev-alice': { repo: url, branch: 'dev-alice', path: '', credentials: 'GIT_TOKEN' } }, join(dir, 'mirrors'), env({ GIT_TOKEN: TOKEN }));
    const refusal = await sources.read('dev-alice', null).then(() => undefined, (error: Error) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal!.message).toContain('dev-alice could not be read from branch dev-alice of');
    expect(seen.some((h) => h.authorization === `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`)).toBe(true);
    const shown = `${refusal!.message} ${JSON.stringify(await sources.test('dev-alice'))}`;
    expect(shown).not.toContain(TOKEN);
    expect(shown).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
  });

  it('of an ssh remote is the key file that git runs ssh with, never prompting', async () => {
    // An `ssh` first on the PATH that records how git ran it, then refuses as a server would.
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const record = join(dir, 'ssh-args');
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\necho 'Permission denied (publickey).' >&2\nexit 255\n`, { mode: 0o755 });
    const key = join(dir, 'deploy key');
    const sources = gitSources(
      { 'dev-alice': { repo: 'ssh://git@git.example.com/acme/config.git', branch: 'dev-alice', path: '', credentials: 'GIT_SSH_KEY' } },
      join(dir, 'mirrors'),
      { ...env({ GIT_SSH_KEY: key }), PATH: `${bin}:${process.env.PATH}` },
    );
    const refusal = await sources.read('dev-alice', null).then(() => undefined, (error: Error) => error);
    expect(refusal!.message).toMatch(/^dev-alice could not be read from branch dev-alice of ssh:\/\/git@git\.example\.com\/acme\/config\.git \(git said: .*Permission denied \(publickey\)/);
    const args = readFileSync(record, 'utf8').trim().split('\n');
    expect(args.slice(0, 6)).toEqual(['-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes']);
    expect(args).toContain('git@git.example.com');
  });

  it('named but not set is a refusal that names the variable', async () => {
    const sources = gitSources({ 'dev-alice': { repo: url, branch: 'dev-alice', path: '', credentials: 'GIT_TOKEN' } }, join(dir, 'mirrors'), env({}));
    await expect(sources.read('dev-alice', null)).rejects.toThrow("dev-alice names the credential GIT_TOKEN, which is not set in the bot's environment");
  });
});
