// Polls over the socket: the poll core decides who may prepare, launch, vote and close, as it does for REST.
import type { EventHandlers, HandlerDeps } from './context.ts';
import { actorOf } from './guards.ts';

type PollEvent = 'create-poll' | 'launch-poll' | 'vote-poll' | 'close-poll';

export function createPollHandlers({ core }: HandlerDeps): EventHandlers<PollEvent> {
  return {
    async 'create-poll'(socket, input, ack) {
      ack({ ok: true, poll: await core.polls.create(actorOf(socket), input) });
    },
    async 'launch-poll'(socket, input, ack) {
      ack({ ok: true, poll: await core.polls.launch(actorOf(socket), input) });
    },
    async 'vote-poll'(socket, input, ack) {
      ack({ ok: true, poll: await core.polls.vote(actorOf(socket), input) });
    },
    async 'close-poll'(socket, input, ack) {
      ack({ ok: true, poll: await core.polls.close(actorOf(socket), input) });
    },
  };
}
