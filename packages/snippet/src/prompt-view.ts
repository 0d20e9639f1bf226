import type { Category, PromptSettings } from '../../server/src/wire.ts';

// Hand-minified: this string ships as is. `all:initial` keeps the page's styles out; the
// shadow root keeps ours out of the page.
const CSS =
  ':host{all:initial}' +
  '.d{position:fixed;z-index:2147483647;left:50%;bottom:16px;transform:translateX(-50%);box-sizing:border-box;width:min(380px,calc(100% - 32px));padding:16px 20px;border-radius:12px;box-shadow:0 8px 32px #0004;font:15px/1.4 system-ui,sans-serif}' +
  '.top{top:16px;bottom:auto}.center{top:50%;bottom:auto;transform:translate(-50%,-50%)}' +
  'h2{margin:0 0 4px;font-size:17px}p{margin:0 0 8px}label{display:block;margin:6px 0}input{accent-color:var(--a)}' +
  '.b{display:flex;flex-wrap:wrap;justify-content:flex-end;gap:8px;margin-top:12px}' +
  'button{font:inherit;padding:8px 14px;border:1px solid;border-radius:8px;background:none;color:inherit;cursor:pointer}' +
  '#y{background:var(--a);border-color:var(--a);color:#fff}:focus-visible{outline:2px solid var(--a);outline-offset:2px}';

/**
 * Styles the shadow root in a way a strict Content-Security-Policy allows: a constructed
 * stylesheet is not an inline `<style>`, so `style-src 'self'` does not block it. Browsers
 * without constructable stylesheets (Safari < 16.4) get a `<style>` element instead.
 */
function style(root: ShadowRoot) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch {
    root.append(el('style', CSS));
  }
}

/**
 * Builds an element from DOM calls, never from an HTML string, so Trusted Types
 * (`require-trusted-types-for 'script'`) has nothing to block; text goes in as text.
 */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  attrs: { [name: string]: string } = {},
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const name in attrs) e.setAttribute(name, attrs[name]!);
  if (text) e.textContent = text;
  return e;
}

export interface PromptChoice {
  /** "Allow", with the ids of the ticked categories. */
  allow(categories: string[]): void;
  /** "Not now", Escape included. */
  dismiss(): void;
  /** The topics panel of a subscriber: "Turn off notifications". */
  unsubscribe?: () => void;
}

/**
 * Opens the soft prompt in an open shadow root (so a site's own end-to-end tests can reach
 * it) and moves focus into it; closing puts focus back where it was.
 *
 * @example openPrompt(config.prompt, config.categories, (c) => !!c.default, { allow, dismiss })
 */
export function openPrompt(
  p: PromptSettings,
  categories: Category[],
  ticked: (c: Category) => boolean,
  choice: PromptChoice,
): void {
  const doc = document;
  const { dialog, close, show } = panel(p, { 'aria-labelledby': 't' });
  const list = el('div');
  const no = el('button', p.dismissText || 'Not now');
  const yes = el('button', p.allowText || 'Allow', { id: 'y' });
  const buttons = el('div', '', { class: 'b' });
  if (choice.unsubscribe) {
    const off = el('button', p.unsubscribeText || 'Turn off notifications');
    off.onclick = () => {
      close();
      choice.unsubscribe!();
    };
    buttons.append(off);
  }
  buttons.append(no, yes);
  dialog.append(el('h2', p.title, { id: 't' }), el('p', p.body, { id: 's' }), list, buttons);

  const boxes = categories.map((c) => {
    const label = doc.createElement('label');
    const box = doc.createElement('input');
    box.type = 'checkbox';
    box.value = c.id;
    box.checked = ticked(c);
    label.append(box, ` ${c.label}`);
    list.append(label);
    return box;
  });

  const dismiss = () => {
    close();
    choice.dismiss();
  };
  no.onclick = dismiss;
  yes.onclick = () => {
    close();
    choice.allow(boxes.filter((b) => b.checked).map((b) => b.value));
  };
  dialog.onkeydown = (e) => {
    if (e.key == 'Escape') dismiss();
  };
  show();
}

/**
 * The shared frame of the prompt and the iOS guidance: an open shadow root (so a site's own
 * end-to-end tests can reach it) holding a non-modal dialog in the site's colours; `show`
 * moves focus into it, `close` puts focus back where it was.
 */
function panel(p: PromptSettings, label: { [name: string]: string }) {
  const doc = document;
  const before = doc.activeElement as HTMLElement | null;
  const host = doc.createElement('div');
  const root = host.attachShadow({ mode: 'open' });
  style(root);
  const dialog = el('div', '', {
    role: 'dialog',
    'aria-modal': 'false',
    'aria-describedby': 's',
    tabindex: '-1',
    ...label,
  });
  root.append(dialog);
  const colors = p.colors || ({} as Partial<PromptSettings['colors']>);

  // CSSOM property writes, unlike a `style` attribute, are allowed under a strict CSP.
  dialog.className = `d ${p.position}`;
  dialog.style.background = colors.background || '#fff';
  dialog.style.color = colors.text || '#111';
  dialog.style.setProperty('--a', colors.accent || '#2563eb');
  return {
    dialog,
    close() {
      host.remove();
      before?.focus?.();
    },
    show() {
      doc.body.append(host);
      dialog.focus();
    },
  };
}

/**
 * In an iPhone/iPad browser tab push cannot work until the site is on the Home Screen: this
 * says how, with one button (or Escape) to close it.
 *
 * @example openGuidance(config.prompt, config.iosGuidance)
 */
export function openGuidance(p: PromptSettings, text: string): void {
  // Named by the prompt's title, described by the guidance itself.
  const { dialog, close, show } = panel(p, { 'aria-label': p.title });
  const ok = el('button', 'OK', { id: 'y' });
  const buttons = el('div', '', { class: 'b' });
  buttons.append(ok);
  dialog.append(el('p', text, { id: 's' }), buttons);
  ok.onclick = close;
  dialog.onkeydown = (e) => {
    if (e.key == 'Escape') close();
  };
  show();
}
