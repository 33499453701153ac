// Validation refusals in words a person can act on: the server names the field and zod's issue ("name: Too small:
// expected string to have >=1 characters"); the page says "Enter your name." One table, read by every form and panel.
import {
  MAX_ANSWER_LENGTH,
  MAX_CHAT_MESSAGE_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_POLL_OPTION_LENGTH,
  MAX_POLL_OPTIONS,
  MAX_POLL_QUESTION_LENGTH,
  MAX_QUESTION_LENGTH,
  MAX_ROOM_DESCRIPTION_LENGTH,
  MAX_ROOM_SIZE,
  MAX_ROOM_TITLE_LENGTH,
  MIN_PASSWORD_LENGTH,
  MIN_POLL_OPTIONS,
  MIN_ROOM_SIZE,
} from '../../core/limits.ts';

/** What is wrong with a field, whatever the schema library called it. */
export type IssueKind = 'missing' | 'too_short' | 'too_long' | 'too_few' | 'too_many' | 'too_small' | 'too_big' | 'invalid';

/** One refused field as the server reports it: REST `details` entries, or a socket refusal's "path: message". */
export interface ValidationIssue {
  path: string;
  message: string;
}

type Wording = Partial<Record<IssueKind, string>> & { invalid: string };

const nameWording: Wording = {
  missing: 'Enter your name.',
  too_long: `Use a name of at most ${MAX_NAME_LENGTH} characters.`,
  invalid: 'Enter your name using letters, numbers or spaces.',
};

/** Each field a form or panel sends, by the last word of its path, and what to say for each kind of problem. */
export const FIELD_WORDING: Record<string, Wording> = {
  title: {
    missing: 'Enter a title for your presentation.',
    too_long: `Use a title of at most ${MAX_ROOM_TITLE_LENGTH} characters.`,
    invalid: 'Enter a title for your presentation.',
  },
  presenterName: nameWording,
  name: nameWording,
  password: {
    missing: 'Enter the room password.',
    too_short: `Use a password of at least ${MIN_PASSWORD_LENGTH} characters, or generate one.`,
    too_long: `Use a password of at most ${MAX_PASSWORD_LENGTH} characters.`,
    invalid: 'That password cannot be used. Try another one.',
  },
  maxParticipants: {
    missing: `Enter how many people may join, from ${MIN_ROOM_SIZE} to ${MAX_ROOM_SIZE}.`,
    too_small: `Allow at least ${MIN_ROOM_SIZE} participants: you and one attendee.`,
    too_big: `A room holds at most ${MAX_ROOM_SIZE} participants.`,
    invalid: `Enter a whole number of participants, from ${MIN_ROOM_SIZE} to ${MAX_ROOM_SIZE}.`,
  },
  description: {
    too_long: `Use a description of at most ${MAX_ROOM_DESCRIPTION_LENGTH} characters.`,
    invalid: 'Check the description: it could not be saved as written.',
  },
  startsAt: { invalid: 'Pick a start time within the next year.' },
  timeZone: { missing: 'Pick the time zone the start time is in.', invalid: 'Pick a time zone from the list.' },
  message: {
    missing: 'Write a message first.',
    too_long: `Messages can be at most ${MAX_CHAT_MESSAGE_LENGTH} characters. Shorten it or send it in parts.`,
    invalid: 'That message could not be sent as written.',
  },
  question: {
    missing: 'Write your question first.',
    too_long: `Questions can be at most ${MAX_QUESTION_LENGTH} characters (polls: ${MAX_POLL_QUESTION_LENGTH}).`,
    invalid: 'That question could not be sent as written.',
  },
  answer: {
    missing: 'Write an answer first.',
    too_long: `Answers can be at most ${MAX_ANSWER_LENGTH} characters.`,
    invalid: 'That answer could not be posted as written.',
  },
  options: {
    missing: 'Fill in every answer option, or remove the empty ones.',
    too_long: `Each answer option can be at most ${MAX_POLL_OPTION_LENGTH} characters.`,
    too_few: `A poll needs at least ${MIN_POLL_OPTIONS} answer options.`,
    too_many: `A poll can have at most ${MAX_POLL_OPTIONS} answer options.`,
    invalid: 'Check the answer options.',
  },
  optionIndexes: {
    too_few: 'Pick an answer before voting.',
    too_many: 'You picked more answers than this poll allows.',
    invalid: 'Pick one of the answers shown.',
  },
};

/** What is said for a field the table does not know, or a refusal that names no field. */
export const UNKNOWN_FIELD_WORDING = 'Some of what you entered could not be used. Check it and try again.';

/** The kind of problem, read from zod's default English messages (the server's wording, v4). */
export function issueKind(message: string): IssueKind {
  const m = /^(Too small|Too big): expected (string|number|array|int|bigint|set|file)\b.*?(>=|<=|>|<)\s*(\d+)/.exec(message);
  if (m) {
    const [, size, type, , limit] = m;
    if (type === 'string') return size === 'Too small' ? (Number(limit) <= 1 ? 'missing' : 'too_short') : 'too_long';
    if (type === 'array' || type === 'set') return size === 'Too small' ? 'too_few' : 'too_many';
    return size === 'Too small' ? 'too_small' : 'too_big';
  }
  if (/received (undefined|null)\b/.test(message) || /^Required\b/.test(message)) return 'missing';
  return 'invalid';
}

/** The field a path names: its last word, skipping list positions ("options.2" is an option). */
export function fieldOf(path: string): string {
  const words = path.split('.').filter((part) => part !== '' && !/^\d+$/.test(part));
  return words[words.length - 1] ?? '';
}

/** One sentence for one refused field. */
export function describeIssue(issue: ValidationIssue): string {
  const wording = FIELD_WORDING[fieldOf(issue.path)];
  if (!wording) return UNKNOWN_FIELD_WORDING;
  const kind = issueKind(issue.message);
  return wording[kind] ?? (kind === 'too_short' ? wording.missing : undefined) ?? wording.invalid;
}

/** Every refused field's sentence, each once, in the order the server listed them. */
export function describeIssues(issues: readonly ValidationIssue[]): string {
  const sentences = [...new Set(issues.map(describeIssue))];
  return sentences.length ? sentences.join(' ') : UNKNOWN_FIELD_WORDING;
}

/** A REST `details` value, if it is the list of `{ path, message }` the server sends. */
export function issuesFromDetails(details: unknown): ValidationIssue[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (d): d is ValidationIssue => typeof d === 'object' && d !== null && typeof d.path === 'string' && typeof d.message === 'string',
  );
}

/** A socket refusal's message, "path: issue" (or "payload: issue" when it names no field). */
export function issueFromSocketMessage(message: string): ValidationIssue {
  const colon = message.indexOf(': ');
  if (colon <= 0) return { path: '', message };
  return { path: message.slice(0, colon), message: message.slice(colon + 2) };
}
