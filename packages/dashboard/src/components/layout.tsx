import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { session, signOut } from '../lib/session.ts';

/** The names API.md fixes for the navigation, in its order. */
const NAV: Array<[name: string, path: string]> = [
  ['Overview', '/'],
  ['Audiences', '/audiences'],
  ['Campaigns', '/campaigns'],
  ['Triggers', '/triggers'],
  ['Subscribers', '/subscribers'],
  ['Sites', '/sites'],
  ['Settings', '/settings'],
];

export function Layout({ children }: { children: ComponentChildren }) {
  const [location] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // A route change moves focus to the new page's heading, as a page load would.
  useEffect(() => {
    setMenuOpen(false);
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = main.current?.querySelector<HTMLElement>('h1');
    heading?.focus();
  }, [location]);

  const active = (path: string) =>
    path === '/' ? location === '/' : location === path || location.startsWith(path + '/');
  const user = session.value?.user;

  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Beckon</span>
        <button
          class="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <span class="who">
          {session.value?.workspace.name} · {user?.email} ({user?.role})
        </span>
        <button class="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav id="nav" aria-label="Main" class={menuOpen ? 'open' : ''}>
        <ul>
          {NAV.map(([name, path]) => (
            <li key={path}>
              <Link href={path} aria-current={active(path) ? 'page' : undefined}>
                {name}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main}>
        {children}
      </main>
    </div>
  );
}
