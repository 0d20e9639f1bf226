import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { localToUtc } from '../lib/rule-model.ts';
import type { Audience, Campaign, Site } from '../lib/types.ts';
import { useAction } from '../lib/use-load.ts';
import { Field, Problem, Select } from './ui.tsx';

interface Accepted {
  notificationId: string;
  jobId: string;
}

/**
 * Send a message now or later (`POST /v1/notifications`): target, schedule, TTL, quiet hours
 * and the capping override. Each submit carries its own Idempotency-Key, so a retried request
 * after a network error cannot send twice.
 */
export function SendPanel({
  campaign,
  audiences,
  sites,
  onSent,
}: {
  campaign: Campaign;
  audiences: Audience[];
  sites: Site[];
  onSent: () => void;
}) {
  const [messageId, setMessageId] = useState(campaign.messages[0]?.id ?? '');
  const [include, setInclude] = useState('');
  const [exclude, setExclude] = useState('');
  const [siteId, setSiteId] = useState('');
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [sendAt, setSendAt] = useState('');
  const [ttlHours, setTtlHours] = useState('');
  const [quiet, setQuiet] = useState(false);
  const [start, setStart] = useState('09:00');
  const [end, setEnd] = useState('21:00');
  const [ignoreCapping, setIgnoreCapping] = useState(false);
  const [done, setDone] = useState<string>();
  const send = useAction();

  const messageOptions = campaign.messages.map(
    (m, i) => [m.id ?? '', `${i + 1}. ${m.title}`] as [string, string],
  );
  const audienceOptions = audiences.map((a) => [a.id, a.name] as [string, string]);

  const submit = (e: Event) => {
    e.preventDefault();
    setDone(undefined);
    const target = {
      ...(include
        ? { audiences: { include: [include], ...(exclude && { exclude: [exclude] }) } }
        : {}),
      ...(!include && exclude ? { audiences: { exclude: [exclude] } } : {}),
      ...(siteId && { siteIds: [siteId] }),
    };
    const body = {
      campaignId: campaign.id,
      ...(messageId && { messageId }),
      target: Object.keys(target).length > 0 ? target : { all: true },
      ...(when === 'later' && { sendAt: localToUtc(sendAt) }),
      ...(ttlHours.trim() && { ttl: Math.round(Number(ttlHours) * 3600) }),
      ...(quiet && { deliveryWindow: { start, end } }),
      ...(ignoreCapping && { ignoreCapping: true }),
    };
    void send.run(async () => {
      await api.post<Accepted>('/v1/notifications', body, {
        'idempotency-key': crypto.randomUUID(),
      });
      setDone(when === 'later' ? 'Scheduled.' : 'Sending started.');
      onSent();
    });
  };

  const err = (path: string) => send.error?.errors.find((e) => e.path.startsWith(path))?.message;
  return (
    <form class="card" aria-labelledby="send-h" onSubmit={submit}>
      <h2 id="send-h">Send</h2>
      <div class="row">
        <Select
          label="Message"
          value={messageId}
          onChange={setMessageId}
          options={messageOptions}
        />
        <Select
          label="Audience"
          value={include}
          onChange={setInclude}
          options={[['', 'Everyone'], ...audienceOptions]}
          error={err('target')}
        />
        <Select
          label="Except audience"
          value={exclude}
          onChange={setExclude}
          options={[['', 'Nobody'], ...audienceOptions]}
        />
        <Select
          label="Site"
          value={siteId}
          onChange={setSiteId}
          options={[['', 'All sites'], ...sites.map((s) => [s.id, s.name] as [string, string])]}
        />
      </div>
      <fieldset class="radios">
        <legend>When</legend>
        <label>
          <input type="radio" checked={when === 'now'} onChange={() => setWhen('now')} /> Now
        </label>
        <label>
          <input type="radio" checked={when === 'later'} onChange={() => setWhen('later')} /> At a
          set time
        </label>
      </fieldset>
      {when === 'later' && (
        <Field
          label="Send at"
          type="datetime-local"
          required
          value={sendAt}
          onInput={setSendAt}
          error={err('sendAt')}
        />
      )}
      <div class="row">
        <Field
          label="Time to live (hours)"
          type="number"
          min="0"
          max="672"
          step="any"
          placeholder="672"
          value={ttlHours}
          onInput={setTtlHours}
          hint="A push not delivered by then is dropped"
          error={err('ttl')}
        />
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={quiet}
          onChange={(e) => setQuiet(e.currentTarget.checked)}
        />{' '}
        Quiet hours: deliver only between these local times of each subscriber
      </label>
      {quiet && (
        <div class="row">
          <Field label="Deliver from" type="time" value={start} onInput={setStart} />
          <Field
            label="Deliver until"
            type="time"
            value={end}
            onInput={setEnd}
            error={err('deliveryWindow')}
          />
        </div>
      )}
      <label class="check">
        <input
          type="checkbox"
          checked={ignoreCapping}
          onChange={(e) => setIgnoreCapping(e.currentTarget.checked)}
        />{' '}
        Ignore frequency capping for this send
      </label>
      <Problem error={send.error} />
      {done && <p role="status">{done}</p>}
      <button type="submit" class="primary" disabled={send.busy}>
        {when === 'later' ? 'Schedule' : 'Send now'}
      </button>
    </form>
  );
}

/** One push to one person or browser, to check the message before an audience sees it. */
export function TestSend({ campaign, messageId }: { campaign: Campaign; messageId: string }) {
  const [kind, setKind] = useState<'externalIds' | 'subscriberIds'>('externalIds');
  const [to, setTo] = useState('');
  const [done, setDone] = useState<string>();
  const send = useAction();
  return (
    <form
      class="card"
      aria-labelledby="test-h"
      onSubmit={(e) => {
        e.preventDefault();
        setDone(undefined);
        void send.run(async () => {
          const r = await api.post<Accepted>('/v1/notifications', {
            campaignId: campaign.id,
            ...(messageId && { messageId }),
            target: { [kind]: [to.trim()] },
          });
          setDone(`Test sent (${r.notificationId}).`);
        });
      }}
    >
      <h2 id="test-h">Test send</h2>
      <div class="row">
        <Select
          label="Send to"
          value={kind}
          onChange={(k) => setKind(k as typeof kind)}
          options={[
            ['externalIds', 'A user (external id)'],
            ['subscriberIds', 'A subscriber (id)'],
          ]}
        />
        <Field label="Recipient" value={to} required onInput={setTo} />
      </div>
      <Problem error={send.error} />
      {done && <p role="status">{done}</p>}
      <button type="submit" disabled={send.busy}>
        Send test
      </button>
    </form>
  );
}
