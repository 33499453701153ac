// A small badge for the room connection and, for attendees, the media link to the presenter.
import { createMemo } from 'solid-js';
import { useRoom } from '../room/room-context.tsx';
import { Icon } from './icon.tsx';

export function ConnectionStatus() {
  const room = useRoom();
  const view = createMemo((): { tone: 'good' | 'warn' | 'bad' | ''; text: string } => {
    const connection = room.state.connection;
    if (connection === 'connecting') return { tone: 'warn', text: 'Connecting…' };
    if (connection === 'reconnecting') return { tone: 'warn', text: 'Reconnecting…' };
    if (connection === 'ended') return { tone: '', text: 'Ended' };
    if (connection === 'unauthorized') return { tone: 'bad', text: 'Signed out' };
    if (room.session.role === 'presenter') {
      // A scheduled room's green room is not live until "Go live": the badge says so instead of "Live".
      return room.state.room && room.state.room.liveAt === null ? { tone: 'warn', text: 'Not live yet' } : { tone: 'good', text: 'Live' };
    }
    if (!room.support.webrtc) return { tone: 'good', text: 'Live' };
    switch (room.state.link.state) {
      case 'connected':
        return room.state.link.videoPaused && room.state.link.videoPaused !== 'request'
          ? { tone: 'warn', text: 'Weak connection' }
          : { tone: 'good', text: 'Connected' };
      case 'reconnecting':
        return { tone: 'warn', text: 'Reconnecting…' };
      case 'failed':
        return { tone: 'bad', text: 'Video failed' };
      default:
        return { tone: 'warn', text: 'Connecting video…' };
    }
  });
  return (
    <span class={`status ${view().tone}`} role="status" aria-label={`Connection: ${view().text}`} data-testid="connection-status">
      <Icon name="signal" size={14} />
      <span class="status-text">{view().text}</span>
    </span>
  );
}
