// Per-participant budgets on the socket: every event spends from the signaling budget, chat-like events also from the chat one.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../core/config.ts';
import type { ClientEvent } from './protocol.ts';

export type SocketRateLimitConfig = Pick<
  Config,
  'RATE_LIMITS' | 'RATE_LIMIT_SOCKET_WINDOW_SECONDS' | 'RATE_LIMIT_SOCKET_CHAT' | 'RATE_LIMIT_SOCKET_SIGNALING'
>;

export interface SocketRateLimits {
  /** Spends one point for the event; when the participant is over a budget, how long until a point is back. */
  consume(participantId: string, event: ClientEvent): Promise<true | { retryAfterMs: number }>;
}

const chatEvents: ReadonlySet<ClientEvent> = new Set(['chat-message', 'reaction', 'ask-question', 'create-poll']);

/**
 * Keyed by participant rather than socket id, so reconnecting does not refill the budget. Memory is
 * enough: a participant's socket lives on one process at a time.
 */
export function createSocketRateLimits(config: SocketRateLimitConfig): SocketRateLimits {
  if (config.RATE_LIMITS === 'off') return { consume: async () => true };
  const duration = config.RATE_LIMIT_SOCKET_WINDOW_SECONDS;
  const signaling = new RateLimiterMemory({ keyPrefix: 'signaling', points: config.RATE_LIMIT_SOCKET_SIGNALING, duration });
  const chat = new RateLimiterMemory({ keyPrefix: 'chat', points: config.RATE_LIMIT_SOCKET_CHAT, duration });
  return {
    async consume(participantId, event) {
      try {
        await signaling.consume(participantId);
        if (chatEvents.has(event)) await chat.consume(participantId);
        return true;
      } catch (err) {
        if (err instanceof RateLimiterRes) return { retryAfterMs: Math.max(1, Math.ceil(err.msBeforeNext)) };
        throw err;
      }
    },
  };
}
