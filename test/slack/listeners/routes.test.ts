import { describe, expect, it } from 'vitest';
import { routes } from '../../../src/slack/listeners/routes.ts';

interface Click {
  id: string;
}

function table(heard: string[]) {
  const note = (name: string) => async (click: Click) => void heard.push(`${name}:${click.id}`);
  return routes<Click>({ approve: note('approve'), 'open.logs': note('logs') }, (click) => click.id);
}

describe('one listener per kind of request', () => {
  it('runs only the listener of the request’s id', async () => {
    const heard: string[] = [];
    const { listener } = table(heard);
    await listener({ id: 'open.logs' });
    await listener({ id: 'approve' });
    expect(heard).toEqual(['logs:open.logs', 'approve:approve']);
  });

  it('lets Bolt match exactly the ids of the table, dots included', () => {
    const { ids } = table([]);
    expect(['approve', 'open.logs'].filter((id) => ids.test(id))).toEqual(['approve', 'open.logs']);
    expect(['approved', 'reapprove', 'openxlogs', 'open', ''].filter((id) => ids.test(id))).toEqual([]);
  });

  it('does nothing for an id it does not know', async () => {
    const heard: string[] = [];
    await table(heard).listener({ id: 'revert' });
    expect(heard).toEqual([]);
  });
});
