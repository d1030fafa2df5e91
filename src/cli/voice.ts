import { type Message, spell, type Voice } from '../domain/message.ts';

/** How the command line names people and commands: `@U0BOB`, `sandbox unlock Production`. */
const terminalVoice: Voice = {
  person: (id) => `@${id}`,
  group: (id) => `@${id}`,
  command: (args) => `\`sandbox ${args}\``,
};

export const forTerminal = (message: Message | string) => spell(message, terminalVoice);
