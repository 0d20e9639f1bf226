import type { Account } from '../storage/accounts.ts';

/** Who makes a private request: an API key (acting as owner) or a signed-in person. */
export type Principal =
  | { kind: 'apiKey'; role: 'owner' }
  | { kind: 'session'; role: Account['role']; account: Account; token: string };
