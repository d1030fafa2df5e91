import { describe, expect, it } from 'vitest';
import { DomainError, NotFoundError } from '../../src/domain/errors.ts';
import { command, group, listing, msg, person, plainVoice, spell, type Voice } from '../../src/domain/message.ts';

const slackLike: Voice = { person: (id) => `<@${id}>`, group: (id) => `<!subteam^${id}>`, command: (args) => `\`/sandbox ${args}\`` };

describe('messages of the domain', () => {
  it('keep people and commands apart for each adapter to spell', () => {
    const message = msg`Only ${person('U0BOB')} may do it; see ${command('queue Staging')}.`;
    expect(message).toEqual(['Only ', { person: 'U0BOB' }, ' may do it; see ', { command: 'queue Staging' }, '.']);
    expect(spell(message, slackLike)).toBe('Only <@U0BOB> may do it; see `/sandbox queue Staging`.');
    expect(spell(message, plainVoice)).toBe('Only @U0BOB may do it; see `sandbox queue Staging`.');
  });

  it('list people and groups with commas and a conjunction, nested messages flattened', () => {
    const who = listing([person('U0A'), person('U0B'), group('S0QA'), 'an admin'], 'or');
    expect(spell(msg`Ask ${who}.`, slackLike)).toBe('Ask <@U0A>, <@U0B>, <!subteam^S0QA> or an admin.');
    expect(spell(listing([person('U0A')]), plainVoice)).toBe('@U0A');
    expect(listing([])).toEqual([]);
  });

  it('become refusals whose message is plain text and whose words keep the parts', () => {
    const error = new NotFoundError('DR-9', msg`See ${command('queue')}.`);
    expect(error.message).toBe('DR-9 was not found. See `sandbox queue`.');
    expect(error.words).toContainEqual({ command: 'queue' });
    expect(new DomainError('INVALID_INPUT', 'plain').words).toEqual(['plain']);
  });
});
