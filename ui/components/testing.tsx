// Test helper: a room context over a real store, for rendering components without a socket.
import { render } from '@solidjs/testing-library';
import type { JSX } from 'solid-js';
import type { AckResult } from '../../signaling/protocol.ts';
import { RoomProvider } from '../room/room-context.tsx';
import type { RoomSessionValue } from '../room/room-session.ts';
import { createPollStore } from '../room/polls/poll-store.ts';
import { createRoomStore } from '../room/room-store.ts';
import { answering } from '../room/testing.ts';
import type { RoomSession } from '../session.ts';

export interface TestRoom {
  value: RoomSessionValue;
  sent: Array<{ event: string; payload: unknown }>;
}

/** Must run inside a reactive root (render does that). `answer` plays the server's side of each ack. */
export function makeTestRoom(role: RoomSession['role'], answer: (event: string, payload: unknown) => AckResult<object> = () => ({ ok: true })): TestRoom {
  const { transport, sent } = answering(answer);
  const store = createRoomStore('room-slug-1', transport);
  const value: RoomSessionValue = {
    ...store,
    session: { token: 't', participantId: role === 'presenter' ? 'p-1' : 'a-1', role, name: 'Tester' },
    support: { webrtc: true, secureOrigin: true, devices: true, screenShare: true, origin: 'https://podium.test' },
    presenter: () => null,
    attendee: () => null,
    polls: createPollStore(transport),
  };
  return { value, sent };
}

export function WithRoom(props: { room: TestRoom; children: JSX.Element }) {
  return <RoomProvider value={props.room.value}>{props.children}</RoomProvider>;
}

/** Renders `ui` inside a fresh test room (see `makeTestRoom`) and returns the room, to feed it events and read what was sent. */
export function renderInRoom(
  role: RoomSession['role'],
  ui: () => JSX.Element,
  answer?: (event: string, payload: unknown) => AckResult<object>,
): TestRoom {
  let room!: TestRoom;
  render(() => {
    room = makeTestRoom(role, answer);
    return <WithRoom room={room}>{ui()}</WithRoom>;
  });
  return room;
}
