import { createHmac, randomBytes } from 'node:crypto';
import type { ActionContext, ActionOutcome, WebhookAction } from '../domain/actions.ts';
import { durationMs } from '../domain/time.ts';
import { credential, inWords, lastLines, masking, missingCredentials } from './credentials.ts';

// Webhook targets and hooks (DESIGN.md section 10): a POST of the package's manifest, signed as Standard Webhooks
// signs, sent again with growing waits while the system answers it cannot take it now. Redirects are not followed:
// a webhook's address is where the bot's payload and signature go, and nowhere else.

export interface WebhookOptions {
  /** The bot's environment, where a `secret` that is not a stored secret is looked up. */
  environment: NodeJS.ProcessEnv;
  /** The waits between attempts (default 1, 2, 4, 8 and 16 s): one attempt more than waits. */
  retryDelaysMs?: number[];
  /** The longest one attempt may take (default 30 s), within the webhook's own timeout. */
  attemptTimeoutMs?: number;
  /** The address of a run's status callback, given to a webhook that may answer 202 (default: its path on the API). */
  callbackUrl?: (run: string) => string;
}

const RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000];
const ATTEMPT_TIMEOUT_MS = 30_000;
/** A ping of Test Connection: one attempt, answered within this. */
const PING_TIMEOUT_MS = 10_000;
/** What of an answer's body is read: enough for its last lines, never a whole download. */
const BODY_KEPT = 64 * 1024;
/** Answers that say "not now": the same delivery is sent again after a wait. */
const TRY_AGAIN = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * The `webhook-signature` of Standard Webhooks: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`, keyed by the
 * secret's bytes (a `whsec_` secret is base64 after its prefix, as the receivers' libraries read it).
 */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** What a webhook is sent: the action, the package's items with their contents, and for a revert the prior state. */
export function payload(action: WebhookAction & { name: string }, context: ActionContext, callbackUrl: (run: string) => string) {
  const base = { type: context.action === 'test' ? 'ping' : context.action, name: action.name, environment: context.environment };
  if (context.action === 'test') return base;
  return {
    ...base,
    request: context.request || null,
    run: context.run || null,
    items: context.files,
    ...(context.action === 'revert' ? { state: context.state } : {}),
    ...(context.callback ? { callback: { url: callbackUrl(context.run), token: context.callback.token } } : {}),
  };
}

type Attempt = { answer: Response; body: string } | { failure: string };

export function webhookActions(o: WebhookOptions) {
  const callbackUrl = o.callbackUrl ?? ((run: string) => `/api/v1/runs/${run}/status`);
  return {
    async run(action: WebhookAction & { name: string }, context: ActionContext, line: (text: string, stream: 'stdout' | 'stderr') => void, signal?: AbortSignal): Promise<ActionOutcome> {
      const started = performance.now();
      const ping = context.action === 'test';
      const delays = ping ? [] : (o.retryDelaysMs ?? RETRY_DELAYS_MS);
      const attemptTimeoutMs = ping ? PING_TIMEOUT_MS : (o.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS);
      const missing = missingCredentials(action.secret ? [action.secret] : [], context, o.environment);
      if (missing) return { ok: false, ms: 0, said: [], summary: missing };
      const secret = action.secret ? credential(action.secret, context, o.environment) : undefined;
      const mask = masking([secret, context.callback?.token]);
      const body = JSON.stringify(payload(action, context, callbackUrl));
      const id = `msg_${randomBytes(16).toString('base64url')}`;
      const deadline = Date.now() + durationMs(action.timeout)!;
      const ended = (ok: boolean, summary: string, said: string[] = [], accepted = false): ActionOutcome => ({ ok, accepted, summary, said, ms: Math.round(performance.now() - started) });
      for (let attempt = 1; ; attempt++) {
        const result = await post(action.webhook, body, id, secret, Math.min(attemptTimeoutMs, deadline - Date.now()), signal);
        if (signal?.aborted) return ended(false, 'it was stopped, as the deployment was cut short');
        let reason: string;
        if ('answer' in result) {
          const said = lastLines(mask(result.body));
          const verdict = judge(result.answer);
          line(verdict.answered, result.answer.ok ? 'stdout' : 'stderr');
          for (const text of said) line(text, result.answer.ok ? 'stdout' : 'stderr');
          if (verdict.end) return ended(verdict.end.ok, verdict.end.summary(inWords(performance.now() - started)), said, verdict.end.accepted);
          reason = verdict.answered;
        } else {
          reason = mask(result.failure);
          line(reason, 'stderr');
        }
        const wait = delays[attempt - 1];
        if (wait === undefined || Date.now() + wait >= deadline) return ended(false, `${reason}, at attempt ${attempt} of ${delays.length + 1}, and no time or attempt is left (timeout ${action.timeout})`);
        line(`trying again in ${inWords(wait)} (attempt ${attempt + 1} of ${delays.length + 1})`, 'stderr');
        if (!(await pause(wait, signal))) return ended(false, 'it was stopped, as the deployment was cut short');
      }
    },
  };
}

/** What an answer means: `answered 503 Service Unavailable`, and how the delivery ends (none: it is sent again). */
function judge(answer: Response): { answered: string; end?: { ok: boolean; accepted?: boolean; summary: (after: string) => string } } {
  const answered = `answered ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}`;
  if (answer.status === 202) return { answered, end: { ok: true, accepted: true, summary: (after) => `was accepted (202) after ${after}` } };
  if (answer.ok) return { answered, end: { ok: true, summary: (after) => `${answered} after ${after}` } };
  if (answer.status >= 300 && answer.status < 400) {
    const where = answer.headers.get('location') ?? 'nowhere said';
    return { answered, end: { ok: false, summary: () => `answered with a redirect (${answered.slice('answered '.length)}) to ${where}, and redirects are not followed: give the address it points to` } };
  }
  return TRY_AGAIN.has(answer.status) ? { answered } : { answered, end: { ok: false, summary: () => answered } };
}

/** One attempt of a delivery: the answer and the start of its body, or why there was none. */
async function post(url: string, body: string, id: string, secret: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<Attempt> {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'sandbox-bot', 'webhook-id': id, 'webhook-timestamp': String(timestamp) };
  if (secret !== undefined) headers['webhook-signature'] = signature(secret, id, timestamp, body);
  const timeout = AbortSignal.timeout(Math.max(timeoutMs, 1));
  try {
    const answer = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    return { answer, body: await bodyStart(answer) };
  } catch (error) {
    if (timeout.aborted) return { failure: `no answer within ${inWords(timeoutMs)}` };
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return { failure: `could not be reached: ${cause?.code ?? cause?.message ?? (error as Error).message}` };
  }
}

async function bodyStart(answer: Response): Promise<string> {
  if (!answer.body) return '';
  const reader = answer.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done && size < BODY_KEPT; read = await reader.read()) {
    chunks.push(read.value);
    size += read.value.length;
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(chunks).subarray(0, BODY_KEPT).toString('utf8');
}

/** Waits `ms`; false when cancelled first. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', cancel);
      resolve(true);
    }, ms);
    const cancel = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', cancel, { once: true });
  });
}
