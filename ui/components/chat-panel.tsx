// Live chat: the list follows new messages unless the reader scrolled up; Enter sends, Shift+Enter breaks a line.
// The store keeps the newest CHAT_WINDOW messages (more while reading back), so the list stays bounded.
import { createEffect, createSignal, For, on, Show } from 'solid-js';
import { useRoom } from '../room/room-context.tsx';
import { CHAT_KEPT_MAX, CHAT_WINDOW, selfIsHost } from '../room/room-store.ts';
import { Avatar } from './avatar.tsx';
import { Icon } from './icon.tsx';
import { createPanelAction, PanelAlert } from './panel-alert.tsx';
import { MAX_CHAT_MESSAGE_LENGTH } from '../../core/limits.ts';
import { linkify } from '../lib/linkify.ts';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function ChatPanel() {
  const room = useRoom();
  const [draft, setDraft] = createSignal('');
  const { error, act } = createPanelAction();
  const host = () => selfIsHost(room.state, room.session.role);
  /** "Q&A only": with chat off for attendees, only hosts write here. */
  const chatOff = () => room.state.room?.attendeeChat === false && !host();
  const [sending, setSending] = createSignal(false);
  const [loadingEarlier, setLoadingEarlier] = createSignal(false);
  let list!: HTMLDivElement;
  let stickToBottom = true;

  createEffect(
    on(
      () => room.state.messages.length,
      () => {
        if (stickToBottom) queueMicrotask(() => (list.scrollTop = list.scrollHeight));
      },
    ),
  );

  const send = async (event?: Event) => {
    event?.preventDefault();
    const text = draft().trim();
    if (!text || sending()) return;
    setSending(true);
    await act(async () => {
      await room.actions.sendChat(text);
      // What was typed while the message went out stays: only the text that was sent is cleared.
      if (draft().trim() === text) setDraft('');
      stickToBottom = true;
    }, 'Your message was not sent.');
    setSending(false);
  };

  const loadEarlier = async () => {
    setLoadingEarlier(true);
    // The reader is looking at the top; new pages go above without pulling the list down to the newest.
    stickToBottom = false;
    const fromBottom = list.scrollHeight - list.scrollTop;
    await act(async () => {
      await room.actions.loadEarlierMessages();
      queueMicrotask(() => (list.scrollTop = list.scrollHeight - fromBottom));
    }, 'Earlier messages could not be loaded.');
    setLoadingEarlier(false);
  };

  return (
    <>
      <div
        class="panel-scroll"
        // Scrollable with the keyboard too (a list of text has nothing else to focus).
        tabIndex={0}
        role="region"
        aria-label="Chat history"
        ref={list}
        onScroll={() => {
          stickToBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 40;
          // Back at the newest: what was loaded for reading back is let go, so the list stays bounded.
          if (stickToBottom && room.state.messages.length > CHAT_WINDOW) room.actions.followLatest();
        }}
      >
        <Show when={room.state.hasEarlierMessages}>
          <Show
            when={room.state.messages.length < CHAT_KEPT_MAX}
            fallback={<p class="empty">This page shows the newest {CHAT_KEPT_MAX} messages.</p>}
          >
            <button class="button small ghost load-earlier" type="button" onClick={() => void loadEarlier()} disabled={loadingEarlier()} data-testid="load-earlier">
              {loadingEarlier() ? 'Loading…' : 'Load earlier messages'}
            </button>
          </Show>
        </Show>
        <Show when={room.state.messages.length > 0} fallback={<p class="empty">No messages yet. Say hello 👋</p>}>
          <ul class="messages" aria-label="Chat messages" data-testid="chat-messages">
            <For each={room.state.messages}>
              {(message) => (
                <li class="message" classList={{ system: message.messageType === 'system' }} data-testid="chat-message">
                  <Avatar name={message.name} small />
                  <div class="message-body">
                    <div class="message-meta">
                      <strong>{message.name ?? 'Podium'}</strong>
                      <Show when={message.participantId !== null && message.participantId === room.state.presenterId}>
                        <span class="role-tag">Presenter</span>
                      </Show>
                      <time dateTime={message.createdAt}>{timeFormat.format(new Date(message.createdAt))}</time>
                    </div>
                    <p class="message-text">
                      <For each={linkify(message.message)}>
                        {(part) =>
                          part.href ? (
                            <a href={part.href} target="_blank" rel="noopener noreferrer nofollow">
                              {part.text}
                            </a>
                          ) : (
                            part.text
                          )
                        }
                      </For>
                    </p>
                  </div>
                  <Show when={host() && message.messageType === 'chat'}>
                    <button
                      class="button small ghost message-delete"
                      type="button"
                      onClick={() => void act(() => room.actions.deleteChatMessage(message.id))}
                      aria-label={`Delete for everyone: ${message.message}`}
                      data-testid="delete-message"
                    >
                      Delete
                    </button>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </div>
      <Show when={chatOff()}>
        <p class="muted chat-off" data-testid="chat-off">
          Chat is off for attendees in this session: ask in the Q&amp;A tab.
        </p>
      </Show>
      <form class="panel-footer" onSubmit={send} hidden={chatOff()}>
        <label class="visually-hidden" for="chat-input">
          Message
        </label>
        <textarea
          id="chat-input"
          class="input"
          rows="1"
          maxLength={MAX_CHAT_MESSAGE_LENGTH}
          placeholder="Write a message…"
          value={draft()}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) void send(e);
          }}
          disabled={room.state.connection === 'ended'}
        />
        <button class="button primary" type="submit" aria-label="Send message" disabled={!draft().trim() || sending()}>
          <Icon name="send" size={18} />
        </button>
      </form>
      <PanelAlert message={error()} />
    </>
  );
}
