// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { PollBody } from '../../../core/polls.ts';
import { renderInRoom } from '../../components/testing.tsx';
import { ATTENDEE_ID, audienceState, OTHER_ID, roomBody } from '../testing.ts';
import { PollsPanel } from './polls-panel.tsx';

afterEach(cleanup);

const poll = (patch: Partial<PollBody> = {}): PollBody => ({
  id: '00000000-0000-4000-8000-0000000000aa',
  question: 'Which day?',
  options: ['Monday', 'Friday'],
  allowsMultiple: false,
  resultsVisible: false,
  resultsShared: false,
  status: 'open',
  createdAt: '2026-01-01T10:00:00.000Z',
  openedAt: '2026-01-01T10:01:00.000Z',
  closedAt: null,
  results: null,
  myChoices: null,
  ...patch,
});

function mount(role: 'presenter' | 'attendee', answer: (event: string, payload: unknown) => object) {
  return renderInRoom(role, () => <PollsPanel />, (event, payload) => ({ ok: true, ...answer(event, payload) }));
}

describe('PollsPanel', () => {
  it('should let the host prepare a poll with its options and launch it', async () => {
    const room = mount('presenter', (event, payload) =>
      event === 'create-poll' ? { poll: poll({ status: 'draft', ...(payload as object) }) } : { poll: poll({ results: { counts: [0, 0], voters: 0 } }) },
    );
    fireEvent.input(screen.getByPlaceholderText('Question'), { target: { value: 'Which day?' } });
    const [first, second] = screen.getAllByTestId('poll-option-input');
    fireEvent.input(first!, { target: { value: 'Monday' } });
    fireEvent.input(second!, { target: { value: 'Friday' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }));
    await waitFor(() => expect(screen.getByTestId('poll').dataset.status).toBe('draft'));
    expect(room.sent).toEqual([
      { event: 'create-poll', payload: { question: 'Which day?', options: ['Monday', 'Friday'], allowsMultiple: false, resultsVisible: false } },
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Launch' }));
    await waitFor(() => expect(screen.getByTestId('poll').dataset.status).toBe('open'));
    room.value.polls.events.results(poll().id, { counts: [3, 1], voters: 4 });
    await waitFor(() => expect(screen.getAllByTestId('poll-count').map((el) => el.dataset.count)).toEqual(['3', '1']));
  });

  it('should let an attendee vote once and change the vote, and show shared results at close', async () => {
    // A copy, as the wire makes one: the store may later reconcile what it holds in place.
    const room = mount('attendee', (_event, payload) => ({ poll: poll({ myChoices: [...(payload as { choices: number[] }).choices] }) }));
    room.value.polls.events.updated(poll());
    fireEvent.click(screen.getByLabelText('Friday'));
    fireEvent.click(screen.getByRole('button', { name: 'Vote' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Change vote' })).toBeTruthy());
    fireEvent.click(screen.getByLabelText('Monday'));
    fireEvent.click(screen.getByRole('button', { name: 'Change vote' }));
    await waitFor(() => expect(room.sent.length).toBe(2));
    expect(room.sent.map((s) => s.payload)).toEqual([
      { pollId: poll().id, choices: [1] },
      { pollId: poll().id, choices: [0] },
    ]);
    room.value.polls.events.updated(poll({ status: 'closed', resultsShared: true }));
    room.value.polls.events.results(poll().id, { counts: [5, 2], voters: 7 });
    await waitFor(() => expect(screen.getByTestId('poll-voters').textContent).toBe('7 voters'));
    expect(screen.queryByRole('button', { name: /vote/i })).toBeNull();
  });

  it('should give a co-host the host controls, and take them away with the role', async () => {
    const room = mount('attendee', () => ({ poll: poll({ status: 'draft' }) }));
    const me = { id: ATTENDEE_ID, name: 'Co', role: 'attendee' as const, isMuted: true, isVideoOn: false, joinedAt: '2026-01-01T10:00:00.000Z', ...audienceState, isCoHost: true };
    room.value.events.joined({ self: { participantId: ATTENDEE_ID, role: 'attendee', name: 'Co' }, room: roomBody, participants: [me], presenterId: OTHER_ID, isScreenSharing: false });
    room.value.polls.events.updated(poll({ status: 'draft' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Launch' })).toBeTruthy());
    expect(screen.getByPlaceholderText('Question')).toBeTruthy();
    room.value.events.participantUpdated({ ...me, isCoHost: false });
    await waitFor(() => expect(screen.queryByPlaceholderText('Question')).toBeNull());
    expect(screen.queryByRole('button', { name: 'Launch' })).toBeNull();
  });
});

