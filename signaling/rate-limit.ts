// Per-participant budgets on the socket: every event spends from the signaling budget, chat-like events also from
// the chat one, and the renegotiations an attendee makes the presenter start from a budget of their own.
import type { Config } from '../core/config.ts';
import { createLimiters, type Limiters } from '../core/rate-limiter.ts';
import type { ClientEvent } from './protocol.ts';

export type SocketRateLimitConfig = Pick<
  Config,
  | 'RATE_LIMITS'
  | 'RATE_LIMIT_SOCKET_WINDOW_SECONDS'
  | 'RATE_LIMIT_SOCKET_CHAT'
  | 'RATE_LIMIT_SOCKET_SIGNALING'
  | 'RATE_LIMIT_SOCKET_RENEGOTIATIONS'
>;

/** Who sends an event, as far as budgets care. */
export interface EventSender {
  participantId: string;
  role: 'presenter' | 'attendee';
}

export interface SocketRateLimits {
  /**
   * Spends for the event; when the participant is over a budget, how long until it is back. `payload` is
   * looked at before validation, only for its `target` and `action`, to choose the budget.
   */
  consume(sender: EventSender, event: ClientEvent, payload?: unknown): Promise<true | { retryAfterMs: number }>;
}

const chatEvents: ReadonlySet<ClientEvent> = new Set(['chat-message', 'reaction', 'ask-question', 'create-poll']);

/**
 * How far the presenter's events to all attendees together may go past one participant's budget. Each
 * attendee's share is one budget (below); this only bounds a presenter page that addresses made-up targets.
 */
const PRESENTER_BUDGET_FACTOR = 10;

/**
 * Keyed by participant rather than socket id, so reconnecting does not refill the budget; on the shared
 * store when several processes run, so a participant whose sockets reach two of them is counted once.
 *
 * The presenter answers every attendee, so one attendee that keeps asking for renegotiation (peer-ready on
 * each reload, offers with ICE restarts) could spend the presenter's budget and leave everyone else without
 * signaling. Two rules prevent it: what the presenter sends toward one attendee spends from a budget kept
 * for that attendee alone, and an attendee may start only RATE_LIMIT_SOCKET_RENEGOTIATIONS renegotiations
 * per window (further ones are refused and never reach the presenter).
 */
export function createSocketRateLimits(config: SocketRateLimitConfig, limiters: Limiters = createLimiters({ kind: 'memory' })): SocketRateLimits {
  if (config.RATE_LIMITS === 'off') return { consume: async () => true };
  const durationSeconds = config.RATE_LIMIT_SOCKET_WINDOW_SECONDS;
  const signaling = limiters.create({ name: 'socket-signaling', points: config.RATE_LIMIT_SOCKET_SIGNALING, durationSeconds });
  const presenterOverall = limiters.create({
    name: 'socket-presenter',
    points: config.RATE_LIMIT_SOCKET_SIGNALING * PRESENTER_BUDGET_FACTOR,
    durationSeconds,
  });
  const chat = limiters.create({ name: 'socket-chat', points: config.RATE_LIMIT_SOCKET_CHAT, durationSeconds });
  const renegotiations = limiters.create({ name: 'socket-renegotiations', points: config.RATE_LIMIT_SOCKET_RENEGOTIATIONS, durationSeconds });
  return {
    async consume({ participantId, role }, event, payload) {
      const target = targetOf(payload);
      const budgets =
        role === 'presenter' && target
          ? [{ limiter: signaling, key: `${participantId}>${target}` }, { limiter: presenterOverall, key: participantId }]
          : [{ limiter: signaling, key: participantId }];
      if (chatEvents.has(event)) budgets.push({ limiter: chat, key: participantId });
      if (role === 'attendee' && startsRenegotiation(event, payload)) budgets.push({ limiter: renegotiations, key: participantId });
      for (const { limiter, key } of budgets) {
        const answer = await limiter.consume(key);
        if (!answer.allowed) return { retryAfterMs: Math.max(1, Math.ceil(answer.resetMs)) };
      }
      return true;
    },
  };
}

/** The attendee a relayed event is for, lower-cased as the schema will; only strings shaped like an id count. */
function targetOf(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const target = (payload as { target?: unknown }).target;
  return typeof target === 'string' && target.length === 36 ? target.toLowerCase() : undefined;
}

/** What makes the presenter's page build a new offer for this attendee: a fresh peer (`peer-ready`) or an offer of its own. */
function startsRenegotiation(event: ClientEvent, payload: unknown): boolean {
  if (event === 'webrtc-offer') return true;
  return event === 'media-control' && typeof payload === 'object' && payload !== null && (payload as { action?: unknown }).action === 'peer-ready';
}
