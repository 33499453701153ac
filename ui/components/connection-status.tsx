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
    // A scheduled room's green room is not live until "Go live": the presenter's badge says so.
    if (room.session.role === 'presenter' && room.state.room && room.state.room.liveAt === null) return { tone: 'warn', text: 'Not live yet' };
    // The stage's own badge says LIVE; this one speaks of the connection only.
    if (room.session.role === 'presenter' || !room.support.webrtc) return { tone: 'good', text: 'Connected' };
    switch (room.state.link.state) {
      case 'connected': {
        if (room.state.link.videoPaused && room.state.link.videoPaused !== 'request') return { tone: 'warn', text: 'Weak connection' };
        // Connected is not the same as seeing something: say so until the video moves, and when it stops.
        const presenter = room.state.participants.find((p) => p.id === room.state.presenterId);
        const expectsVideo = !room.attendee()?.audioOnly() && (room.state.isScreenSharing || presenter?.isVideoOn !== false);
        if (expectsVideo && room.state.stageVideo === 'waiting') return { tone: 'warn', text: 'Waiting for the presenter’s video' };
        if (expectsVideo && room.state.stageVideo === 'stalled') return { tone: 'warn', text: 'Presenter reconnecting…' };
        return { tone: 'good', text: 'Connected' };
      }
      case 'reconnecting':
        return { tone: 'warn', text: 'Reconnecting…' };
      case 'failed':
        return { tone: 'bad', text: 'Video failed' };
      default:
        // The link starts over after it had carried video: the presenter's page reloaded or their network changed.
        return room.state.stageVideo === 'stalled' ? { tone: 'warn', text: 'Presenter reconnecting…' } : { tone: 'warn', text: 'Connecting video…' };
    }
  });
  return (
    <span class={`status ${view().tone}`} role="status" aria-label={`Connection: ${view().text}`} data-testid="connection-status">
      <Icon name="signal" size={14} />
      <span class="status-text">{view().text}</span>
    </span>
  );
}
