import { useEffect, useState } from 'preact/hooks';
import { CampaignResults } from '../components/campaign-results.tsx';
import { MessageEditor } from '../components/message-editor.tsx';
import { NotificationList } from '../components/notification-list.tsx';
import { NotificationPreview } from '../components/notification-preview.tsx';
import { SendPanel, TestSend } from '../components/send-panel.tsx';
import { Field, Loading, PageHeader, Problem } from '../components/ui.tsx';
import { api, type Page } from '../lib/api.ts';
import { canWrite } from '../lib/session.ts';
import type { Audience, Campaign, Message, Organization } from '../lib/types.ts';
import { useAction, useLoad } from '../lib/use-load.ts';

export function CampaignPage({ id }: { id: string }) {
  const loaded = useLoad(() => api.get<Campaign>(`/v1/campaigns/${id}`), [id]);
  const audiences = useLoad(() => api.get<Page<Audience>>('/v1/audiences?limit=500'), []);
  const org = useLoad(() => api.get<Organization>('/v1/organization'), []);
  const campaign = loaded.data;
  const [messages, setMessages] = useState<Message[]>([]);
  const [perHour, setPerHour] = useState('');
  const [perDay, setPerDay] = useState('');
  const [current, setCurrent] = useState(0);
  const [sends, setSends] = useState(0);
  const save = useAction();
  const writable = canWrite.value;

  useEffect(() => {
    if (!campaign) return;
    setMessages(campaign.messages);
    setPerHour(String(campaign.capping?.perHour ?? ''));
    setPerDay(String(campaign.capping?.perDay ?? ''));
  }, [campaign]);

  if (!campaign) return loaded.error ? <Problem error={loaded.error} /> : <Loading />;
  const message = messages[current] ?? messages[0];
  const origin = org.data?.sites[0]?.origins[0] ?? '';

  return (
    <>
      <PageHeader title={campaign.name} />
      <div class="columns">
        <form
          class="card"
          aria-labelledby="messages-h"
          onSubmit={(e) => {
            e.preventDefault();
            void save.run(async () => {
              // Empty caps: the site's defaults apply (`capping: null`).
              const capping = {
                ...(perHour && { perHour: Number(perHour) }),
                ...(perDay && { perDay: Number(perDay) }),
              };
              const updated = await api.patch<Campaign>(`/v1/campaigns/${campaign.id}`, {
                messages,
                capping: Object.keys(capping).length > 0 ? capping : null,
              });
              setMessages(updated.messages);
              loaded.reload();
            });
          }}
        >
          <h2 id="messages-h">Messages</h2>
          <div role="group" aria-label="Messages" class="tabs">
            {messages.map((m, i) => (
              <button
                type="button"
                key={i}
                aria-pressed={i === current}
                onClick={() => setCurrent(i)}
              >
                Message {i + 1}
              </button>
            ))}
            {writable && (
              <button
                type="button"
                class="link"
                onClick={() => {
                  setMessages([...messages, { title: 'New message', body: '' }]);
                  setCurrent(messages.length);
                }}
              >
                Add message
              </button>
            )}
          </div>
          {message && (
            <div>
              <MessageEditor
                message={message}
                index={current}
                disabled={!writable}
                error={save.error}
                onChange={(m) => setMessages(messages.map((x, i) => (i === current ? m : x)))}
              />
            </div>
          )}
          <fieldset disabled={!writable}>
            <legend>Frequency capping for this campaign</legend>
            <div class="row">
              <Field
                label="At most per hour"
                type="number"
                min="1"
                placeholder="site default"
                value={perHour}
                onInput={setPerHour}
                error={save.error?.fieldError('capping.perHour')}
              />
              <Field
                label="At most per day"
                type="number"
                min="1"
                placeholder="site default"
                value={perDay}
                onInput={setPerDay}
                error={save.error?.fieldError('capping.perDay')}
              />
            </div>
          </fieldset>
          <Problem error={save.error} />
          {writable && (
            <button type="submit" class="primary" disabled={save.busy}>
              Save messages
            </button>
          )}
        </form>
        {message && <NotificationPreview message={message} origin={origin} />}
      </div>
      {writable && (
        <>
          <TestSend campaign={campaign} messageId={campaign.messages[current]?.id ?? ''} />
          <SendPanel
            campaign={campaign}
            audiences={audiences.data?.data ?? []}
            sites={org.data?.sites ?? []}
            onSent={() => setSends((n) => n + 1)}
          />
        </>
      )}
      <NotificationList campaignId={campaign.id} version={sends} />
      <CampaignResults campaign={campaign} />
    </>
  );
}
