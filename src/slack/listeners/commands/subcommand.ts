import type { WebClient } from '@slack/web-api';
import type { Replier, SlackDeps } from '../../listener-deps.ts';
import type { Opening } from '../../modals.ts';

/** One `/sandbox` subcommand as typed: its words after the name, who typed it, where, and how to answer. */
export interface Invocation {
  args: string[];
  /** Everything after the first `n` words, as typed (a lock's reason). */
  rest(n: number): string;
  user: string;
  channel: string;
  client: WebClient;
  opening: Opening;
  reply: Replier;
  deps: SlackDeps;
}

export interface Subcommand {
  /** Words required after the name, and the most it takes (Infinity: a free text follows). */
  args: [min: number, max: number];
  /** What the required words are, for the message when they are missing. */
  needs?: string;
  run(call: Invocation): Promise<void>;
}
