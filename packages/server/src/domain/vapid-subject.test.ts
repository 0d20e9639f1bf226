import { describe, expect, it } from 'vitest';
import { DEFAULT_VAPID_SUBJECT, vapidSubjectWarnings } from './vapid-subject.ts';

describe('vapidSubjectWarnings', () => {
  it('warns about the default placeholder subject, naming the field and Apple', () => {
    const [warning, ...rest] = vapidSubjectWarnings(DEFAULT_VAPID_SUBJECT);
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ code: 'vapid-subject-placeholder', field: 'vapidSubject' });
    expect(warning?.message).toContain('BadJwtToken');
  });

  it('warns about addresses and URLs on reserved domains', () => {
    for (const subject of [
      'mailto:me@shop.invalid',
      'mailto:me@localhost',
      'mailto:ops@example.com',
      'https://shop.test/contact',
      'https://example.org',
    ]) {
      expect(vapidSubjectWarnings(subject), subject).toHaveLength(1);
    }
  });

  it('says nothing about a real mailto: address or https: URL', () => {
    for (const subject of [
      'mailto:ops@shop.com',
      'https://shop.com/contact',
      'mailto:a@notexample.com',
    ]) {
      expect(vapidSubjectWarnings(subject), subject).toEqual([]);
    }
  });
});
