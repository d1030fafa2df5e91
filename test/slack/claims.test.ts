import { describe, expect, it } from 'vitest';
import { sentToProduction } from '../helpers/scenarios.ts';
import { buttonLabels, useTestBot } from '../helpers/slack-app.ts';
import { BOB, CAROL } from '../helpers/world.ts';

// "Assign to me" on an approval card: the card shows who holds the request and since when; others may still vote.

const t = useTestBot();

const held = (text: string) => text.includes(`held by <@${BOB}> since <!date^`);

describe('Assign to me', () => {
  it('shows on the card who holds the request, lets others still vote, refuses a second claim privately, and is released', async () => {
    await sentToProduction(t);
    const card = await t.cardWhen('C0PROD', 'DR-1');
    expect(buttonLabels(card)).toEqual(['Approve', 'Reject', 'Assign to me', 'View changes']);

    const { responseUrl } = await t.click(BOB, 'request_claim', '1', { channelId: 'C0PROD', messageTs: card.ts });
    const answer = await t.fake.waitFor(() => t.fake.responses.find((r) => responseUrl.endsWith(r.name)));
    expect(answer.text).toContain('You hold DR-1 now');
    const claimed = await t.cardWhen('C0PROD', 'DR-1', (m) => held(JSON.stringify(m.blocks)));
    expect(claimed.ts).toBe(card.ts);
    expect(buttonLabels(claimed)).toEqual(['Approve', 'Reject', 'Release', 'View changes']);

    const second = await t.click(CAROL, 'request_claim', '1', { channelId: 'C0PROD', messageTs: card.ts });
    const refusal = await t.fake.waitFor(() => t.fake.responses.find((r) => second.responseUrl.endsWith(r.name)));
    expect(refusal.text).toContain(`DR-1 is held by <@${BOB}>`);
    await t.click(CAROL, 'request_approve', '1', { channelId: 'C0PROD', messageTs: card.ts });
    await t.cardWhen('C0PROD', 'DR-1', (m) => JSON.stringify(m.blocks).includes('1 of 2') && held(JSON.stringify(m.blocks)));

    await t.click(BOB, 'request_unclaim', '1', { channelId: 'C0PROD', messageTs: card.ts });
    const released = await t.cardWhen('C0PROD', 'DR-1', (m) => buttonLabels(m).includes('Assign to me'));
    expect(held(JSON.stringify(released.blocks))).toBe(false);
  });
});
