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
