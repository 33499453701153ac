// Types for the part of janode (plain JavaScript, no declarations of its own) that signaling/sfu.ts uses.
declare module 'janode' {
  import type { EventEmitter } from 'node:events';

  export interface JanodeConfig {
    address: { url: string; apisecret?: string } | Array<{ url: string; apisecret?: string }>;
    retry_time_secs?: number;
    max_retries?: number;
    is_admin?: boolean;
  }

  export interface JanodeConnection extends EventEmitter {
    create(keepAliveSeconds?: number): Promise<JanodeSession>;
    getInfo(): Promise<Record<string, unknown>>;
    close(): Promise<void>;
  }

  export interface JanodeSession extends EventEmitter {
    attach<H>(plugin: { id: string; Handle: new (...args: never[]) => H }): Promise<H>;
    destroy(): Promise<void>;
  }

  export interface JanodeHandle extends EventEmitter {
    trickle(candidate?: unknown): Promise<void>;
    trickleComplete(): Promise<void>;
    hangup(): Promise<void>;
    detach(): Promise<void>;
    /** A raw plugin request: the answer as Janus sent it (`plugindata.data` holds the plugin's reply). */
    message(body: Record<string, unknown>): Promise<{ plugindata?: { plugin?: string; data?: Record<string, unknown> } }>;
  }

  const Janode: {
    connect(config: JanodeConfig): Promise<JanodeConnection>;
    Logger: { setLevel(level: 'debug' | 'verb' | 'info' | 'warn' | 'error' | 'none'): string };
    EVENT: {
      CONNECTION_CLOSED: 'connection_closed';
      CONNECTION_ERROR: 'connection_error';
      SESSION_DESTROYED: 'session_destroyed';
      HANDLE_DETACHED: 'handle_detached';
      HANDLE_HANGUP: 'handle_hangup';
      HANDLE_WEBRTCUP: 'handle_webrtcup';
    };
  };
  export default Janode;
}

declare module 'janode/plugins/videoroom' {
  import type { JanodeHandle } from 'janode';

  export interface Jsep {
    type: 'offer' | 'answer';
    sdp: string;
  }

  export interface VideoRoomStream {
    type: 'audio' | 'video' | 'data';
    mid: string;
    feed_id?: number;
    send?: boolean;
  }

  export interface VideoRoomHandle extends JanodeHandle {
    create(params: {
      room?: number;
      description?: string;
      max_publishers?: number;
      secret?: string;
      admin_key?: string;
      bitrate?: number;
      fir_freq?: number;
      audiocodec?: string;
      videocodec?: string;
      is_private?: boolean;
      permanent?: boolean;
    }): Promise<{ room: number }>;
    destroy(params: { room: number; secret?: string; permanent?: boolean }): Promise<unknown>;
    exists(params: { room: number }): Promise<{ exists: boolean }>;
    joinConfigurePublisher(params: {
      room: number;
      display?: string;
      audio?: boolean;
      video?: boolean;
      descriptions?: Array<{ mid: string; description: string }>;
      jsep: Jsep;
    }): Promise<{ feed: number; jsep?: Jsep }>;
    configure(params: {
      streams?: Array<{ mid: string; send?: boolean; substream?: number; temporal?: number; spatial_layer?: number; temporal_layer?: number }>;
      descriptions?: Array<{ mid: string; description: string }>;
      jsep?: Jsep;
      keyframe?: boolean;
    }): Promise<{ jsep?: Jsep }>;
    joinSubscriber(params: {
      room: number;
      streams: Array<{ feed: number; mid?: string }>;
      autoupdate?: boolean;
      use_msid?: boolean;
    }): Promise<{ jsep?: Jsep; streams?: VideoRoomStream[] }>;
    start(params: { jsep: Jsep }): Promise<unknown>;
    unpublish(): Promise<unknown>;
    leave(): Promise<unknown>;
  }

  const VideoRoomPlugin: {
    id: string;
    Handle: new (...args: never[]) => VideoRoomHandle;
    EVENT: Record<string, string>;
  };
  export default VideoRoomPlugin;
}
