/**
 * Used when a site names no `vapidSubject`. RFC 8292 §2.1 wants a way to reach the sender; this
 * one reaches nobody, and Apple's push service refuses it, so a site using it gets a warning.
 */
export const DEFAULT_VAPID_SUBJECT = 'mailto:webpush@beckon.invalid';

/** Something about a site that works now but will hurt; shown on the site and by `init`. */
export interface SiteWarning {
  code: 'vapid-subject-placeholder';
  field: 'vapidSubject';
  message: string;
}

/** RFC 2606 / RFC 6761 names that can never reach anyone. */
const RESERVED_HOST = /(^|\.)(invalid|test|example|localhost|local)$|^example\.(com|net|org)$/i;

/**
 * Warnings about a VAPID subject (the JWT `sub`): the placeholder default, or an address on a
 * reserved domain. Apple's push service answers such a JWT with 403 `BadJwtToken`, so every
 * Safari subscriber would fail.
 *
 * @example vapidSubjectWarnings('mailto:webpush@beckon.invalid') // one warning
 */
export function vapidSubjectWarnings(subject: string): SiteWarning[] {
  const host = subjectHost(subject);
  if (subject !== DEFAULT_VAPID_SUBJECT && (host === undefined || !RESERVED_HOST.test(host))) {
    return [];
  }
  return [
    {
      code: 'vapid-subject-placeholder',
      field: 'vapidSubject',
      message:
        `vapidSubject ${subject} is not a real contact: Apple's push service refuses it ` +
        "(403 BadJwtToken), so Safari subscribers get nothing. Set a mailto: address or https: URL you own (init --subject, or PATCH the site's vapidSubject).",
    },
  ];
}

function subjectHost(subject: string): string | undefined {
  if (subject.startsWith('mailto:'))
    return subject.slice(subject.lastIndexOf('@') + 1) || undefined;
  try {
    return new URL(subject).hostname;
  } catch {
    return undefined;
  }
}
