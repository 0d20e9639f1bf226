import type { ApiError } from '../lib/api.ts';
import type { Action, Message } from '../lib/types.ts';
import { Field, TextArea } from './ui.tsx';

/** One campaign message's fields; errors come back from the API as `messages.N.field`. */
export function MessageEditor({
  message,
  index,
  onChange,
  error,
  disabled,
}: {
  message: Message;
  index: number;
  onChange: (m: Message) => void;
  error: ApiError | undefined;
  disabled: boolean;
}) {
  const err = (field: string) =>
    error?.errors.find((e) => e.path === `messages.${index}.${field}`)?.message;
  const set = (patch: Partial<Message>) => onChange({ ...message, ...patch });
  const optional = (v: string) => (v.trim() ? v.trim() : undefined);
  const actions = message.actions ?? [];
  const setAction = (i: number, patch: Partial<Action>) =>
    set({ actions: actions.map((a, j) => (j === i ? { ...a, ...patch } : a)) });

  return (
    <div class="message-editor">
      <Field
        label="Title"
        value={message.title}
        maxLength={500}
        disabled={disabled}
        onInput={(title) => set({ title })}
        error={err('title')}
      />
      <TextArea
        label="Body"
        value={message.body}
        rows={3}
        maxLength={3000}
        disabled={disabled}
        onInput={(body) => set({ body })}
        error={err('body')}
      />
      <Field
        label="Link URL"
        value={message.url ?? ''}
        placeholder="https://shop.example/sale"
        disabled={disabled}
        onInput={(url) => set({ url: optional(url) })}
        error={err('url')}
      />
      <div class="row">
        <Field
          label="Icon URL"
          value={message.icon ?? ''}
          disabled={disabled}
          onInput={(icon) => set({ icon: optional(icon) })}
          error={err('icon')}
        />
        <Field
          label="Image URL"
          value={message.image ?? ''}
          disabled={disabled}
          onInput={(image) => set({ image: optional(image) })}
          error={err('image')}
        />
      </div>
      <fieldset>
        <legend>Action buttons</legend>
        {actions.map((a, i) => (
          <div class="row" key={i}>
            <Field
              label={`Button ${i + 1} label`}
              value={a.title}
              disabled={disabled}
              onInput={(title) => setAction(i, { title, action: a.action || `action${i + 1}` })}
              error={err(`actions.${i}.title`)}
            />
            <Field
              label={`Button ${i + 1} URL`}
              value={a.url}
              disabled={disabled}
              onInput={(url) => setAction(i, { url })}
              error={err(`actions.${i}.url`)}
            />
            {!disabled && (
              <button
                type="button"
                class="link"
                onClick={() => set({ actions: actions.filter((_, j) => j !== i) })}
              >
                Remove button {i + 1}
              </button>
            )}
          </div>
        ))}
        {!disabled && actions.length < 2 && (
          <button
            type="button"
            onClick={() =>
              set({
                actions: [
                  ...actions,
                  { action: `action${actions.length + 1}`, title: '', url: '' },
                ],
              })
            }
          >
            Add a button
          </button>
        )}
      </fieldset>
    </div>
  );
}
