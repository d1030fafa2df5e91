import { describe, expect, it } from 'vitest';
import { approvedInStaging } from '../helpers/scenarios.ts';
import { shown, useTestBot } from '../helpers/slack-app.ts';
import { ALICE, DEPLOYER, as } from '../helpers/world.ts';

// `/sandbox metrics`: the figures privately, the chart (a PNG) uploaded into the user's direct messages through
// Slack's three upload steps, which the fake Slack checks as Slack does (the bytes announced must all arrive).

const t = useTestBot();

async function answer(user: string, text: string) {
  const { status, responseUrl } = await t.command(user, text);
  expect(status).toBe(200);
  await t.bot.settled();
  return (await t.answers(responseUrl)).map((a) => shown(a));
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('/sandbox metrics', () => {
  it('answers with the figures of each environment and shares a chart into the direct messages of who asked', async () => {
    await approvedInStaging(t);
    await t.bot.services.deploy(as(DEPLOYER), 1);
    const [said, ...more] = await answer(ALICE, 'metrics --days 7');
    expect(more).toEqual([]);
    expect(said).toContain(':bar_chart: *Delivery metrics*, last 7 days');
    expect(said).toMatch(/\*Staging\*[\s\S]*\*Deployments\*\n1[\s\S]*\*Change failure rate\*\n0%/);
    expect(said).toContain('*Production*');
    expect(said).toContain('The chart of deployments per week follows in your direct messages');

    const [file, ...others] = t.fake.files();
    expect(others).toEqual([]);
    expect(file!.bytes!.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(file!.bytes!.length).toBeGreaterThan(5000);
    expect(file).toMatchObject({ filename: 'delivery-7d.png', title: 'Deployments per week, last 7 days', channel: `D${ALICE}` });
    expect(file!.altText).toContain('Staging 1, Production 0');
    const shared = t.fake.dms(ALICE).find((m) => m.files?.some((f) => f.id === file!.id));
    expect(shared?.text).toBe(':bar_chart: Deployments per week, last 7 days');
  });

  it('names one environment, and refuses what it cannot read with its usage', async () => {
    const [one] = await answer(ALICE, 'metrics production');
    expect(one).toContain('*Production*');
    expect(one).not.toContain('*Staging*');
    expect((await answer(ALICE, 'metrics --days many'))[0]).toContain('`--days` takes a whole number of days');
    expect((await answer(ALICE, 'metrics --weeks 2'))[0]).toContain('`--weeks` is not an option of `/sandbox metrics`');
    expect((await answer(ALICE, 'metrics --days 0'))[0]).toContain('from 1 to 3650');
    expect((await answer(ALICE, 'metrics Nowhere'))[0]).toContain('Environment "Nowhere" was not found');
  });
});
