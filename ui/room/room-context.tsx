// The room provider: one session per room page, reached by components through useRoom().
import { createContext, useContext, type ParentProps } from 'solid-js';
import type { RoomSession } from '../session.ts';
import { createRoomSession, type RoomSessionValue } from './room-session.ts';

const RoomContext = createContext<RoomSessionValue>();

export function RoomProvider(props: ParentProps<{ slug: string; session: RoomSession } | { value: RoomSessionValue }>) {
  const value = 'value' in props ? props.value : createRoomSession(props.slug, props.session);
  return <RoomContext.Provider value={value}>{props.children}</RoomContext.Provider>;
}

export function useRoom(): RoomSessionValue {
  const room = useContext(RoomContext);
  if (!room) throw new Error('useRoom() must be used inside a <RoomProvider>');
  return room;
}
