// Typed client for Podium's REST API over fetch; every failure becomes an ApiRequestError with the server's code.
// Idempotent requests (and POSTs sent with an Idempotency-Key) retry through ui/lib/retry.ts while the server or
// the network is briefly away; `requestsRetrying` tells the page to say "Reconnecting…" meanwhile.
import type { ErrorCode } from '../api/errors.ts';
import type { IceConfigBody as IceConfig } from '../api/ice-servers.ts';
import type {
  CreateRoomRequest as CreateRoomInput,
  CreatedRoomBody as CreatedRoom,
  JoinedRoomBody as JoinedRoom,
  RoomDetailsBody as RoomDetails,
} from '../api/rooms.ts';
import type { PollBody } from '../core/polls.ts';
import type { ReportBody } from '../core/report.ts';
import type { ChatMessageBody, QuestionBody, SessionStatsBody } from '../core/schemas.ts';
import { DEFAULT_MESSAGES_PAGE } from '../core/limits.ts';
import { describeIssues, issuesFromDetails } from './lib/error-wording.ts';
import { fetchWithRetry } from './lib/retry.ts';
import { randomId } from './random-id.ts';

export class ApiRequestError extends Error {
  override name = 'ApiRequestError';
  constructor(
    readonly status: number,
    /** The server's error code, or `network_error` when no answer arrived. */
    readonly code: ErrorCode | 'network_error',
    message: string,
    /** For `validation_error`: the server's `{ path, message }` per refused field. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

// The room routes' shapes, inferred from the zod schemas the server validates with.
export type { CreateRoomInput, CreatedRoom, RoomDetails, JoinedRoom, IceConfig };


let retrying = 0;
const retryListeners = new Set<(count: number) => void>();
const setRetrying = (delta: number) => {
  retrying += delta;
  for (const listener of retryListeners) listener(retrying);
};

/** Calls `listener` with the number of requests waiting to be sent again (0 when none); returns the unsubscribe. */
export function requestsRetrying(listener: (count: number) => void): () => void {
  retryListeners.add(listener);
  listener(retrying);
  return () => retryListeners.delete(listener);
}

async function request<T>(method: string, path: string, options: { body?: unknown; token?: string; idempotent?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  // One key for every attempt of this call: the server answers a repeat with the first answer.
  if (options.idempotent) headers['Idempotency-Key'] = randomId();
  let response: Response;
  let waiting = false;
  try {
    response = await fetchWithRetry(
      path,
      { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) },
      {
        onRetry: () => {
          if (!waiting) setRetrying(+1);
          waiting = true;
        },
        onSettled: () => {
          if (waiting) setRetrying(-1);
          waiting = false;
        },
      },
    );
  } catch {
    throw new ApiRequestError(0, 'network_error', 'Podium could not be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: ErrorCode; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiRequestError(response.status, error?.code ?? 'internal_error', error?.message ?? `Request failed (${response.status})`, error?.details);
  }
  return parsed as T;
}

const room = (slug: string) => `/api/rooms/${encodeURIComponent(slug)}`;

export const api = {
  createRoom: (input: CreateRoomInput) => request<CreatedRoom>('POST', '/api/rooms', { body: input, idempotent: true }),
  getRoom: (slug: string) => request<RoomDetails>('GET', room(slug)),
  joinRoom: (slug: string, input: { name: string; password?: string }) =>
    request<JoinedRoom>('POST', `${room(slug)}/join`, { body: input, idempotent: true }),
  endRoom: (slug: string, token: string) =>
    request<{ success: true; sessionStats: SessionStatsBody }>('DELETE', room(slug), { token }),
  /** Newest first; `beforeId` pages back from that message. */
  messages: (slug: string, token: string, options: { limit?: number; beforeId?: string } = {}) =>
    request<{ messages: ChatMessageBody[]; hasMore: boolean }>(
      'GET',
      `${room(slug)}/messages?limit=${options.limit ?? DEFAULT_MESSAGES_PAGE}${options.beforeId ? `&beforeId=${encodeURIComponent(options.beforeId)}` : ''}`,
      { token },
    ),
  questions: (slug: string, token: string) => request<{ questions: QuestionBody[] }>('GET', `${room(slug)}/questions`, { token }),
  iceServers: (slug: string, token: string) => request<IceConfig>('GET', `${room(slug)}/ice-servers`, { token }),
  polls: (slug: string, token: string) => request<{ polls: PollBody[] }>('GET', `${room(slug)}/polls`, { token }),
  report: (slug: string, token: string) => request<ReportBody>('GET', `${room(slug)}/report`, { token }),
  reportCsv: async (slug: string, token: string) => {
    const res = await fetch(`${room(slug)}/report.csv`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new ApiRequestError(res.status, 'not_found', 'The report is not available');
    return res.blob();
  },
};

/** Words a person can act on, for the error codes a page shows. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiRequestError)) return 'Something went wrong. Please try again.';
  switch (error.code) {
    case 'invalid_password':
      return 'That password is not right. Check it with the presenter and try again.';
    case 'room_full':
      return 'This room is full. Ask the presenter to raise the limit, or try again later.';
    case 'room_ended':
      return 'This session has already ended.';
    case 'room_not_found':
    case 'not_found':
      return 'There is no room at this link. Check the link you were given.';
    case 'rate_limited':
      return 'Too many attempts in a short time. Wait a moment and try again.';
    case 'validation_error':
      return describeIssues(issuesFromDetails(error.details));
    default:
      return error.message;
  }
}
