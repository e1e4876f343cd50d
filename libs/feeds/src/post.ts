import { DomainError, FeedsEventTypes, UpdatePostedEvent } from '@voltstream/contracts';
import { FeedsErrorCodes } from './feeds-errors';
import { checkText } from './plain-text';

export const POST_MAX_CODE_POINTS = 500;

export interface PostUpdate {
  type: 'PostUpdate';
  postId: string;
  userId: string;
  text: string;
  now: Date;
}

/**
 * 1..500 code points after trimming; newlines and tabs are the only control characters allowed.
 * Stored as given (trimmed): plain text that clients must render as text, never as HTML.
 */
export function normalisePostText(raw: string): string {
  const { text, errors } = checkText(raw, {
    path: 'text',
    max: POST_MAX_CODE_POINTS,
    multiline: true,
    code: FeedsErrorCodes.invalidPostText,
  });
  if (errors.length > 0) throw DomainError.fromFieldErrors(errors);
  return text;
}

export function decidePostUpdate(command: PostUpdate): UpdatePostedEvent {
  return {
    type: FeedsEventTypes.UpdatePosted,
    schemaVersion: 1,
    payload: {
      postId: command.postId,
      userId: command.userId,
      text: normalisePostText(command.text),
      postedAt: command.now.toISOString(),
    },
  };
}
