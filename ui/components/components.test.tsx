// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { createSignal, type JSX } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { QuestionBody } from '../../core/schemas.ts';
import { useRoom } from '../room/room-context.tsx';
import { AddressPrivacy, NoRelayWarning } from './address-privacy.tsx';
import { ChatPanel } from './chat-panel.tsx';
import { ConnectionDiagnosis } from './connection-diagnosis.tsx';
import { ConnectionStatus } from './connection-status.tsx';
import { LiveRegion } from './live-region.tsx';
import { ParticipantsPanel } from './participants-panel.tsx';
import { QaPanel } from './qa-panel.tsx';
import { TabPanel, Tabs } from './tabs.tsx';
import { toggleName } from './toggle-control.tsx';
import { ATTENDEE_ID, audienceState, makeQuestion, OTHER_ID, roomBody } from '../room/testing.ts';
import { renderInRoom, type TestRoom } from './testing.tsx';
import { ModerationPanel, TakeOverPresenting } from '../room/stage/moderation.tsx';
import { SpeakerTiles } from '../room/stage/stage-media.tsx';

afterEach(cleanup);

const ME = ATTENDEE_ID;
const OTHER = OTHER_ID;
const question = (id: string, text: string, patch: Partial<QuestionBody> = {}) => makeQuestion(id, { question: text, ...patch });

function joined(room: TestRoom, role: 'presenter' | 'attendee') {
  room.value.events.joined({
    self: { participantId: role === 'presenter' ? OTHER : ME, role, name: 'Tester' },
    room: roomBody,
    participants: [],
    presenterId: OTHER,
    isScreenSharing: false,
  });
}

describe('useRoom', () => {
  it('should throw outside a RoomProvider', () => {
    function Orphan() {
      useRoom();
      return null;
    }
    expect(() => render(() => <Orphan />)).toThrow(/RoomProvider/);
  });
});

describe('QaPanel', () => {
  it('should list questions pinned first, then by votes, and re-order when a vote arrives', async () => {
    const room = renderInRoom('attendee', () => <QaPanel />);
    joined(room, 'attendee');
    room.value.events.newQuestion(question('q1', 'First?'));
    room.value.events.newQuestion(question('q2', 'Second?', { votes: 2 }));
    room.value.events.newQuestion(question('q3', 'Pinned?', { isPinned: true }));
    const texts = () => screen.getAllByTestId('question-text').map((el) => el.textContent);
    expect(texts()).toEqual(['Pinned?', 'Second?', 'First?']);
    const firstRow = screen.getAllByTestId('question')[2];
    room.value.events.questionVoted('q1', 5);
    expect(texts()).toEqual(['Pinned?', 'First?', 'Second?']);
    // The row moved; it was not rebuilt.
    expect(screen.getAllByTestId('question')[1]).toBe(firstRow);
  });

  it('should upvote with an accessible toggle and send the vote', async () => {
    const room = renderInRoom('attendee', () => <QaPanel />, () => ({ ok: true, votes: 1 }));
    joined(room, 'attendee');
    room.value.events.newQuestion(question('q1', 'Recording?'));
    const button = screen.getByRole('button', { name: /^Upvote: Recording\?/ });
    expect(button.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(button);
    await waitFor(() => expect(button.getAttribute('aria-pressed')).toBe('true'));
    expect(button.textContent).toContain('1');
    expect(room.sent).toEqual([{ event: 'vote-question', payload: { questionId: 'q1', up: true } }]);
  });

  it('should show the server refusal and roll the vote back', async () => {
    const room = renderInRoom('attendee', () => <QaPanel />, () => ({ ok: false, error: { code: 'rate_limited', message: 'Slow down a little.' } }));
    joined(room, 'attendee');
    room.value.events.newQuestion(question('q1', 'Recording?', { votes: 3 }));
    fireEvent.click(screen.getByRole('button', { name: /^Upvote/ }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('Slow down a little.'));
    expect(screen.getByTestId('vote-count').textContent).toBe('3');
  });

  it('should give the presenter pin and answer controls but no ask box', async () => {
    const room = renderInRoom('presenter', () => <QaPanel />);
    joined(room, 'presenter');
    room.value.events.newQuestion(question('q1', 'Recording?'));
    expect(screen.queryByLabelText('Your question')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Pin question: Recording?' }));
    await waitFor(() => expect(screen.getByText('Pinned')).toBeTruthy());
    fireEvent.click(screen.getByRole('button', { name: 'Answer question: Recording?' }));
    fireEvent.input(screen.getByLabelText('Answer to: Recording?'), { target: { value: 'Yes, tomorrow.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Post' }));
    await waitFor(() => expect(screen.getByTestId('answer').textContent).toContain('Yes, tomorrow.'));
    expect(room.sent.map((s) => s.event)).toEqual(['pin-question', 'answer-question']);
  });

  it('should list open questions first by votes, answered ones after them, and mark one answered in one click', async () => {
    const room = renderInRoom('presenter', () => <QaPanel />);
    joined(room, 'presenter');
    room.value.events.newQuestion({ ...question('q1', 'Popular?'), votes: 5 });
    room.value.events.newQuestion({ ...question('q2', 'Quiet?'), votes: 1 });
    const texts = () => screen.getAllByTestId('question-text').map((el) => el.textContent);
    expect(texts()).toEqual(['Popular?', 'Quiet?']);
    fireEvent.click(screen.getByRole('button', { name: 'Mark answered: Popular?' }));
    await waitFor(() => expect(screen.getByTestId('answered-questions').textContent).toContain('Popular?'));
    expect(texts()).toEqual(['Quiet?', 'Popular?']);
    expect(screen.getByTestId('questions').textContent).not.toContain('Popular?');
    expect(room.sent).toEqual([{ event: 'answer-question', payload: { questionId: 'q1' } }]);
    expect(screen.queryByRole('button', { name: 'Mark answered: Popular?' })).toBeNull();
  });
});

describe('ChatPanel', () => {
  it('should send on Enter and show the stored message', async () => {
    const room = renderInRoom('attendee', () => <ChatPanel />, (_event, payload) => ({
      ok: true,
      message: {
        id: 'm1',
        participantId: ME,
        name: 'Tester',
        message: (payload as { message: string }).message,
        messageType: 'chat',
        clientMessageId: null,
        createdAt: '2026-01-01T10:00:00.000Z',
      },
    }));
    joined(room, 'attendee');
    const input = screen.getByLabelText('Message') as HTMLTextAreaElement;
    fireEvent.input(input, { target: { value: 'Hello there' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(screen.getAllByTestId('chat-message')).toHaveLength(1));
    expect(screen.getByTestId('chat-messages').textContent).toContain('Hello there');
    expect(input.value).toBe('');
  });

  it('should keep the draft and say why when sending fails', async () => {
    renderInRoom('attendee', () => <ChatPanel />, () => ({
      ok: false,
      error: { code: 'validation_error', message: 'message: Too big: expected string to have <=2000 characters' },
    }));
    const input = screen.getByLabelText('Message') as HTMLTextAreaElement;
    fireEvent.input(input, { target: { value: 'Too long, say' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send message' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('2000 characters'));
    expect(input.value).toBe('Too long, say');
  });
});

describe('moderated Q&A and chat controls', () => {
  const mountWith = (role: 'presenter' | 'attendee', panel: () => JSX.Element) => {
    const room = renderInRoom(role, panel);
    joined(room, role);
    return room;
  };

  it('should let a host highlight and dismiss a question, and show the highlight to attendees', async () => {
    const host = mountWith('presenter', () => <QaPanel />);
    host.value.events.newQuestion(question('q1', 'Now?'));
    const highlight = screen.getByRole('button', { name: 'Highlight as answering now: Now?' });
    fireEvent.click(highlight);
    await waitFor(() => expect(host.sent.map((s) => s.event)).toEqual(['highlight-question']));
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss question: Now?' }));
    await waitFor(() => expect(host.sent.map((s) => s.event)).toEqual(['highlight-question', 'dismiss-question']));
    await waitFor(() => expect(screen.queryAllByTestId('question')).toHaveLength(0));
    cleanup();

    const attendee = mountWith('attendee', () => <QaPanel />);
    attendee.value.events.newQuestion(question('q9', 'Later?'));
    expect(screen.queryByTestId('answering-now')).toBeNull();
    expect(screen.queryByRole('button', { name: /Dismiss/ })).toBeNull();
    attendee.value.events.questionHighlighted('q9');
    expect(screen.getByTestId('answering-now').textContent).toContain('Answering now');
  });

  it('should keep what was typed while a question or a message went out, and clear only what was sent', async () => {
    const room = renderInRoom('attendee', () => (
      <>
        <QaPanel />
        <ChatPanel />
      </>
    ), (event, payload) => {
      const text = (payload as { question?: string; message?: string }).question ?? (payload as { message: string }).message;
      return event === 'ask-question'
        ? { ok: true, question: question('q-sent', text) }
        : { ok: true, message: { id: 'm-sent', participantId: ME, name: 'Tester', message: text, messageType: 'chat', clientMessageId: null, createdAt: '2026-01-01T10:00:00.000Z' } };
    });
    joined(room, 'attendee');
    const asking = screen.getByLabelText('Your question') as HTMLTextAreaElement;
    fireEvent.input(asking, { target: { value: 'First question?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Ask' }));
    // The next question is typed before the first one's answer arrives.
    fireEvent.input(asking, { target: { value: 'Second question?' } });
    await waitFor(() => expect(room.sent.filter((s) => s.event === 'ask-question')).toHaveLength(1));
    await waitFor(() => expect(screen.getAllByTestId('question').length).toBe(1));
    expect(asking.value).toBe('Second question?');
    fireEvent.click(screen.getByRole('button', { name: 'Ask' }));
    await waitFor(() => expect(asking.value).toBe(''));

    const chatting = document.getElementById('chat-input') as HTMLTextAreaElement;
    fireEvent.input(chatting, { target: { value: 'hello' } });
    fireEvent.submit(chatting.closest('form')!);
    fireEvent.input(chatting, { target: { value: 'and one more' } });
    await waitFor(() => expect(room.sent.filter((s) => s.event === 'chat-message')).toHaveLength(1));
    await waitFor(() => expect(screen.getAllByTestId('chat-message').length).toBe(1));
    expect(chatting.value).toBe('and one more');
  });

  it('should ask anonymously when the attendee ticks the box', async () => {
    const room = mountWith('attendee', () => <QaPanel />);
    fireEvent.input(screen.getByLabelText('Your question'), { target: { value: 'Salary bands?' } });
    fireEvent.click(screen.getByLabelText(/Ask anonymously/));
    fireEvent.click(screen.getByRole('button', { name: 'Ask' }));
    await waitFor(() => expect(room.sent).toHaveLength(1));
    expect(room.sent[0]).toMatchObject({ event: 'ask-question', payload: { question: 'Salary bands?', anonymous: true } });
  });

  it('should give hosts "delete for everyone" on chat messages and tell attendees when chat is off', async () => {
    const message = { id: 'm1', participantId: ME, name: 'Grace', message: 'spam', messageType: 'chat' as const, clientMessageId: null, createdAt: '2026-01-01T10:00:00.000Z' };
    const host = mountWith('presenter', () => <ChatPanel />);
    host.value.events.chatMessage(message);
    fireEvent.click(screen.getByRole('button', { name: 'Delete for everyone: spam' }));
    await waitFor(() => expect(host.sent).toEqual([{ event: 'delete-chat-message', payload: { messageId: 'm1' } }]));
    await waitFor(() => expect(screen.queryAllByTestId('chat-message')).toHaveLength(0));
    cleanup();

    const attendee = mountWith('attendee', () => <ChatPanel />);
    attendee.value.events.chatMessage(message);
    expect(screen.queryByRole('button', { name: /Delete for everyone/ })).toBeNull();
    expect(screen.queryByTestId('chat-off')).toBeNull();
    attendee.value.events.roomOptions({ isLocked: false, questionsNeedApproval: false, attendeeChat: false, attendeeMicrophones: false, lobby: false });
    expect(screen.getByTestId('chat-off').textContent).toContain('Q&A');
  });
});

describe('presenter handover controls', () => {
  const person = (id: string, name: string, patch: object = {}) => ({
    id,
    name,
    role: 'attendee' as const,
    isMuted: true,
    isVideoOn: false,
    joinedAt: '2026-01-01T10:00:00.000Z',
    ...audienceState,
    ...patch,
  });

  it('should let the presenter make a co-host the presenter after a confirmation', async () => {
    const room = renderInRoom('presenter', () => <ModerationPanel />);
    room.value.events.joined({
      self: { participantId: OTHER, role: 'presenter', name: 'Ada' },
      room: roomBody,
      participants: [person(OTHER, 'Ada', { role: 'presenter' }), person(ME, 'Grace', { isCoHost: true }), person('p-3', 'Linus')],
      presenterId: OTHER,
      isScreenSharing: false,
    });
    expect(screen.getAllByTestId('make-presenter')).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: 'Make Grace the presenter' }));
    expect(room.sent).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Make presenter' }));
    await waitFor(() => expect(room.sent).toEqual([{ event: 'hand-over-presenter', payload: { participantId: ME } }]));
  });

  it('should offer a co-host the takeover only while the presenter is away', async () => {
    const room = renderInRoom('attendee', () => <TakeOverPresenting />);
    room.value.events.joined({
      self: { participantId: ME, role: 'attendee', name: 'Grace' },
      room: roomBody,
      participants: [person(OTHER, 'Ada', { role: 'presenter' }), person(ME, 'Grace', { isCoHost: true })],
      presenterId: OTHER,
      isScreenSharing: false,
    });
    room.value.events.connection('live');
    expect(screen.queryByTestId('take-over')).toBeNull();
    room.value.events.participantLeft(OTHER);
    fireEvent.click(await screen.findByRole('button', { name: 'Take over presenting' }));
    await waitFor(() => expect(room.sent).toEqual([{ event: 'take-over-presenting', payload: {} }]));
  });
});

describe('LiveRegion', () => {
  it('should be a polite status region carrying the latest announcement', () => {
    const [message, setMessage] = createSignal('');
    render(() => <LiveRegion message={message()} />);
    const region = screen.getByRole('status');
    expect(region.getAttribute('aria-live')).toBe('polite');
    setMessage('Grace says: hi');
    expect(region.textContent).toBe('Grace says: hi');
  });
});

describe('ConnectionStatus', () => {
  it('should follow the room connection and the attendee media link', () => {
    const room = renderInRoom('attendee', () => <ConnectionStatus />);
    const status = () => screen.getByTestId('connection-status').textContent;
    expect(status()).toBe('Connecting…');
    joined(room, 'attendee');
    expect(status()).toBe('Connecting video…');
    room.value.events.link({ state: 'connected' });
    // Connected is not seeing: the badge waits for moving pictures, and says when they stop.
    expect(status()).toBe('Waiting for the presenter’s video');
    room.value.events.stageVideo('playing');
    expect(status()).toBe('Connected');
    room.value.events.stageVideo('stalled');
    expect(status()).toBe('Presenter reconnecting…');
    room.value.events.link({ state: 'connecting' });
    expect(status()).toBe('Presenter reconnecting…');
    room.value.events.link({ state: 'connected' });
    room.value.events.stageVideo('playing');
    room.value.events.link({ videoPaused: 'bandwidth' });
    expect(status()).toBe('Weak connection');
    room.value.events.connection('reconnecting');
    expect(status()).toBe('Reconnecting…');
  });

  it('should tell the presenter in the green room that the room is not live yet, and Connected after Go live (the stage says LIVE)', () => {
    const room = renderInRoom('presenter', () => <ConnectionStatus />);
    const status = () => screen.getByTestId('connection-status').textContent;
    room.value.events.joined({
      self: { participantId: OTHER, role: 'presenter', name: 'Tester' },
      room: { ...roomBody, startsAt: '2026-01-01T11:00:00.000Z', liveAt: null },
      participants: [],
      presenterId: OTHER,
      isScreenSharing: false,
    });
    expect(status()).toBe('Not live yet');
    expect(screen.getByTestId('connection-status').getAttribute('aria-label')).toBe('Connection: Not live yet');
    room.value.events.roomLive('2026-01-01T11:00:00.000Z');
    expect(status()).toBe('Connected');
  });
});

describe('Tabs', () => {
  it('should move between tabs with the arrow keys and show one panel', () => {
    const [selected, setSelected] = createSignal<'chat' | 'qa'>('chat');
    render(() => (
      <>
        <Tabs
          id="t"
          label="Panels"
          selected={selected()}
          onSelect={setSelected}
          items={[
            { key: 'chat', label: 'Chat', count: 2 },
            { key: 'qa', label: 'Q&A' },
          ]}
        />
        <TabPanel id="t" tab="chat" selected={selected() === 'chat'}>
          <p>chat body</p>
        </TabPanel>
        <TabPanel id="t" tab="qa" selected={selected() === 'qa'}>
          <p>qa body</p>
        </TabPanel>
      </>
    ));
    const chat = screen.getByRole('tab', { name: /Chat/ });
    expect(chat.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(chat, { key: 'ArrowRight' });
    const qa = screen.getByRole('tab', { name: 'Q&A' });
    expect(qa.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(qa);
    expect(screen.getByRole('tabpanel').textContent).toBe('qa body');
    fireEvent.keyDown(qa, { key: 'Home' });
    expect(selected()).toBe('chat');
  });
});

describe('ParticipantsPanel', () => {
  it("should show the presenter each attendee's link state, round-trip time and bitrate", () => {
    const room = renderInRoom('presenter', () => <ParticipantsPanel />);
    joined(room, 'presenter');
    const attendee = { id: ME, name: 'Grace Hopper', role: 'attendee' as const, isMuted: true, isVideoOn: false, joinedAt: '2026-01-01T10:00:00.000Z', ...audienceState };
    room.value.events.participantJoined(attendee);
    const state = () => screen.getByTestId('peer-state');
    expect(state().textContent).toContain('Waiting');
    room.value.events.peer(ME, { state: 'connected', rttMs: 14, outgoingKbps: 1800, videoPaused: null, path: 'direct', unreachable: false });
    expect(state().dataset.state).toBe('connected');
    expect(state().dataset.path).toBe('direct');
    expect(state().textContent).toContain('Direct');
    expect(state().textContent).toContain('14 ms · 1800 kbit/s');
    room.value.events.peer(ME, { state: 'connected', rttMs: 30, outgoingKbps: 90, videoPaused: 'bandwidth', path: 'relay', unreachable: false });
    expect(state().dataset.path).toBe('relay');
    expect(state().textContent).toContain('Relay');
    expect(state().textContent).toContain('Video paused (weak link)');
    room.value.events.peer(ME, { state: 'connecting', rttMs: null, outgoingKbps: null, videoPaused: null, path: null, unreachable: true });
    expect(state().textContent).toContain('No network path');
    room.value.events.peer(ME, { state: 'failed', rttMs: null, outgoingKbps: null, videoPaused: null, path: null, unreachable: true });
    expect(screen.getByRole('button', { name: 'Reconnect Grace Hopper' })).toBeTruthy();
    room.value.events.participantUpdated({ ...attendee, isMuted: false });
    expect(screen.getByRole('img', { name: 'Microphone on' })).toBeTruthy();
  });
});

describe('Address privacy and connection diagnosis', () => {
  const network = (relay: boolean, hideAddresses: boolean) =>
    ({ iceTransportPolicy: hideAddresses ? 'relay' : 'all', relay, hideAddresses, hideLanAddresses: false }) as const;

  it('should tell the presenter whether the room hides addresses, and warn when it has no relay', () => {
    const room = renderInRoom('presenter', () => (
      <>
        <AddressPrivacy />
        <NoRelayWarning />
      </>
    ));
    joined(room, 'presenter');
    expect(screen.getByTestId('address-privacy').textContent).toBe('Addresses visible to peers');
    room.value.events.network(network(true, true));
    expect(screen.getByTestId('address-privacy').textContent).toBe('Addresses hidden');
    expect(screen.queryByTestId('no-relay')).toBeNull();
    room.value.events.network(network(false, true));
    expect(screen.getByRole('alert').textContent).toContain('this server has none');
    room.value.events.network(network(false, false));
    expect(screen.queryByTestId('no-relay')).toBeNull();
  });

  it('should tell an attendee without a path what to try, mentioning the relay the room has or lacks', () => {
    const room = renderInRoom('attendee', () => <ConnectionDiagnosis />);
    joined(room, 'attendee');
    room.value.events.network(network(false, false));
    const text = () => screen.getByTestId('connection-diagnosis').textContent ?? '';
    expect(text()).toContain('Try another network');
    expect(text()).toContain('this room has no relay server');
    room.value.events.network(network(true, false));
    expect(text()).toContain('not even through the room’s relay');
  });
});

describe('toggleName', () => {
  it('should start a control’s accessible name with its visible words unless the action already says them', () => {
    expect(toggleName('Mic', 'Turn microphone off')).toBe('Mic: Turn microphone off');
    expect(toggleName('Mic on', 'Turn your microphone off')).toBe('Mic on: Turn your microphone off');
    expect(toggleName('Camera', 'Turn camera off')).toBe('Turn camera off');
    expect(toggleName('Share screen', 'Share screen with attendees')).toBe('Share screen with attendees');
    expect(toggleName('Stop sharing', 'Stop sharing your screen')).toBe('Stop sharing your screen');
  });
});

describe('SpeakerTiles', () => {
  const speaker = (id: string, name: string) => ({
    id,
    name,
    role: 'attendee' as const,
    isMuted: false,
    isVideoOn: true,
    joinedAt: new Date().toISOString(),
    ...audienceState,
    stage: 'speaker' as const,
  });

  it('should show each speaker’s initial instead of a frozen picture while the page is on audio only, its own preview excepted', () => {
    const [audioOnly, setAudioOnly] = createSignal(false);
    render(() => (
      <SpeakerTiles
        speakers={[speaker(OTHER, 'Sam'), speaker(ME, 'Tester')]}
        media={() => ({ audio: null, video: null })}
        selfId={ME}
        ownCamera={null}
        via="sfu"
        audioOnly={audioOnly()}
      />
    ));
    const videoOf = (id: string) => document.querySelector(`[data-participant="${id}"] [data-testid=speaker-video]`);
    expect(videoOf(OTHER)).not.toBeNull();
    setAudioOnly(true);
    expect(videoOf(OTHER)).toBeNull();
    expect(document.querySelector(`[data-participant="${OTHER}"] .speaker-tile-off`)?.textContent).toBe('S');
    // The speaker's own preview is local: it stays.
    expect(videoOf(ME)).not.toBeNull();
    setAudioOnly(false);
    expect(videoOf(OTHER)).not.toBeNull();
  });
});
