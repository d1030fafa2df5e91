import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonLogger, maskSecrets } from '../../src/app/logging.ts';
import { withLogContext } from '../../src/log-context.ts';

// LOG_FORMAT=json: one object per line, with the context of the work it belongs to, and no secret.

function capture() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: jsonLogger(stream) };
}

describe('the JSON logger', () => {
  it('writes each line as one object with the context of the work under way, nested contexts merged', async () => {
    const { lines, logger } = capture();
    logger.setName('sandbox');
    await withLogContext({ api: { token: 'ci' } }, async () => {
      logger.info('sent', { request: 'DR-1' });
      await withLogContext({ run: 'RUN-4' }, async () => logger.warn('slow'));
    });
    logger.error('outside', new Error('boom'));
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, name: 'sandbox', msg: 'sent {"request":"DR-1"}', api: { token: 'ci' } }),
      expect.objectContaining({ level: 40, msg: 'slow', api: { token: 'ci' }, run: 'RUN-4' }),
      expect.objectContaining({ level: 50, msg: 'outside boom', error: expect.objectContaining({ type: 'Error', message: 'boom', stack: expect.stringContaining('Error: boom') }) }),
    ]);
    expect(lines[2]).not.toHaveProperty('api');
  });

  it('masks tokens and credentials in messages and errors', () => {
    const { lines, logger } = capture();
    logger.warn('called with xoxb-1111-secret and Authorization: Bearer sbx_abcDEF123', new Error('token xapp-1-A-secret refused'));
    const text = JSON.stringify(lines);
    for (const secret of ['xoxb-1111-secret', 'sbx_abcDEF123', 'xapp-1-A-secret']) expect(text).not.toContain(secret);
    expect(lines[0]!.msg).toBe('called with xoxb-*** and Authorization: Bearer *** token xapp-*** refused');
    expect(maskSecrets('Basic dXNlcjpwYXNz')).toBe('Basic ***');
  });
});
