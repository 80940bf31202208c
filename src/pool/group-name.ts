/** Stream-group names: 1 to 32 of A-Z a-z 0-9 _ . - (used in socket ids and logs). */
const GROUP_NAME = /^[A-Za-z0-9_.-]{1,32}$/;

/** What a valid group name looks like, for error messages. */
export const GROUP_NAME_RULE = '1-32 of A-Z a-z 0-9 _ . -';

export function isGroupName(v: unknown): v is string {
  return typeof v === 'string' && GROUP_NAME.test(v);
}
