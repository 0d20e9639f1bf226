import type { Choices } from '../components/rule-builder.tsx';
import { api, type Page } from './api.ts';
import type { Audience, Organization } from './types.ts';

/** Sites, their categories and the audiences, for the selects of builders and filters. */
export async function loadChoices(exceptAudience?: string | null): Promise<Choices> {
  const [org, audiences] = await Promise.all([
    api.get<Organization>('/v1/organization'),
    api.get<Page<Audience>>('/v1/audiences?limit=500'),
  ]);
  const categories = new Map<string, string>();
  for (const site of org.sites) for (const c of site.categories) categories.set(c.id, c.label);
  return {
    sites: org.sites.map((s) => [s.id, s.name]),
    categories: [...categories],
    audiences: audiences.data.filter((a) => a.id !== exceptAudience).map((a) => [a.id, a.name]),
  };
}
