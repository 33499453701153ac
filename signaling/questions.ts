// Q&A over the socket: the room core decides who may ask, vote, answer and pin, as it does for REST.
import type { EventHandlers, HandlerDeps } from './context.ts';
import { actorOf } from './guards.ts';

type QuestionEvent = 'ask-question' | 'vote-question' | 'answer-question' | 'pin-question';

export function createQuestionHandlers({ core }: HandlerDeps): EventHandlers<QuestionEvent> {
  return {
    async 'ask-question'(socket, input, ack) {
      ack({ ok: true, question: await core.ask(actorOf(socket), input) });
    },

    async 'vote-question'(socket, input, ack) {
      ack({ ok: true, votes: await core.vote(actorOf(socket), input) });
    },

    async 'answer-question'(socket, input, ack) {
      await core.answer(actorOf(socket), input);
      ack({ ok: true });
    },

    async 'pin-question'(socket, input, ack) {
      await core.pin(actorOf(socket), input);
      ack({ ok: true });
    },
  };
}
