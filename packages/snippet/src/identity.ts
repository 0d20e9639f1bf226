/** What every call that names the user carries: the id and its hash, or neither. */
export interface IdentityFields {
  externalId?: string;
  userHash?: string;
}

/**
 * Who the page says the visitor is, with the proof its backend computed
 * (`userHash = HMAC-SHA256(identitySecret, externalId)`). Kept in memory only: without a
 * `reset` command a stored id would outlive a logout on a shared computer, so sites call
 * identify on every page where the user is known. Without a valid hash the server keeps the
 * browser's calls anonymous (or refuses the subscription).
 *
 * @example const who = createIdentity(); who.set('user-42', { userHash }); who.get()
 */
export function createIdentity() {
  let fields: IdentityFields = {};
  return {
    /** `undefined` forgets the user (`beckon('reset')`). */
    set(id: unknown, options?: { userHash?: unknown }) {
      // A new id never inherits the previous one's hash.
      fields = id == null ? {} : { externalId: String(id) };
      if (options && options.userHash) fields.userHash = String(options.userHash);
    },
    get: (): IdentityFields => fields,
  };
}
