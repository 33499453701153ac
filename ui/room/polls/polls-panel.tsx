// Polls: the host prepares, launches and closes them and watches results live; attendees vote and may change their vote until the poll closes.
import { createSignal, For, Index, Show } from 'solid-js';
import type { PollBody } from '../../../core/polls.ts';
import { MAX_POLL_OPTION_LENGTH, MAX_POLL_OPTIONS, MAX_POLL_QUESTION_LENGTH, MIN_POLL_OPTIONS } from '../../../core/limits.ts';
import { useRoom } from '../room-context.tsx';
import { selfIsHost } from '../room-store.ts';
import { createPanelAction, PanelAlert, type PanelAct } from '../../components/panel-alert.tsx';

export function PollsPanel() {
  const room = useRoom();
  const isHost = () => selfIsHost(room.state, room.session.role);
  const { error, act } = createPanelAction();
  // Newest first: the poll that matters now is at the top.
  const polls = () => [...room.polls.state.polls].reverse();

  return (
    <>
      <div class="panel-scroll">
        <Show when={isHost()}>
          <PollForm act={act} />
        </Show>
        <Show when={polls().length > 0} fallback={<p class="empty">{isHost() ? 'Prepare a poll above; launch it when the moment comes.' : 'No poll yet.'}</p>}>
          <ol class="polls" aria-label="Polls" data-testid="polls">
            <For each={polls()}>{(poll) => <PollItem poll={poll} host={isHost()} act={act} />}</For>
          </ol>
        </Show>
      </div>
      <PanelAlert message={error()} />
    </>
  );
}

function PollForm(props: { act: PanelAct }) {
  const room = useRoom();
  const [question, setQuestion] = createSignal('');
  const [options, setOptions] = createSignal<string[]>(['', '']);
  const [multiple, setMultiple] = createSignal(false);
  const [live, setLive] = createSignal(false);
  const filled = () => options().map((o) => o.trim()).filter(Boolean);
  const ready = () => question().trim() !== '' && filled().length >= MIN_POLL_OPTIONS;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!ready()) return;
    await props.act(async () => {
      await room.polls.actions.create({ question: question().trim(), options: filled(), allowsMultiple: multiple(), resultsVisible: live() });
      setQuestion('');
      setOptions(['', '']);
    });
  };

  return (
    <form class="poll-form" onSubmit={submit} aria-label="New poll">
      <label class="field-label" for="poll-question">
        New poll
      </label>
      <input
        id="poll-question"
        class="input"
        maxLength={MAX_POLL_QUESTION_LENGTH}
        placeholder="Question"
        value={question()}
        onInput={(e) => setQuestion(e.currentTarget.value)}
      />
      <Index each={options()}>
        {(option, i) => (
          <input
            class="input"
            aria-label={`Option ${i + 1}`}
            data-testid="poll-option-input"
            maxLength={MAX_POLL_OPTION_LENGTH}
            placeholder={`Option ${i + 1}`}
            value={option()}
            onInput={(e) => setOptions((list) => list.map((o, j) => (j === i ? e.currentTarget.value : o)))}
          />
        )}
      </Index>
      <div class="poll-form-row">
        <Show when={options().length < MAX_POLL_OPTIONS}>
          <button class="button small ghost" type="button" onClick={() => setOptions((list) => [...list, ''])}>
            Add option
          </button>
        </Show>
        <label class="check">
          <input type="checkbox" checked={multiple()} onChange={(e) => setMultiple(e.currentTarget.checked)} /> Several choices
        </label>
        <label class="check">
          <input type="checkbox" checked={live()} onChange={(e) => setLive(e.currentTarget.checked)} /> Live results for everyone
        </label>
      </div>
      <button class="button primary small" type="submit" disabled={!ready()}>
        Save draft
      </button>
    </form>
  );
}

function PollItem(props: { poll: PollBody; host: boolean; act: PanelAct }) {
  const room = useRoom();
  const p = () => props.poll;
  const [picked, setPicked] = createSignal<number[] | null>(null);
  const chosen = () => picked() ?? p().myChoices ?? [];
  const toggle = (index: number) => {
    if (!p().allowsMultiple) return setPicked([index]);
    setPicked(chosen().includes(index) ? chosen().filter((c) => c !== index) : [...chosen(), index].sort((a, b) => a - b));
  };
  const canVote = () => !props.host && p().status === 'open';
  const total = () => p().results?.voters ?? 0;
  const percent = (votes: number) => (total() === 0 ? 0 : Math.round((votes / total()) * 100));
  const statusLabel = () => (p().status === 'draft' ? 'Draft' : p().status === 'open' ? 'Open' : 'Closed');

  return (
    <li class="poll" data-testid="poll" data-poll-id={p().id} data-status={p().status}>
      <div class="poll-head">
        <p class="poll-question">{p().question}</p>
        <span class="pill" classList={{ accent: p().status === 'open', success: p().status === 'closed' }}>
          {statusLabel()}
        </span>
      </div>
      {/* The choices are one group for a voter; the list stays a list (a role on the <ul> would orphan its items). */}
      <div role={canVote() ? 'group' : undefined} aria-label={canVote() ? `Choices for: ${p().question}` : undefined}>
      <ul class="poll-options">
        <For each={p().options}>
          {(option, i) => (
            <li class="poll-option">
              <Show when={canVote()} fallback={<span class="poll-option-label">{option}</span>}>
                <label class="poll-option-label">
                  <input
                    type={p().allowsMultiple ? 'checkbox' : 'radio'}
                    name={`poll-${p().id}`}
                    checked={chosen().includes(i())}
                    onChange={() => toggle(i())}
                  />{' '}
                  {option}
                </label>
              </Show>
              <Show when={p().results}>
                {(results) => (
                  <div class="poll-bar" role="img" aria-label={`${option}: ${results().counts[i()] ?? 0} votes`} data-testid="poll-count" data-count={results().counts[i()] ?? 0}>
                    <span class="poll-bar-fill" style={{ width: `${percent(results().counts[i()] ?? 0)}%` }} />
                    <span class="poll-bar-text">
                      {results().counts[i()] ?? 0} · {percent(results().counts[i()] ?? 0)}%
                    </span>
                  </div>
                )}
              </Show>
            </li>
          )}
        </For>
      </ul>
      </div>
      <Show when={p().results}>
        <p class="poll-meta" data-testid="poll-voters">
          {total()} {total() === 1 ? 'voter' : 'voters'}
        </p>
      </Show>
      <div class="question-actions">
        <Show when={canVote()}>
          <button
            class="button primary small"
            disabled={chosen().length === 0}
            onClick={() => props.act(async () => (await room.polls.actions.vote(p().id, chosen()), setPicked(null)))}
          >
            {p().myChoices ? 'Change vote' : 'Vote'}
          </button>
          <Show when={p().myChoices}>
            <span class="poll-meta">Your vote is in; you may change it until the poll closes.</span>
          </Show>
        </Show>
        <Show when={props.host && p().status === 'draft'}>
          <button class="button primary small" onClick={() => props.act(() => room.polls.actions.launch(p().id))}>
            Launch
          </button>
        </Show>
        <Show when={props.host && p().status === 'open'}>
          <button class="button small" onClick={() => props.act(() => room.polls.actions.close(p().id, true))}>
            Close and share results
          </button>
          <button class="button small ghost" onClick={() => props.act(() => room.polls.actions.close(p().id, false))}>
            Close
          </button>
        </Show>
      </div>
    </li>
  );
}
