// The room's polls as plain data: fed by poll-updated and poll-results, changed by the host's and voters' actions.
import { createStore, reconcile } from 'solid-js/store';
import type { PollBody, PollResultsBody } from '../../../core/polls.ts';
import type { AckResult, ClientToServerEvents } from '../../../signaling/protocol.ts';
import { RoomActionError, type RoomTransport } from '../room-store.ts';

type PollEvent = 'create-poll' | 'launch-poll' | 'vote-poll' | 'close-poll';

export interface PollState {
  polls: PollBody[];
}

export type PollStore = ReturnType<typeof createPollStore>;

export function createPollStore(transport: RoomTransport) {
  const [state, setState] = createStore<PollState>({ polls: [] });

  /** A poll update keeps what this page already knows that the update leaves out (results, own choices). */
  const upsert = (poll: PollBody) => {
    const index = state.polls.findIndex((p) => p.id === poll.id);
    if (index === -1) return setState('polls', state.polls.length, poll);
    const known = state.polls[index]!;
    setState('polls', index, reconcile({ ...poll, results: poll.results ?? known.results, myChoices: poll.myChoices ?? known.myChoices }));
  };

  async function send<E extends PollEvent>(event: E, payload: Parameters<ClientToServerEvents[E]>[0]): Promise<PollBody> {
    // Every poll event acks `{ poll }`; TypeScript cannot narrow the ack through the generic event name.
    const result = (await transport(event, payload)) as AckResult<{ poll: PollBody }>;
    if (!result.ok) throw new RoomActionError(result.error.code, result.error.message);
    upsert(result.poll);
    return result.poll;
  }

  return {
    state,
    events: {
      loaded(polls: PollBody[]) {
        for (const poll of polls) upsert(poll);
      },
      /** The polls as the participant may see them now (after a change of role): what it may no longer see goes. */
      replaced(polls: PollBody[]) {
        setState('polls', reconcile(polls, { key: 'id' }));
      },
      updated: upsert,
      results(pollId: string, results: PollResultsBody) {
        setState('polls', (p) => p.id === pollId, 'results', results);
      },
    },
    actions: {
      create: (input: { question: string; options: string[]; allowsMultiple: boolean; resultsVisible: boolean }) => send('create-poll', input),
      launch: (pollId: string) => send('launch-poll', { pollId }),
      vote: (pollId: string, choices: number[]) => send('vote-poll', { pollId, choices }),
      close: (pollId: string, shareResults: boolean) => send('close-poll', { pollId, shareResults }),
    },
  };
}
