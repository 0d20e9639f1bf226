import { useEffect, useRef, useState } from 'preact/hooks';
import { Field, Loading, PageHeader, Problem, Select, TextArea } from '../components/ui.tsx';
import { api } from '../lib/api.ts';
import { canWrite, isOwner } from '../lib/session.ts';
import type { Category, PromptSettings, Site } from '../lib/types.ts';
import { useAction, useLoad } from '../lib/use-load.ts';

/** A site's origins, categories, prompt (with the real prompt drawn live), capping and install. */
export function SitePage({ id }: { id: string }) {
  const loaded = useLoad(() => api.get<Site>(`/v1/sites/${id}`), [id]);
  const [draft, setDraft] = useState<Site>();
  const [origins, setOrigins] = useState('');
  const save = useAction();
  const rotate = useAction();
  const [secret, setSecret] = useState<string>();
  const writable = canWrite.value;

  useEffect(() => {
    if (!loaded.data) return;
    setDraft(loaded.data);
    setOrigins(loaded.data.origins.join('\n'));
  }, [loaded.data]);

  if (!draft) return loaded.error ? <Problem error={loaded.error} /> : <Loading />;
  const prompt = draft.prompt;
  const setPrompt = (patch: Partial<PromptSettings>) =>
    setDraft({ ...draft, prompt: { ...prompt, ...patch } });
  const setColor = (k: keyof PromptSettings['colors'], v: string) =>
    setPrompt({ colors: { ...prompt.colors, [k]: v } });
  const setCategories = (categories: Category[]) => setDraft({ ...draft, categories });
  const err = (path: string) => save.error?.errors.find((e) => e.path.startsWith(path))?.message;
  const host = location.origin;
  const snippet = `<script async src="${host}/beckon.js" data-site="${draft.siteKey}"></script>`;

  return (
    <>
      <PageHeader title={draft.name} />
      <div class="columns">
        <form
          class="card"
          aria-label="Site settings"
          onSubmit={(e) => {
            e.preventDefault();
            void save.run(async () => {
              const { title, body, allowText, dismissText, position, colors } = prompt;
              await api.patch(`/v1/sites/${draft.id}`, {
                name: draft.name,
                origins: origins.split(/\s+/).filter(Boolean),
                categories: draft.categories,
                prompt: { title, body, allowText, dismissText, position, colors },
                capping: draft.capping,
                identityVerification: draft.identityVerification,
              });
              loaded.reload();
            });
          }}
        >
          <fieldset disabled={!writable}>
            <legend>Site</legend>
            <Field
              label="Name"
              value={draft.name}
              onInput={(name) => setDraft({ ...draft, name })}
              error={err('name')}
            />
            <TextArea
              label="Origins (one per line)"
              value={origins}
              rows={3}
              onInput={setOrigins}
              error={err('origins')}
            />
            <Select
              label="Identity verification"
              value={draft.identityVerification}
              onChange={(v) =>
                setDraft({ ...draft, identityVerification: v as Site['identityVerification'] })
              }
              options={[
                ['required', 'Required (userHash with every externalId)'],
                ['off', 'Off'],
              ]}
            />
          </fieldset>
          <fieldset disabled={!writable}>
            <legend>Categories</legend>
            {draft.categories.map((c, i) => (
              <div class="row" key={i}>
                <Field
                  label={`Category ${i + 1} id`}
                  value={c.id}
                  onInput={(v) =>
                    setCategories(draft.categories.map((x, j) => (j === i ? { ...x, id: v } : x)))
                  }
                  error={err(`categories.${i}.id`)}
                />
                <Field
                  label={`Category ${i + 1} label`}
                  value={c.label}
                  onInput={(v) =>
                    setCategories(
                      draft.categories.map((x, j) => (j === i ? { ...x, label: v } : x)),
                    )
                  }
                  error={err(`categories.${i}.label`)}
                />
                <button
                  type="button"
                  class="link"
                  onClick={() => setCategories(draft.categories.filter((_, j) => j !== i))}
                >
                  Remove category {i + 1}
                </button>
              </div>
            ))}
            <button
              type="button"
              onClick={() => setCategories([...draft.categories, { id: '', label: '' }])}
            >
              Add category
            </button>
          </fieldset>
          <fieldset disabled={!writable}>
            <legend>Prompt</legend>
            <Field
              label="Prompt title"
              value={prompt.title}
              onInput={(title) => setPrompt({ title })}
              error={err('prompt.title')}
            />
            <TextArea
              label="Prompt text"
              value={prompt.body}
              rows={2}
              onInput={(body) => setPrompt({ body })}
              error={err('prompt.body')}
            />
            <div class="row">
              <Field
                label="Allow button"
                value={prompt.allowText}
                onInput={(allowText) => setPrompt({ allowText })}
                error={err('prompt.allowText')}
              />
              <Field
                label="Dismiss button"
                value={prompt.dismissText}
                onInput={(dismissText) => setPrompt({ dismissText })}
                error={err('prompt.dismissText')}
              />
            </div>
            <div class="row">
              <Field
                label="Background colour"
                type="color"
                value={prompt.colors?.background || '#ffffff'}
                onInput={(v) => setColor('background', v)}
              />
              <Field
                label="Text colour"
                type="color"
                value={prompt.colors?.text || '#111111'}
                onInput={(v) => setColor('text', v)}
              />
              <Field
                label="Accent colour"
                type="color"
                value={prompt.colors?.accent || '#2563eb'}
                onInput={(v) => setColor('accent', v)}
              />
              <Select
                label="Position"
                value={prompt.position}
                onChange={(v) => setPrompt({ position: v as PromptSettings['position'] })}
                options={[
                  ['bottom', 'Bottom'],
                  ['top', 'Top'],
                  ['center', 'Centre'],
                ]}
              />
            </div>
          </fieldset>
          <fieldset disabled={!writable}>
            <legend>Capping defaults</legend>
            <div class="row">
              <Field
                label="Pushes per hour"
                type="number"
                min="1"
                value={String(draft.capping.perHour ?? '')}
                onInput={(v) =>
                  setDraft({
                    ...draft,
                    capping: { ...draft.capping, perHour: v ? Number(v) : undefined },
                  })
                }
                error={err('capping.perHour')}
              />
              <Field
                label="Pushes per day"
                type="number"
                min="1"
                value={String(draft.capping.perDay ?? '')}
                onInput={(v) =>
                  setDraft({
                    ...draft,
                    capping: { ...draft.capping, perDay: v ? Number(v) : undefined },
                  })
                }
                error={err('capping.perDay')}
              />
            </div>
          </fieldset>
          <Problem error={save.error} />
          {writable && (
            <button type="submit" class="primary" disabled={save.busy}>
              Save site
            </button>
          )}
        </form>
        <PromptPreview prompt={prompt} categories={draft.categories} />
      </div>
      <section class="card" aria-labelledby="install-h">
        <h2 id="install-h">Install</h2>
        <p>Paste this tag into every page of the site:</p>
        <pre>
          <code>{snippet}</code>
        </pre>
        <button type="button" onClick={() => void navigator.clipboard?.writeText(snippet)}>
          Copy the snippet
        </button>{' '}
        <a class="button" href="/beckon-sw.js" download="beckon-sw.js">
          Download the worker file
        </a>
        <p class="muted">
          Put <code>beckon-sw.js</code> at the root of the site (a service worker must be on the
          site's own origin), or serve a file containing{' '}
          <code>importScripts('{host}/beckon-sw.js')</code>.
        </p>
        {isOwner.value && (
          <>
            <button
              type="button"
              disabled={rotate.busy}
              onClick={() =>
                void rotate.run(async () => {
                  const r = await api.post<{ identitySecret: string }>(
                    `/v1/sites/${draft.id}/identity-secret`,
                  );
                  setSecret(r.identitySecret);
                })
              }
            >
              Rotate the identity secret
            </button>
            <Problem error={rotate.error} />
            {secret && (
              <p role="status">
                New identity secret (shown once; the old one works for 24 hours):{' '}
                <code>{secret}</code>
              </p>
            )}
          </>
        )}
      </section>
    </>
  );
}

/** The snippet's real prompt, in a frame of its own, redrawn as the settings change. */
function PromptPreview({ prompt, categories }: { prompt: PromptSettings; categories: Category[] }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      if (
        e.source === frame.current?.contentWindow &&
        (e.data as { previewReady?: boolean })?.previewReady
      )
        setReady(true);
    };
    addEventListener('message', onMessage);
    return () => removeEventListener('message', onMessage);
  }, []);
  useEffect(() => {
    if (ready) frame.current?.contentWindow?.postMessage({ prompt, categories }, location.origin);
  }, [ready, prompt, categories]);
  return (
    <section class="card preview" aria-labelledby="prompt-preview-h">
      <h2 id="prompt-preview-h">Prompt preview</h2>
      <iframe
        ref={frame}
        title="Prompt preview"
        src={`${import.meta.env.BASE_URL}prompt-preview.html`}
        class="prompt-frame"
      />
    </section>
  );
}
