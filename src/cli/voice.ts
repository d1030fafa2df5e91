import { type Message, plainVoice, spell } from '../domain/message.ts';

/** A message as the command line prints it: the domain's plain voice (`@U0BOB`, `` `sandbox unlock Production` ``). */
export const forTerminal = (message: Message | string) => spell(message, plainVoice);
