/**
 * The Sites page's live preview: the snippet's own prompt view (`openPrompt` from
 * packages/snippet), drawn in an iframe so its fixed position and shadow root behave as on a
 * real site. The page posts `{ prompt, categories }`; each message redraws the prompt.
 */
import { openPrompt } from '../../snippet/src/prompt-view.ts';
import type { Category, PromptSettings } from '../../server/src/wire.ts';

// The real prompt moves focus into itself when it opens; here that would pull the caret out
// of the form the marketer is typing in, so focus calls are ignored in this frame.
HTMLElement.prototype.focus = () => {};

const noop = () => {};

addEventListener('message', (event: MessageEvent) => {
  if (event.origin !== location.origin) return;
  const { prompt, categories } = event.data as { prompt: PromptSettings; categories: Category[] };
  document.body.replaceChildren();
  openPrompt(prompt, categories, (c) => !!c.default, { allow: noop, dismiss: noop });
});
parent.postMessage({ previewReady: true }, location.origin);
