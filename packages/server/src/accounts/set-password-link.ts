/**
 * The one-time link a new or invited person opens to choose a password. The dashboard's
 * page at this path posts the token to `POST /v1/session/password`.
 *
 * @example setPasswordLink('https://push.example.com', token)
 * // 'https://push.example.com/dashboard/set-password?token=set_…'
 */
export function setPasswordLink(origin: string, token: string): string {
  return `${origin.replace(/\/+$/, '')}/dashboard/set-password?token=${encodeURIComponent(token)}`;
}
