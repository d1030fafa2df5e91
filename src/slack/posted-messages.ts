/** What a card or a thread is about: a request's card, a change request's card, a run's parent message. */
export type MessageRole = 'card' | 'run';

export interface PostedMessage {
  subject: string;
  role: MessageRole;
  channel: string;
  ts: string;
  linesPosted: number;
}

/** Where the bot's messages are, kept in the database so that every process updates the same ones. */
export interface PostedMessages {
  find(subject: string, role: MessageRole): Promise<PostedMessage | undefined>;
  save(message: PostedMessage): Promise<void>;
  setLinesPosted(subject: string, role: MessageRole, lines: number): Promise<void>;
}
