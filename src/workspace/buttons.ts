import type { ButtonRef } from './render.ts';

/** Where a button is: a message in a channel (maybe shown to one person only), or a view (modal or Home tab). */
export type ButtonPlace =
  | { kind: 'message'; channel: string; ts: string; message: { text?: string; blocks?: object[] } }
  | { kind: 'ephemeral'; channel: string; user: string }
  | { kind: 'view'; viewId: string; viewType: 'modal' | 'home'; user: string };

export interface NumberedButton extends ButtonRef {
  number: number;
  place: ButtonPlace;
  /** The text around the button (its message or view), for finding it by what it is about, e.g. DR-3. */
  context: string;
}

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
  numbering(place: ButtonPlace, context: () => string): (button: ButtonRef) => number {
    if (place.kind !== 'ephemeral') this.retire(placeKey(place));
    return (button) => {
      const number = this.next++;
      this.live.set(number, { ...button, number, place, context: context() });
      return number;
    };
  }

  get(number: number): NumberedButton | 'retired' | undefined {
    return this.live.get(number) ?? (this.retired.has(number) ? 'retired' : undefined);
  }

  /** The newest button with this label (case ignored) that `user` can see, whose message or value mentions `about`. */
  find(label: string, user: string, about?: string): NumberedButton | undefined {
    const wanted = label.toLowerCase();
    const needle = about?.toLowerCase();
    return [...this.live.values()]
      .reverse()
      .find((b) => b.label.toLowerCase() === wanted && visibleTo(b.place, user) && (!needle || b.context.toLowerCase().includes(needle) || b.value?.toLowerCase() === needle));
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
