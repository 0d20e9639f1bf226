import { describe, expect, it } from 'vitest';
import { iosMode } from './ios.ts';

// Real user agents, as the browsers send them.
const UA = {
  iphoneSafari18:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  ipadDesktopMode:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  ipadMobile:
    'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  criOS:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  fxiOS:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/132.0 Mobile/15E148 Safari/605.1.15',
  macSafari:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  androidChrome:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
};

describe('iosMode', () => {
  it('sees an iPhone Safari tab, and the same iPhone as a Home Screen web app', () => {
    expect(iosMode(UA.iphoneSafari18, 5, false)).toBe('tab');
    expect(iosMode(UA.iphoneSafari18, 5, true)).toBe('app');
  });

  it('sees an iPad in desktop mode by its touch points, and in mobile mode by its UA', () => {
    expect(iosMode(UA.ipadDesktopMode, 5, false)).toBe('tab');
    expect(iosMode(UA.ipadDesktopMode, 5, true)).toBe('app');
    expect(iosMode(UA.ipadMobile, 5, false)).toBe('tab');
  });

  it('counts Chrome and Firefox on iOS as iOS tabs: they are WebKit too', () => {
    expect(iosMode(UA.criOS, 5, false)).toBe('tab');
    expect(iosMode(UA.fxiOS, 5, false)).toBe('tab');
  });

  it('leaves macOS Safari (no touch points) and Android Chrome alone', () => {
    expect(iosMode(UA.macSafari, 0, false)).toBeUndefined();
    expect(iosMode(UA.macSafari, 1, false)).toBeUndefined();
    expect(iosMode(UA.androidChrome, 5, false)).toBeUndefined();
    expect(iosMode(UA.androidChrome, 5, true)).toBeUndefined();
  });
});
