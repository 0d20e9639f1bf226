/**
 * The one seam where the browser tests simulate push: Chromium here cannot reach a real push
 * service (`pushManager.subscribe()` rejects in a fresh context and never settles in a
 * persistent one), so the page's `PushManager` is replaced — in the tests only, never in
 * shipped code — with one that hands out a subscription on the local push service.
 */
import type { VirtualSubscriber } from './push-service/index.ts';

/** What the page's `PushManager.subscribe` stub answers: a subscription, or a promise that never settles. */
export type PushStub = { subscription: Pick<VirtualSubscriber, 'endpoint' | 'keys'> } | 'hang';

/**
 * Runs in the page before any of its scripts (tests only, never shipped): `PushManager` hands
 * out the stub's subscription — made by the local push service, which holds its private key
 * and so can decrypt what the server sends — keeps it in localStorage for `getSubscription`,
 * and reports the permission as granted. Each `subscribe` call's applicationServerKey is
 * recorded in `window.pushStubCalls` (base64url) so a test can check the snippet used the
 * site's key, and the scope of the registration it was made on in `window.pushStubScopes`.
 * Plain JavaScript in a string: a TypeScript function would be serialised with
 * the transpiler's helpers (`__name`), which do not exist in the page.
 */
export const PUSH_STUB = String.raw`(function (stub) {
  var KEY = 'beckon-test:subscription';
  var calls = (window.pushStubCalls = []);
  // The scope of the registration each subscribe was made on: a PushManager does not know its
  // registration, so the registration's getter tags the one it hands out.
  var scopes = (window.pushStubScopes = []);
  var pushManager = Object.getOwnPropertyDescriptor(ServiceWorkerRegistration.prototype, 'pushManager');
  Object.defineProperty(ServiceWorkerRegistration.prototype, 'pushManager', {
    configurable: true,
    get: function () {
      var manager = pushManager.get.call(this);
      manager.stubScope = this.scope;
      return manager;
    },
  });
  function b64url(bytes) {
    return btoa(String.fromCharCode.apply(null, bytes))
      .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function bytes(s) {
    return Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), function (c) {
      return c.charCodeAt(0);
    });
  }
  function make(json) {
    return {
      endpoint: json.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true, applicationServerKey: null },
      getKey: function (name) { return bytes(json.keys[name]).buffer; },
      toJSON: function () { return { endpoint: json.endpoint, expirationTime: null, keys: json.keys }; },
      unsubscribe: function () { localStorage.removeItem(KEY); return Promise.resolve(true); },
    };
  }
  PushManager.prototype.subscribe = function (options) {
    var key = options && options.applicationServerKey;
    var view = ArrayBuffer.isView(key) ? new Uint8Array(key.buffer, key.byteOffset, key.byteLength) : key && new Uint8Array(key);
    calls.push(view ? b64url(view) : 'missing');
    scopes.push(this.stubScope || 'unknown');
    if (stub === 'hang') return new Promise(function () {});
    localStorage.setItem(KEY, JSON.stringify(stub.subscription));
    return Promise.resolve(make(stub.subscription));
  };
  PushManager.prototype.getSubscription = function () {
    var saved = localStorage.getItem(KEY);
    return Promise.resolve(saved ? make(JSON.parse(saved)) : null);
  };
  PushManager.prototype.permissionState = function () { return Promise.resolve('granted'); };
})`;

/** The init script for a context: the stub, called with its answer. */
export const pushStubScript = (stub: PushStub) => `${PUSH_STUB}(${JSON.stringify(stub)});`;
