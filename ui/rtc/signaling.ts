// What the rtc layer needs from signaling, as an interface: the socket wiring lives outside ui/rtc.
import type { MediaControlAction, StageFeed } from '../../signaling/protocol.ts';

export type PauseReason = 'bandwidth' | 'loss' | 'request';

export interface PeerReport {
  peerId: string;
  outcome: 'connected' | 'failed';
  timeToConnectMs?: number;
  iceRestarts?: number;
}

export interface PeerSignaling {
  description(target: string, description: RTCSessionDescriptionInit): void;
  candidate(target: string, candidate: RTCIceCandidateInit | null): void;
  control(target: string, action: MediaControlAction, reason?: PauseReason): void;
  /** Presenter to attendee: which forwarded stream carries which speaker. */
  stageFeeds(target: string, feeds: StageFeed[]): void;
  report(report: PeerReport): void;
}

/** The DTLS fingerprint of an SDP: a new one means the other side started a new RTCPeerConnection (a reload). */
export function sdpFingerprint(sdp: string | undefined | null): string | null {
  const match = sdp ? /^a=fingerprint:(.+)$/m.exec(sdp) : null;
  return match ? match[1]!.trim() : null;
}

/** What an SFU subscriber reports about its link; the server picks its layer from it. */
export interface SfuStatsReport {
  lossPct: number;
  rttMs: number;
  availableKbps: number | null;
  /** What arrived since the last report, kbit/s (null in the first). */
  receivedKbps: number | null;
  decodeFps: number;
}

/** The SFU events over the room socket; each resolves with the server's answer or rejects with its error message. */
export interface SfuSignaling {
  publish(sdp: string): Promise<string>;
  subscribe(feed: number): Promise<string>;
  answer(sdp: string): Promise<void>;
  candidate(candidate: RTCIceCandidateInit | null): void;
  stats(report: SfuStatsReport): void;
  upgrade(reason: 'uplink' | 'encoder'): void;
  /** The same events for this page's subscription to a speaker's feed, which lives beside the presenter's. */
  forSpeaker(participantId: string): SfuSignaling;
  /** The same events for this attendee's own publication while on stage. */
  asSpeaker(): SfuSignaling;
}
