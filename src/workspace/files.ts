import type { Handler, PostedMessage, WorkspaceState } from './web-api.ts';

/**
 * Slack's file uploads as the app makes them (files.getUploadURLExternal, the bytes sent to the URL it gives, then
 * files.completeUploadExternal sharing them into a conversation), answered from memory like the rest of the Web API.
 */

export interface UploadedFile {
  id: string;
  filename: string;
  /** The length announced when the upload URL was asked for, and the bytes that reached it. */
  length: number;
  bytes?: Buffer;
  altText?: string;
  title?: string;
  /** Where it was shared, once completed. */
  channel?: string;
  ts?: string;
}

/** A file as a message carries it. */
export interface SharedFile {
  id: string;
  name: string;
  title?: string;
}

export interface FileHandlerOptions {
  /** Where the app sends the bytes of file `id`. */
  uploadUrl(id: string): string;
  /** Posts the message that shares the files into a conversation (chat.postMessage's own handling). */
  post(message: { channel: string; thread_ts?: string; text: string; files: SharedFile[] }): PostedMessage | { error: string };
}

/** The files of a completeUploadExternal call: a JSON array, as Slack's client sends it in a form. */
function filesArgument(value: unknown): { id: string; title?: string }[] | undefined {
  try {
    const parsed = typeof value === 'string' ? JSON.parse(value) : value;
    return Array.isArray(parsed) && parsed.every((f) => typeof f?.id === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function fileHandlers(state: WorkspaceState, options: FileHandlerOptions): Record<string, Handler> {
  let counter = 0;
  return {
    'files.getUploadURLExternal': (args) => {
      const length = Number(args.length);
      if (!args.filename || !Number.isInteger(length) || length < 1) return { ok: false, error: 'invalid_arguments' };
      const id = `F${String(++counter).padStart(9, '0')}`;
      state.files.set(id, { id, filename: String(args.filename), length, altText: args.alt_txt });
      return { ok: true, upload_url: options.uploadUrl(id), file_id: id };
    },
    'files.completeUploadExternal': (args) => {
      const files = filesArgument(args.files);
      if (!files?.length) return { ok: false, error: 'invalid_arguments' };
      const records = files.map((f) => state.files.get(f.id));
      if (records.some((r) => !r)) return { ok: false, error: 'file_not_found' };
      // Slack refuses a file whose bytes did not all arrive.
      if (records.some((r) => r!.bytes?.length !== r!.length)) return { ok: false, error: 'file_upload_size_mismatch' };
      records.forEach((r, i) => (r!.title = files[i]!.title ?? r!.filename));
      if (args.channel_id) {
        const shared = records.map((r) => ({ id: r!.id, name: r!.filename, title: r!.title }));
        const posted = options.post({ channel: String(args.channel_id), thread_ts: args.thread_ts, text: args.initial_comment ?? '', files: shared });
        if ('error' in posted) return { ok: false, error: posted.error };
        records.forEach((r) => Object.assign(r!, { channel: posted.channel, ts: posted.ts }));
      }
      return { ok: true, files: records.map((r) => ({ id: r!.id, title: r!.title })) };
    },
  };
}

/** The bytes of a file reaching its upload URL: 200 as Slack answers, 404 for a URL it never gave. */
export function receiveUpload(state: WorkspaceState, id: string, bytes: Buffer): [number, string] {
  const file = state.files.get(id);
  if (!file) return [404, 'no such upload'];
  file.bytes = bytes;
  return [200, `OK - ${bytes.length}`];
}
