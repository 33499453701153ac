// The limits of what people may write, in one place: the server's schemas and the UI's counters read them here.
export const MAX_ROOM_TITLE_LENGTH = 200;
export const MAX_NAME_LENGTH = 100;
export const MIN_PASSWORD_LENGTH = 4;
export const MAX_PASSWORD_LENGTH = 128;
export const MAX_CHAT_MESSAGE_LENGTH = 2000;
export const MAX_CLIENT_MESSAGE_ID_LENGTH = 100;
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
/** The key a browser keeps for itself, sent on join so that a ban can cover the browser as well as the address. */
export const MIN_BROWSER_KEY_LENGTH = 16;
export const MAX_BROWSER_KEY_LENGTH = 100;
