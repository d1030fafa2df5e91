import { InvalidInputError, InvalidStateError } from '../errors.ts';
import type { ServiceDeps } from '../service-deps.ts';

/** An answer of the API: its HTTP status and body. */
export interface Answer {
  status: number;
  body: unknown;
}

/** How long a first answer is given again to repeats. */
export const ANSWERS_KEPT_MS = 24 * 60 * 60 * 1000;
/** A first request unanswered for this long is taken for abandoned (its process died): a repeat is answered afresh. */
const ABANDONED_MS = 5 * 60 * 1000;
/** How long a repeat waits for the first request's answer, and how often it looks. */
const WAIT_MS = 30_000;
const LOOK_EVERY_MS = 50;

const KEY = /^[\x21-\x7e]{1,255}$/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Answers a request made with an `Idempotency-Key` once (DESIGN.md section 11): the first request with the key does
 * the work and its answer is kept; every repeat, from any replica, gets that answer again and changes nothing. The
 * database decides which request is the first. A key used again for another request is refused. An answer of 5xx
 * (the bot's own failure) is not kept: a repeat tries again.
 */
export async function answerOnce(deps: ServiceDeps, tokenId: number, key: string, fingerprint: string, work: () => Promise<Answer>): Promise<Answer & { replayed: boolean }> {
  if (!KEY.test(key)) throw new InvalidInputError('Idempotency-Key must be 1 to 255 visible ASCII characters, e.g. a UUID.').about('Idempotency-Key');
  const store = deps.store.idempotency;
  for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; ) {
    const now = deps.clock.now();
    if (await store.claim(tokenId, key, fingerprint, now, new Date(now.getTime() - ABANDONED_MS))) {
      const answer = await work().catch(async (error: unknown) => {
        await store.release(tokenId, key);
        throw error;
      });
      if (answer.status >= 500) await store.release(tokenId, key);
      else await store.keep(tokenId, key, answer.status, answer.body);
      return { ...answer, replayed: false };
    }
    const kept = await store.get(tokenId, key);
    if (kept && kept.fingerprint !== fingerprint) {
      throw new InvalidInputError('This Idempotency-Key was used for another request (another method, path or body): use a new key for each request.').about('Idempotency-Key');
    }
    if (kept?.status != null) return { status: kept.status, body: kept.body, replayed: true };
    await sleep(LOOK_EVERY_MS);
  }
  throw new InvalidStateError('The first request with this Idempotency-Key is still being answered: repeat it in a moment to get its answer.');
}

/** Forgets the answers kept longer than a day. */
export const forgetOldAnswers = (deps: ServiceDeps) => deps.store.idempotency.prune(new Date(deps.clock.now().getTime() - ANSWERS_KEPT_MS));
