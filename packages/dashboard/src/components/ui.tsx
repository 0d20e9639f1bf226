import type { ComponentChildren, JSX } from 'preact';
import { useId } from 'preact/hooks';
import type { ApiError } from '../lib/api.ts';

/** A problem's `detail`, announced to screen readers. */
export function Problem({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <p class="problem" role="alert">
      {error.detail}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function Loading() {
  return (
    <p class="muted" role="status">
      Loading…
    </p>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'label' | 'onInput' | 'value'> & {
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string | undefined;
  hint?: string;
};

/** A labelled input with its field error beside it (`aria-describedby`, `aria-invalid`). */
export function Field({ label, value, onInput, error, hint, ...rest }: InputProps) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? errorId : undefined}
        {...rest}
      />
      {hint && !error && <small class="muted">{hint}</small>}
      {error && (
        <small id={errorId} class="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

type SelectProps = {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: Array<[value: string, label: string]>;
  error?: string | undefined;
  class?: string;
};

export function Select({ label, value, onChange, options, error, ...rest }: SelectProps) {
  const id = useId();
  return (
    <div class={`field ${rest.class ?? ''}`}>
      <label for={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
      >
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
      {error && <small class="field-error">{error}</small>}
    </div>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1 tabIndex={-1}>{title}</h1>
      <div class="actions">{children}</div>
    </header>
  );
}

export const fmt = (n: number | undefined) => (n ?? 0).toLocaleString('en');
export const pct = (part: number, whole: number) =>
  whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '—';

export function TextArea({
  label,
  value,
  onInput,
  error,
  ...rest
}: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  error?: string | undefined;
  disabled?: boolean;
  maxLength?: number;
  rows?: number;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea
        id={id}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
        {...rest}
      />
      {error && <small class="field-error">{error}</small>}
    </div>
  );
}
