import { computed, signal } from '@preact/signals';
import { api, whenUnauthorized } from './api.ts';
import type { Role, SessionInfo } from './types.ts';

/** Who is signed in: `undefined` while the first check runs, `null` when nobody is. */
export const session = signal<SessionInfo | null | undefined>(undefined);

export const role = computed<Role | undefined>(() => session.value?.user.role);
/** Marketers and owners change things; viewers only read (the server enforces it too). */
export const canWrite = computed(() => role.value === 'owner' || role.value === 'marketer');
/** API keys, the team and secrets are the owner's. */
export const isOwner = computed(() => role.value === 'owner');

whenUnauthorized(() => {
  session.value = null;
});

export async function loadSession(): Promise<void> {
  try {
    session.value = await api.get<SessionInfo>('/v1/session');
  } catch {
    session.value = null;
  }
}

export async function signIn(email: string, password: string): Promise<void> {
  await api.post('/v1/session', { email, password });
  session.value = await api.get<SessionInfo>('/v1/session');
}

/** `everywhere`: every session of this person, on every device (`DELETE /v1/session?all=1`). */
export async function signOut(everywhere = false): Promise<void> {
  try {
    await api.delete(everywhere ? '/v1/session?all=1' : '/v1/session');
  } finally {
    session.value = null;
  }
}
