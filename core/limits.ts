// The limits of what people may write and send, in one place: the database's checks, the server's schemas, the socket caps and the UI's counters read them here.
/** A room's address: what `newSlug` makes, with room for longer ones made by hand. */
export const MIN_SLUG_LENGTH = 8;
export const MAX_SLUG_LENGTH = 64;
export const SLUG_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${MIN_SLUG_LENGTH},${MAX_SLUG_LENGTH}}$`);
/** A bearer token is 43 characters; anything far longer is refused before it is hashed. */
export const MAX_TOKEN_LENGTH = 200;
export const MAX_ROOM_TITLE_LENGTH = 200;
export const MAX_NAME_LENGTH = 100;
/** A scheduled room's description on its waiting page and in the calendar event. */
export const MAX_ROOM_DESCRIPTION_LENGTH = 2000;
/** IANA time zone names are at most about 30 characters (America/Argentina/ComodRivadavia). */
export const MAX_TIME_ZONE_LENGTH = 64;
/** The bounds of a room's `maxParticipants`, and what a room gets when its creator says nothing. */
export const MIN_ROOM_SIZE = 2;
export const MAX_ROOM_SIZE = 500;
export const DEFAULT_ROOM_SIZE = 50;
/** Eight characters: the shortest password people expect a service to accept; the UI offers a generated passphrase. */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;
export const MAX_CHAT_MESSAGE_LENGTH = 2000;
export const MAX_CLIENT_MESSAGE_ID_LENGTH = 100;
/** Chat history comes in pages of at most this many messages. */
export const MAX_MESSAGES_PAGE = 100;
export const DEFAULT_MESSAGES_PAGE = 50;
export const MAX_QUESTION_LENGTH = 1000;
export const MAX_ANSWER_LENGTH = 2000;
export const MAX_POLL_QUESTION_LENGTH = 300;
export const MAX_POLL_OPTION_LENGTH = 200;
export const MIN_POLL_OPTIONS = 2;
export const MAX_POLL_OPTIONS = 10;
/** Polls a room may hold, drafts included. */
export const MAX_POLLS_PER_ROOM = 50;
/** Attendees on the stage (invited or speaking) at once: each is one more feed every attendee receives. */
export const MAX_SPEAKERS_PER_ROOM = 3;
/** An attendee's received-quality report counts toward the session report at most once per this many ms. */
export const RECEIVED_QUALITY_SAMPLE_MS = 4000;
/** The key a browser keeps for itself, sent on join so that a ban can cover the browser as well as the address. */
export const MIN_BROWSER_KEY_LENGTH = 16;
export const MAX_BROWSER_KEY_LENGTH = 100;
export const MAX_WEBHOOK_URL_LENGTH = 2000;

/** A session description as browsers write it is 3–15 kB; four times the largest seen still fits. */
export const MAX_SDP_BYTES = 64 * 1024;
export const MAX_CANDIDATE_BYTES = 2 * 1024;

/**
 * The largest Socket.io message the protocol needs, which bounds engine.io's `maxHttpBufferSize` (1 MB by
 * default). The largest legitimate payload is an offer or answer carrying MAX_SDP_BYTES of SDP. JSON
 * escapes its line ends (`\r\n` becomes four characters); SDP lines are at least `x=y\r\n`, five bytes
 * that escape to seven, so the SDP grows by at most 7/5. The event name, target id, type and the packet
 * framing add well under 1 kB.
 */
export const MAX_SOCKET_MESSAGE_BYTES = Math.ceil((MAX_SDP_BYTES * 7) / 5) + 1024;

/** Events one socket may have waiting behind its earlier ones; more are refused with `busy` before any other work. */
export const MAX_QUEUED_EVENTS_PER_SOCKET = 64;

/**
 * Sockets one participant may hold at once on a process: a reload's new socket may arrive before the old one
 * is noticed gone, and a presenter may keep a second tab; beyond that a token is being shared or replayed.
 */
export const MAX_SOCKETS_PER_PARTICIPANT = 4;

/**
 * Wrong room passwords, counted per room across every address. The first PASSWORD_FREE_GUESSES wrong guesses
 * in PASSWORD_GUESS_WINDOW_SECONDS cost nothing (attendees mistype); each further one makes the next try wait
 * twice as long, from one second up to PASSWORD_MAX_DELAY_SECONDS. The cap keeps a guesser from locking
 * attendees out of a room for longer than a minute, while an eight-character password at one guess a
 * minute outlasts any session.
 */
export const PASSWORD_FREE_GUESSES = 10;
export const PASSWORD_GUESS_WINDOW_SECONDS = 15 * 60;
export const PASSWORD_MAX_DELAY_SECONDS = 60;

/** Seconds a room's password refuses every try after its `wrongGuesses`-th wrong guess in the window. */
export function passwordDelaySeconds(wrongGuesses: number): number {
  const over = wrongGuesses - PASSWORD_FREE_GUESSES;
  if (over <= 0) return 0;
  return Math.min(PASSWORD_MAX_DELAY_SECONDS, 2 ** Math.min(over - 1, 16));
}
