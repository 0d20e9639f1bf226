import { useState } from 'preact/hooks';
import type { Message } from '../lib/types.ts';

const PLATFORMS = [
  ['windows', 'Chrome on Windows'],
  ['macos', 'Chrome on macOS'],
  ['android', 'Chrome on Android'],
] as const;
type Platform = (typeof PLATFORMS)[number][0];

/**
 * How Chrome draws the notification on each platform, approximately: Windows shows the image
 * and up to two action buttons; macOS shows title, body and icon only (actions hide behind
 * "Options", the image is dropped); Android shows the image expanded and up to three actions.
 * Text is clamped where each platform cuts it.
 */
export function NotificationPreview({ message, origin }: { message: Message; origin: string }) {
  const [platform, setPlatform] = useState<Platform>('windows');
  const actions = (message.actions ?? []).slice(0, platform === 'android' ? 3 : 2);
  const host = origin.replace(/^https?:\/\//, '') || 'your-site.example';
  return (
    <section class="preview" aria-labelledby="preview-h">
      <h3 id="preview-h">Preview</h3>
      <div role="radiogroup" aria-label="Platform" class="segmented">
        {PLATFORMS.map(([p, label]) => (
          <label key={p}>
            <input
              type="radio"
              name="platform"
              checked={platform === p}
              onChange={() => setPlatform(p)}
            />
            {label}
          </label>
        ))}
      </div>
      <div
        class={`notification notification-${platform}`}
        role="img"
        aria-label={`Notification preview: ${message.title || 'no title'}. ${message.body}`}
        data-testid="notification-preview"
      >
        <div class="n-head">
          <span class="n-app">Google Chrome</span>
          <span class="n-origin">{host}</span>
        </div>
        <div class="n-main">
          {message.icon && <img class="n-icon" src={message.icon} alt="" />}
          <div class="n-text">
            <strong class="n-title">{message.title || 'Title'}</strong>
            <span class="n-body">{message.body}</span>
          </div>
        </div>
        {message.image && platform !== 'macos' && (
          <img class="n-image" src={message.image} alt="" />
        )}
        {actions.length > 0 && platform !== 'macos' && (
          <div class="n-actions">
            {actions.map((a) => (
              <span key={a.action}>{a.title}</span>
            ))}
          </div>
        )}
        {(message.actions?.length ?? 0) > 0 && platform === 'macos' && (
          <div class="n-actions">
            <span>Options</span>
          </div>
        )}
      </div>
    </section>
  );
}
