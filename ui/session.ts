// The tokens this browser holds, one per room, in localStorage so a reload rejoins as the same participant.
import type { ParticipantBody } from '../core/schemas.ts';

export interface RoomSession {
  token: string;
  participantId: string;
  role: ParticipantBody['role'];
  name: string;
  /** The link attendees use, as the server built it (it knows PUBLIC_URL). */
  joinUrl?: string;
  /** An attendee waiting outside the room (lobby, or not live yet): the page waits for admission first. */
  waiting?: boolean;
}

const key = (slug: string) => `podium:room:${slug}`;

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    // Storage can throw when the browser blocks it (private modes, sandboxed frames); the room then lasts one page.
    return undefined;
  }
}

export function loadSession(slug: string): RoomSession | undefined {
  const raw = storage()?.getItem(key(slug));
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<RoomSession>;
    if (typeof value.token !== 'string' || typeof value.participantId !== 'string') return undefined;
    if (value.role !== 'presenter' && value.role !== 'attendee') return undefined;
    return {
      token: value.token,
      participantId: value.participantId,
      role: value.role,
      name: value.name ?? '',
      ...(typeof value.joinUrl === 'string' ? { joinUrl: value.joinUrl } : {}),
      ...(value.waiting === true ? { waiting: true } : {}),
    };
  } catch {
    return undefined;
  }
}

export function saveSession(slug: string, session: RoomSession): void {
  storage()?.setItem(key(slug), JSON.stringify(session));
}

export function forgetSession(slug: string): void {
  storage()?.removeItem(key(slug));
}

const reportKey = (slug: string) => `podium:report:${slug}`;

/** The presenter's token, kept after the room ended so the session report stays readable in this browser. */
export function keepReportToken(slug: string, token: string): void {
  try {
    storage()?.setItem(reportKey(slug), token);
  } catch {
    // A full or blocked storage loses only the report link, never the room.
  }
}

export function loadReportToken(slug: string): string | undefined {
  return storage()?.getItem(reportKey(slug)) ?? loadSession(slug)?.token;
}

const nameKey = 'podium:name';

/** The name this browser last joined a room with, offered again on the next join form. */
export function rememberName(name: string): void {
  try {
    storage()?.setItem(nameKey, name);
  } catch {
    // A full or blocked storage only means typing the name again next time.
  }
}

export function rememberedName(): string {
  try {
    return storage()?.getItem(nameKey) ?? '';
  } catch {
    return '';
  }
}
