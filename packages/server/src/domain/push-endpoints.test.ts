import { describe, expect, it } from 'vitest';
import { isAllowedPushEndpoint } from './push-endpoints.ts';

describe('isAllowedPushEndpoint', () => {
  it('allows the public push services over https', () => {
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc',
      'https://updates.push.services.mozilla.com/wpush/v2/abc',
      'https://web.push.apple.com/QGx',
      'https://wns2-par02p.notify.windows.com/w/?token=abc',
    ]) {
      expect(isAllowedPushEndpoint(endpoint, [])).toBe(true);
    }
  });

  it('refuses private networks, lookalike hosts, other ports and plain http', () => {
    for (const endpoint of [
      'http://192.168.1.10/push',
      'https://10.0.0.1/push',
      'http://127.0.0.1:9000/push/x',
      'https://fcm.googleapis.com.evil.example/x',
      'https://fcm.googleapis.com:8443/x',
      'http://fcm.googleapis.com/fcm/send/abc',
      'https://user:pw@fcm.googleapis.com/x',
      'not a url',
    ]) {
      expect(isAllowedPushEndpoint(endpoint, [])).toBe(false);
    }
  });

  it('allows exactly the extra origins the operator names', () => {
    expect(isAllowedPushEndpoint('http://127.0.0.1:9000/push/x', ['http://127.0.0.1:9000'])).toBe(
      true,
    );
    expect(isAllowedPushEndpoint('http://127.0.0.1:9001/push/x', ['http://127.0.0.1:9000'])).toBe(
      false,
    );
  });
});
