import { describe, expect, it } from 'vitest';
import { helpText, meant, SUBCOMMANDS, usageLine } from '../../../src/slack/blocks/usage.ts';
import { codeBlocks } from '../../../src/slack/blocks/format.ts';
import { CHANGE_REQUEST_USAGE } from '../../../src/slack/listeners/commands/change-requests.ts';

/** `<…>` that Slack would read as markup but is none of its own (a mention, a channel, a special, a link). */
const unescapedPlaceholders = (text: string) => text.match(/<(?![@#!]|https?:|mailto:)[^>]*>/g) ?? [];

const names = SUBCOMMANDS.map(([usage]) => usage.split(' ')[0]!);

describe('usage texts', () => {
  it('escape every placeholder, in the help and in each command’s usage', () => {
    const texts = [helpText(), CHANGE_REQUEST_USAGE, ...names.map(usageLine)];
    expect(texts.flatMap(unescapedPlaceholders)).toEqual([]);
    expect(usageLine('validate')).toBe('`/sandbox validate &lt;request&gt;`');
    expect(helpText()).toContain('`/sandbox compare &lt;instance&gt; &lt;instance&gt;`');
  });

  it('the finder of placeholders finds them, and leaves Slack’s own markup alone', () => {
    expect(unescapedPlaceholders('/sandbox validate <request> by <@U0BOB> in <#C0DEV> <!here> <https://x.test|x>')).toEqual(['<request>']);
  });
});

describe('a mistyped subcommand', () => {
  it('is matched to the command it most likely meant', () => {
    expect(['sned', 'deploi', 'stauts', 'QUEUE'.toLowerCase(), 'unlcok', 'rport'].map(meant)).toEqual(['send', 'deploy', 'status', 'queue', 'unlock', 'report']);
  });

  it('is matched to nothing when no command is close', () => {
    expect(['xyzzy', 'rollback', 'ab', 'deployment'].map(meant)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('code blocks', () => {
  it('escape what they show: a log line naming <request> stays text', () => {
    const [chunk] = codeBlocks(['deploy <request> & more', 'Layout/A']);
    expect(chunk).toBe('```deploy &lt;request&gt; &amp; more\nLayout/A```');
    expect(unescapedPlaceholders(chunk!)).toEqual([]);
  });
});
