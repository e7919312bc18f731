/**
 * Expected failures a user should see. The code is stable (tests and adapters
 * match on it); the message is fit to show as is. Everything that is not a
 * UserError is a bug: logged with context, answered with a short apology.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly code: UserErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export type UserErrorCode =
  | 'empty_text'
  | 'text_too_long'
  | 'no_face'
  | 'image_too_large'
  | 'image_unreadable'
  | 'image_unsupported'
  | 'unsupported_media'
  | 'unknown_command'
  | 'bad_arguments'
  | 'not_found'
  | 'stale_button'
  | 'forbidden'
  | 'party_exists'
  | 'party_closed'
  | 'not_member'
  | 'consent_required'
  | 'busy'
  | 'cooldown'
  | 'unavailable'
  | 'model_missing'
  | 'data_missing';

export const isUserError = (error: unknown): error is UserError => error instanceof UserError;
