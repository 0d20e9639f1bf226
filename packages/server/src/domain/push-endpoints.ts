/**
 * Which subscription endpoints we will ever POST to. A subscription endpoint is a URL that
 * a stranger hands us, so sending to any URL would be a server-side request forgery hole:
 * only the public push services' hosts are allowed, plus origins the operator names in
 * `BECKON_PUSH_ORIGINS_ALLOW` (tests use it for a local push service).
 */
const KNOWN_PUSH_HOSTS: ReadonlyArray<RegExp> = [
  /^fcm\.googleapis\.com$/, // Chrome, Edge (Chromium), Opera, Samsung
  /^android\.googleapis\.com$/,
  /^updates\.push\.services\.mozilla\.com$/, // Firefox
  /^push\.services\.mozilla\.com$/,
  /^(web\.push|[a-z0-9-]+\.push)\.apple\.com$/, // Safari
  /^[a-z0-9-]+\.notify\.windows\.com$/, // Edge legacy / WNS
];

export function isAllowedPushEndpoint(endpoint: string, extraOrigins: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (extraOrigins.includes(url.origin)) return true;
  return (
    url.protocol === 'https:' &&
    url.port === '' &&
    KNOWN_PUSH_HOSTS.some((pattern) => pattern.test(url.hostname))
  );
}
