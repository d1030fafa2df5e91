import type { ButtonRef } from './render.ts';

/** Where a button is: a message in a channel (maybe shown to one person only), or a view (modal or Home tab). */
export type ButtonPlace =
  | { kind: 'message'; channel: string; ts: string; message: { text?: string; blocks?: object[] } }
  | { kind: 'ephemeral'; channel: string; user: string }
  | { kind: 'view'; viewId: string; viewType: 'modal' | 'home'; user: string };

export interface NumberedButton extends ButtonRef {
  number: number;
  place: ButtonPlace;
  /** The text of the button's message (its fallback text), for finding it by what it is about, e.g. DR-3. */
  context: string;
}

/** The bot's blocks of buttons about one thing are named `<kind>:<number>`, e.g. `request:3`, `queue:3`, `run:45`. */
const BLOCKS_ABOUT: Record<string, string[]> = { DR: ['request', 'queue', 'recent'], CR: ['change_request'], RUN: ['run', 'logs'] };

const placeKey = (p: ButtonPlace) => (p.kind === 'message' ? `m:${p.channel}:${p.ts}` : p.kind === 'view' ? `v:${p.viewId}` : `e:${p.channel}:${p.user}`);

/**
 * The buttons on screen, numbered as they are shown. Showing a message or view again (it was updated) retires the
 * numbers of its earlier buttons: pressing one of those says the message has changed, as Slack would have redrawn it.
 */
export class ButtonBoard {
  private next = 1;
  private readonly live = new Map<number, NumberedButton>();
  private readonly retired = new Set<number>();

  /** Forgets the buttons shown before at `place`, and returns a numbering function for the ones about to be shown. */
  numbering(place: ButtonPlace, context: string): (button: ButtonRef) => number {
    if (place.kind !== 'ephemeral') this.retire(placeKey(place));
    return (button) => {
      const number = this.next++;
      this.live.set(number, { ...button, number, place, context });
      return number;
    };
  }

  get(number: number): NumberedButton | 'retired' | undefined {
    return this.live.get(number) ?? (this.retired.has(number) ? 'retired' : undefined);
  }

  /**
   * The newest button with this label (case ignored) that `user` can see; with `about` (an id such as DR-3), the one
   * whose value is that id, else one in the bot's block about it (a card or a line of a list), else one on the message
   * about it (whose text starts with it), else one whose message mentions it as a whole word (DR-1 is not DR-10).
   */
  find(label: string, user: string, about?: string): NumberedButton | undefined {
    const wanted = label.toLowerCase();
    const candidates = [...this.live.values()].reverse().filter((b) => b.label.toLowerCase() === wanted && visibleTo(b.place, user));
    if (!about) return candidates[0];
    const id = about.replace(/[^\w-]/g, '');
    const leads = new RegExp(`^${id}(?!\\d)`, 'i');
    const mentions = new RegExp(`(?<![\\w-])${id}(?!\\d)`, 'i');
    const [, kind = '', n] = /^(DR|CR|RUN)-(\d+)$/i.exec(id) ?? [];
    const blocks = (BLOCKS_ABOUT[kind.toUpperCase()] ?? []).map((prefix) => `${prefix}:${n}`);
    return (
      candidates.find((b) => b.value?.toLowerCase() === id.toLowerCase()) ??
      candidates.find((b) => b.blockId !== undefined && blocks.includes(b.blockId)) ??
      candidates.find((b) => leads.test(b.context)) ??
      candidates.find((b) => mentions.test(b.context))
    );
  }

  private retire(key: string) {
    for (const [number, button] of this.live) {
      if (placeKey(button.place) === key) {
        this.live.delete(number);
        this.retired.add(number);
      }
    }
  }
}

/** Channel messages are everyone's; a DM, an ephemeral message or a view is its person's. */
export const visibleTo = (place: ButtonPlace, user: string) => (place.kind === 'message' ? !place.channel.startsWith('D') || place.channel === `D${user}` : place.user === user);
