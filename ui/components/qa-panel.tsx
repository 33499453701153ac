// Questions and answers: open ones first (pinned, then by votes), answered ones after them in their own list. Attendees
// ask and upvote; the presenter pins, marks answered in one click, and may type an answer.
import { createMemo, createSignal, For, Show } from 'solid-js';
import type { QuestionBody } from '../../core/schemas.ts';
import { useRoom } from '../room/room-context.tsx';
import { compareQuestions, selfIsHost } from '../room/room-store.ts';
import { Icon } from './icon.tsx';
import { createPanelAction, PanelAlert, type PanelAct } from './panel-alert.tsx';

import { MAX_ANSWER_LENGTH, MAX_QUESTION_LENGTH } from '../../core/limits.ts';

/** Questions rendered at once; "Show more" adds as many again. */
export const QA_WINDOW = 200;

export function QaPanel() {
  const room = useRoom();
  const isPresenter = () => room.session.role === 'presenter';
  const host = () => selfIsHost(room.state, room.session.role);
  const [draft, setDraft] = createSignal('');
  const [anonymous, setAnonymous] = createSignal(false);
  const ordered = createMemo(() => [...room.state.questions].sort(compareQuestions));
  const open = () => ordered().filter((q) => !q.isAnswered);
  const answered = () => ordered().filter((q) => q.isAnswered);
  // The list renders the first QA_WINDOW in order (the most asked-about); more on request, so the DOM stays bounded.
  const [shown, setShown] = createSignal(QA_WINDOW);

  const { error, act } = createPanelAction();

  const ask = async (event: Event) => {
    event.preventDefault();
    const text = draft().trim();
    if (!text) return;
    await act(async () => {
      await room.actions.ask(text, anonymous());
      // What was typed while the question went out stays: only the text that was sent is cleared.
      if (draft().trim() === text) setDraft('');
    });
  };

  return (
    <>
      <div class="panel-scroll">
        <Show
          when={ordered().length > 0}
          fallback={<p class="empty">{isPresenter() ? 'Questions from attendees appear here.' : 'No questions yet. Ask the first one.'}</p>}
        >
          <Show when={open().length > 0} fallback={<p class="empty">Every question has been answered.</p>}>
            <ol class="questions" aria-label="Open questions" data-testid="questions">
              <For each={open().slice(0, shown())}>{(question) => <QuestionItem question={question} presenter={isPresenter()} host={host()} act={act} />}</For>
            </ol>
          </Show>
          <Show when={answered().length > 0 && shown() > open().length}>
            <h3 class="questions-heading" id="answered-questions-title">
              Answered ({answered().length})
            </h3>
            <ol class="questions answered-questions" aria-labelledby="answered-questions-title" data-testid="answered-questions">
              <For each={answered().slice(0, shown() - open().length)}>{(question) => <QuestionItem question={question} presenter={isPresenter()} host={host()} act={act} />}</For>
            </ol>
          </Show>
          <Show when={ordered().length > shown()}>
            <button class="button small ghost load-earlier" type="button" onClick={() => setShown((n) => n + QA_WINDOW)} data-testid="show-more-questions">
              Show {Math.min(QA_WINDOW, ordered().length - shown())} more questions
            </button>
          </Show>
        </Show>
      </div>
      <PanelAlert message={error()} />
      <Show when={!isPresenter()}>
        <form class="panel-footer qa-ask" onSubmit={ask}>
          <label class="visually-hidden" for="question-input">
            Your question
          </label>
          <textarea
            id="question-input"
            class="input"
            rows="1"
            maxLength={MAX_QUESTION_LENGTH}
            placeholder="Ask a question…"
            value={draft()}
            onInput={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) void ask(e);
            }}
            disabled={room.state.connection === 'ended'}
          />
          <button class="button primary" type="submit" disabled={!draft().trim()}>
            Ask
          </button>
          <label class="ask-anonymously">
            <input type="checkbox" checked={anonymous()} onChange={(e) => setAnonymous(e.currentTarget.checked)} data-testid="ask-anonymously" />
            Ask anonymously (hosts still see your name)
          </label>
        </form>
      </Show>
    </>
  );
}

function QuestionItem(props: { question: QuestionBody; presenter: boolean; host: boolean; act: PanelAct }) {
  const room = useRoom();
  const [answering, setAnswering] = createSignal(false);
  const [answer, setAnswer] = createSignal('');
  const q = () => props.question;
  const highlighted = () => room.state.room?.highlightedQuestionId === q().id;
  const votesLabel = () => `${q().votes} ${q().votes === 1 ? 'vote' : 'votes'}`;

  let answerButton: HTMLButtonElement | undefined;
  /** The form closes; focus goes back to the question's Answer button instead of the top of the page. */
  const closeAnswer = () => {
    setAnswering(false);
    // An answered question moves to the "Answered" list when the room hears of it, which renders it anew: for a
    // moment after the answer, focus that falls to the page goes back to this question's button wherever it is now.
    const id = q().id;
    let ticks = 0;
    const refocus = () => {
      const button = document.querySelector<HTMLButtonElement>(`[data-question-id="${id}"] [data-testid=answer-question]`) ?? answerButton;
      if (document.activeElement === null || document.activeElement === document.body || ticks === 0) button?.focus();
      if (++ticks < 20) setTimeout(refocus, 50);
    };
    queueMicrotask(refocus);
  };
  const submitAnswer = async (event: Event) => {
    event.preventDefault();
    const text = answer().trim();
    if (!text) return;
    await props.act(async () => {
      await room.actions.answer(q().id, text);
      setAnswer('');
      closeAnswer();
    });
  };
  /** A vote re-sorts the list; the pressed button keeps the focus it had. */
  const vote = (button: HTMLButtonElement) =>
    props.act(() => room.actions.vote(q().id, !q().votedByMe)).then(() => {
      if (document.activeElement === document.body || document.activeElement === null) button.focus();
    });

  return (
    <li class="question" classList={{ pinned: q().isPinned, highlighted: highlighted() }} data-testid="question" data-question-id={q().id}>
      <Show
        when={!props.presenter}
        fallback={
          <div class="vote" aria-label={votesLabel()} role="img">
            <Icon name="up" size={16} />
            <span data-testid="vote-count">{q().votes}</span>
          </div>
        }
      >
        <button
          class="vote"
          aria-pressed={q().votedByMe}
          aria-label={`${q().votedByMe ? 'Remove your vote for' : 'Upvote'}: ${q().question} – ${votesLabel()}`}
          onClick={(e) => void vote(e.currentTarget)}
          disabled={room.state.connection === 'ended'}
        >
          <Icon name="up" size={16} />
          <span data-testid="vote-count">{q().votes}</span>
        </button>
      </Show>
      <div class="question-body">
        <p class="question-text" data-testid="question-text">
          {q().question}
        </p>
        <div class="question-meta">
          <span>{q().name ?? 'Anonymous'}</span>
          <Show when={q().isPinned}>
            <span class="pill accent">
              <Icon name="pin" size={11} /> Pinned
            </span>
          </Show>
          <Show when={highlighted()}>
            <span class="pill warning" data-testid="answering-now">
              Answering now
            </span>
          </Show>
          <Show when={q().isAnswered}>
            <span class="pill success">
              <Icon name="check" size={11} /> Answered
            </span>
          </Show>
        </div>
        <Show when={q().answer}>
          <div class="answer" data-testid="answer">
            <strong>Answer</strong>
            {q().answer}
          </div>
        </Show>
        <Show when={props.host}>
          <div class="question-actions">
            <button
              class="button small"
              aria-pressed={highlighted()}
              onClick={() => props.act(() => room.actions.highlightQuestion(highlighted() ? null : q().id))}
              aria-label={`${highlighted() ? 'Stop highlighting' : 'Highlight as answering now'}: ${q().question}`}
              data-testid="highlight-question"
            >
              {highlighted() ? 'Done answering' : 'Answering now'}
            </button>
            <button
              class="button small ghost"
              onClick={() => props.act(() => room.actions.dismissQuestion(q().id))}
              aria-label={`Dismiss question: ${q().question}`}
              data-testid="dismiss-question"
            >
              Dismiss
            </button>
            <button
              class="button small"
              aria-pressed={q().isPinned}
              onClick={() => props.act(() => room.actions.pin(q().id, !q().isPinned))}
              aria-label={`${q().isPinned ? 'Unpin' : 'Pin'} question: ${q().question}`}
            >
              <Icon name="pin" size={14} /> {q().isPinned ? 'Unpin' : 'Pin'}
            </button>
            <Show when={!q().isAnswered}>
              <button
                class="button small"
                onClick={() => props.act(() => room.actions.answer(q().id))}
                aria-label={`Mark answered: ${q().question}`}
                data-testid="mark-answered"
              >
                <Icon name="check" size={14} /> Mark answered
              </button>
            </Show>
            <Show when={!answering()}>
              <button class="button small" ref={answerButton} data-testid="answer-question" onClick={() => setAnswering(true)} aria-label={`${q().answer ? 'Edit answer to' : 'Answer'} question: ${q().question}`}>
                <Icon name="chat" size={14} /> {q().answer ? 'Edit answer' : 'Answer'}
              </button>
            </Show>
          </div>
          <Show when={answering()}>
            <form class="answer-form" onSubmit={submitAnswer}>
              <label class="visually-hidden" for={`answer-${q().id}`}>
                Answer to: {q().question}
              </label>
              <input
                id={`answer-${q().id}`}
                class="input"
                maxLength={MAX_ANSWER_LENGTH}
                placeholder="Type your answer"
                value={answer()}
                onInput={(e) => setAnswer(e.currentTarget.value)}
                ref={(el) => queueMicrotask(() => el.focus())}
              />
              <button class="button primary small" type="submit" disabled={!answer().trim()}>
                Post
              </button>
              <button class="button ghost small" type="button" onClick={closeAnswer}>
                Cancel
              </button>
            </form>
          </Show>
        </Show>
      </div>
    </li>
  );
}
