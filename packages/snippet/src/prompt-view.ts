import type { Category, PromptSettings } from '../../server/src/wire.ts';

// Hand-minified: this string ships as is. `all:initial` keeps the page's styles out; the
// shadow root keeps ours out of the page.
const CSS =
  ':host{all:initial}' +
  '.d{position:fixed;z-index:2147483647;left:50%;bottom:16px;transform:translateX(-50%);box-sizing:border-box;width:min(380px,calc(100% - 32px));padding:16px 20px;border-radius:12px;box-shadow:0 8px 32px #0004;font:15px/1.4 system-ui,sans-serif}' +
  '.top{top:16px;bottom:auto}.center{top:50%;bottom:auto;transform:translate(-50%,-50%)}' +
  'h2{margin:0 0 4px;font-size:17px}p{margin:0 0 8px}label{display:block;margin:6px 0}input{accent-color:var(--a)}' +
  '.b{display:flex;justify-content:flex-end;gap:8px;margin-top:12px}' +
  'button{font:inherit;padding:8px 14px;border:1px solid;border-radius:8px;background:none;color:inherit;cursor:pointer}' +
  '#y{background:var(--a);border-color:var(--a);color:#fff}:focus-visible{outline:2px solid var(--a);outline-offset:2px}';

// Static markup only; every site-supplied text goes in through textContent or a property.
const HTML =
  '<div class=d role=dialog aria-modal=false aria-labelledby=t aria-describedby=s tabindex=-1>' +
  '<h2 id=t></h2><p id=s></p><div id=c></div><div class=b><button id=n></button><button id=y></button></div></div>';

export interface PromptChoice {
  /** "Allow", with the ids of the ticked categories. */
  allow(categories: string[]): void;
  /** "Not now", Escape included. */
  dismiss(): void;
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
  const before = doc.activeElement as HTMLElement | null;
  const host = doc.createElement('div');
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `<style>${CSS}</style>${HTML}`;
  const $ = (id: string) => root.getElementById(id)!;
  const dialog = root.querySelector('div')!;
  const colors = p.colors || ({} as Partial<PromptSettings['colors']>);

  dialog.className = `d ${p.position}`;
  dialog.style.background = colors.background || '#fff';
  dialog.style.color = colors.text || '#111';
  dialog.style.setProperty('--a', colors.accent || '#2563eb');
  $('t').textContent = p.title;
  $('s').textContent = p.body;
  $('n').textContent = p.dismissText || 'Not now';
  $('y').textContent = p.allowText || 'Allow';

  const boxes = categories.map((c) => {
    const label = doc.createElement('label');
    const box = doc.createElement('input');
    box.type = 'checkbox';
    box.value = c.id;
    box.checked = ticked(c);
    label.append(box, ` ${c.label}`);
    $('c').append(label);
    return box;
  });

  const close = () => {
    host.remove();
    before?.focus?.();
  };
  const dismiss = () => {
    close();
    choice.dismiss();
  };
  $('n').onclick = dismiss;
  $('y').onclick = () => {
    close();
    choice.allow(boxes.filter((b) => b.checked).map((b) => b.value));
  };
  dialog.onkeydown = (e) => {
    if (e.key == 'Escape') dismiss();
  };

  doc.body.append(host);
  dialog.focus();
}
