import { describe, expect, it } from 'vitest';
import { ButtonBoard, type ButtonPlace, visibleTo } from '../../src/workspace/buttons.ts';
import type { ButtonRef } from '../../src/workspace/render.ts';

// The console's numbered buttons: numbers as they are shown, retired when their message or view is shown again.

const approve = (dr: string): ButtonRef => ({ label: 'Approve', actionId: 'request_approve', value: dr.replace('DR-', '') });
const reject = (dr: string): ButtonRef => ({ label: 'Reject', actionId: 'request_reject', value: dr.replace('DR-', '') });
const deploy = (dr: string): ButtonRef => ({ label: 'Deploy', actionId: 'request_deploy', value: dr.replace('DR-', '') });

const card = (ts: string, channel = 'C0STAGING'): ButtonPlace => ({ kind: 'message', channel, ts, message: { text: `card ${ts}` } });
const ephemeral = (user: string, channel = 'C0DEVELOPMENT'): ButtonPlace => ({ kind: 'ephemeral', channel, user });
const view = (viewId: string, user: string, viewType: 'modal' | 'home' = 'home'): ButtonPlace => ({ kind: 'view', viewId, viewType, user });

/** Shows buttons at a place, as the renderer does: numbering them in order; returns their numbers. */
function show(board: ButtonBoard, place: ButtonPlace, context: string, buttons: ButtonRef[]) {
  const number = board.numbering(place, context);
  return buttons.map(number);
}

describe('ButtonBoard', () => {
  it('numbers buttons 1, 2, 3… in the order they are shown, across messages, and remembers each with its place', () => {
    const board = new ButtonBoard();
    expect(show(board, card('1.1'), 'DR-1 waits', [approve('DR-1'), reject('DR-1')])).toEqual([1, 2]);
    expect(show(board, card('1.2'), 'DR-2 waits', [approve('DR-2'), reject('DR-2')])).toEqual([3, 4]);
    expect(board.get(3)).toEqual({ ...approve('DR-2'), number: 3, place: card('1.2'), context: 'DR-2 waits' });
    expect(board.get(5)).toBeUndefined();
  });

  it('retires the numbers of a message shown again (it was updated); its new buttons get new numbers; others stay', () => {
    const board = new ButtonBoard();
    show(board, card('1.1'), 'DR-1 waits', [approve('DR-1'), reject('DR-1')]);
    show(board, card('1.2'), 'DR-2 waits', [approve('DR-2')]);
    expect(show(board, card('1.1'), 'DR-1 approved', [deploy('DR-1'), reject('DR-1')])).toEqual([4, 5]);
    expect(board.get(1)).toBe('retired');
    expect(board.get(2)).toBe('retired');
    expect(board.get(3)).toMatchObject({ label: 'Approve', value: '2' });
    expect(board.get(4)).toMatchObject({ label: 'Deploy', context: 'DR-1 approved' });
    // The same ts in another channel is another message.
    show(board, card('1.1', 'C0PRODUCTION'), 'elsewhere', [approve('DR-9')]);
    expect(board.get(4)).toMatchObject({ label: 'Deploy' });
  });

  it('retires every number of a message shown again without buttons', () => {
    const board = new ButtonBoard();
    show(board, card('1.1'), 'DR-1 waits', [approve('DR-1')]);
    show(board, card('1.1'), 'DR-1 deployed', []);
    expect(board.get(1)).toBe('retired');
  });

  it('retires the buttons of a view (modal or App Home) published again', () => {
    const board = new ButtonBoard();
    show(board, view('V1', 'U0ALICE'), 'home', [{ label: 'Sync with Instance', actionId: 'instance_sync', value: 'dev-alice' }]);
    show(board, view('V1', 'U0ALICE'), 'home', [{ label: 'Sync with Instance', actionId: 'instance_sync', value: 'dev-alice' }]);
    expect(board.get(1)).toBe('retired');
    expect(board.get(2)).toMatchObject({ label: 'Sync with Instance' });
  });

  it('keeps the buttons of earlier ephemeral messages: each one is a message of its own', () => {
    const board = new ButtonBoard();
    show(board, ephemeral('U0CAROL'), 'queue: DR-1', [deploy('DR-1')]);
    show(board, ephemeral('U0CAROL'), 'queue: DR-1, DR-2', [deploy('DR-1'), deploy('DR-2')]);
    expect(board.get(1)).toMatchObject({ label: 'Deploy', value: '1' });
    expect(board.get(3)).toMatchObject({ label: 'Deploy', value: '2' });
  });

  it('finds the newest button with a label, case ignored, that the person can see', () => {
    const board = new ButtonBoard();
    show(board, card('1.1'), 'DR-1 waits', [approve('DR-1')]);
    show(board, card('1.2'), 'DR-2 waits', [approve('DR-2')]);
    show(board, ephemeral('U0CAROL'), 'only carol', [approve('DR-3')]);
    expect(board.find('approve', 'U0ALICE')?.number).toBe(2);
    expect(board.find('APPROVE', 'U0CAROL')?.number).toBe(3);
    expect(board.find('Deploy', 'U0ALICE')).toBeUndefined();
  });

  it('finds a button by what it is about: its message mentions the id, or its value is it', () => {
    const board = new ButtonBoard();
    show(board, card('1.1'), 'DR-1: @alice sends 2 changes', [approve('DR-1'), reject('DR-1')]);
    show(board, card('1.2'), 'DR-2: @bob sends 1 change', [approve('DR-2')]);
    expect(board.find('Approve', 'U0CAROL', 'DR-1')?.number).toBe(1);
    expect(board.find('Approve', 'U0CAROL', 'dr-2')?.number).toBe(3);
    expect(board.find('Reject', 'U0CAROL', 'DR-2')).toBeUndefined();
    expect(board.find('Approve', 'U0CAROL', 'DR-7')).toBeUndefined();
    show(board, card('1.3'), 'a card that names no id', [{ label: 'View Logs', actionId: 'view_logs', value: 'RUN-4' }]);
    expect(board.find('view logs', 'U0CAROL', 'RUN-4')?.number).toBe(4);
  });

  it('matches an id as a whole word: DR-1 is not DR-10', () => {
    const board = new ButtonBoard();
    show(board, card('1.1'), 'DR-1 to Staging: pending approval', [approve('DR-1')]);
    show(board, card('1.2'), 'DR-10 to Staging: pending approval', [approve('DR-10')]);
    expect(board.find('Approve', 'U0CAROL', 'DR-1')?.number).toBe(1);
    expect(board.find('Approve', 'U0CAROL', 'DR-10')?.number).toBe(2);
  });

  it('prefers the card about an id to a newer card that only mentions it', () => {
    const board = new ButtonBoard();
    show(board, card('1.1'), 'CR-1 Account regions: pending approval', [{ label: 'Reject', actionId: 'change_request_reject', value: '1' }]);
    show(board, card('1.2'), 'DR-1 to Production: pending approval (carries CR-1)', [reject('DR-1')]);
    expect(board.find('Reject', 'U0CAROL', 'CR-1')?.number).toBe(1);
    expect(board.find('Reject', 'U0CAROL', 'DR-1')?.number).toBe(2);
  });

  it('finds a button on a list by the block it sits in (queue:1 is DR-1), though the list names other requests first', () => {
    const board = new ButtonBoard();
    const list = ephemeral('U0CAROL');
    const number = board.numbering(list, 'Staging deployment queue: DR-2, DR-1');
    number({ ...approve('DR-2'), blockId: 'queue:2' });
    number({ ...approve('DR-1'), blockId: 'queue:1' });
    expect(board.find('Approve', 'U0CAROL', 'DR-1')?.blockId).toBe('queue:1');
    expect(board.find('Approve', 'U0CAROL', 'DR-2')?.blockId).toBe('queue:2');
  });

  it('does not find retired buttons', () => {
    const board = new ButtonBoard();
    show(board, card('1.1'), 'DR-1 waits', [approve('DR-1')]);
    show(board, card('1.1'), 'DR-1 approved', [deploy('DR-1')]);
    expect(board.find('Approve', 'U0CAROL', 'DR-1')).toBeUndefined();
    expect(board.find('Deploy', 'U0DAVE', 'DR-1')?.number).toBe(2);
  });
});

describe('visibleTo', () => {
  it('shows a channel message to everyone, a DM only to its person', () => {
    expect(visibleTo(card('1.1'), 'U0ALICE')).toBe(true);
    expect(visibleTo(card('1.1'), 'U0BOB')).toBe(true);
    expect(visibleTo(card('1.1', 'DU0ALICE'), 'U0ALICE')).toBe(true);
    expect(visibleTo(card('1.1', 'DU0ALICE'), 'U0BOB')).toBe(false);
  });

  it('shows an ephemeral message, a modal and an App Home only to their person', () => {
    expect(visibleTo(ephemeral('U0CAROL'), 'U0CAROL')).toBe(true);
    expect(visibleTo(ephemeral('U0CAROL'), 'U0DAVE')).toBe(false);
    expect(visibleTo(view('V1', 'U0ALICE', 'modal'), 'U0ALICE')).toBe(true);
    expect(visibleTo(view('V1', 'U0ALICE', 'modal'), 'U0BOB')).toBe(false);
    expect(visibleTo(view('V2', 'U0ALICE'), 'U0BOB')).toBe(false);
  });

  it('hides from find the buttons someone cannot see', () => {
    const board = new ButtonBoard();
    show(board, card('1.1', 'DU0ALICE'), 'DR-1 was approved', [{ label: 'View Logs', actionId: 'view_logs', value: 'RUN-1' }]);
    show(board, view('V1', 'U0ALICE'), 'home', [{ label: 'Send to Staging', actionId: 'instance_send', value: 'dev-alice' }]);
    expect(board.find('View Logs', 'U0BOB')).toBeUndefined();
    expect(board.find('Send to Staging', 'U0BOB')).toBeUndefined();
    expect(board.find('View Logs', 'U0ALICE')?.number).toBe(1);
    expect(board.find('Send to Staging', 'U0ALICE')?.number).toBe(2);
  });
});
