// The demo shop's own script. Everything Beckon-related goes through the global `beckon`
// queue, which works before and after beckon.js has loaded, as on a customer's site.
const $ = (id) => document.getElementById(id);
const SIGNED_IN = 'demo:signed-in';

/** The "What this page told Beckon" list, newest first. */
function log(command, detail) {
  const item = document.createElement('li');
  const code = document.createElement('code');
  code.textContent = command;
  item.append(code, detail ? ` ${detail}` : '');
  $('log').prepend(item);
}

function say(text, kind = 'info') {
  $('result').textContent = text;
  $('result').dataset.kind = kind;
}

// Add to cart → a custom event, the kind a trigger ("cart abandoned") listens for.
let cart = 0;
for (const product of document.querySelectorAll('.product')) {
  product.querySelector('.add').addEventListener('click', () => {
    const properties = {
      product_name: product.dataset.name,
      value: Number(product.dataset.price),
    };
    beckon('track', 'Cart Updated', properties);
    $('cart-count').textContent = String(++cart);
    log("track 'Cart Updated'", JSON.stringify(properties));
  });
}

// Sign in → ID sync. identify belongs on every page where the user is known, so the demo
// repeats it on load while "signed in" (Beckon keeps the id in memory only). The userHash
// comes from the shop's server (demo/start.ts renders it into the page); without it Beckon
// would keep this browser anonymous.
function signIn() {
  const { user, userHash } = $('sign-in').dataset;
  beckon('identify', user, { plan: 'pro' }, { userHash });
  sessionStorage.setItem(SIGNED_IN, '1');
  $('sign-in').textContent = `Signed in as ${user}`;
  $('sign-in').disabled = true;
  log(
    `identify '${user}'`,
    `${JSON.stringify({ plan: 'pro' })}, userHash ${userHash.slice(0, 8)}…`,
  );
}
$('sign-in').addEventListener('click', signIn);
if (sessionStorage.getItem(SIGNED_IN)) signIn();

// The prompt: for a visitor it asks, for a subscriber it edits the topics.
$('topics').addEventListener('click', () => beckon('prompt'));

beckon('on', 'subscribed', ({ subscriberId, categories }) => {
  log('subscribed', `${subscriberId} — topics: ${categories.join(', ') || 'none'}`);
  say('Subscribed. Now press “Send me a test push”.', 'ok');
});
beckon('on', 'dismissed', () => log('dismissed', '“Not now”: the prompt waits a few days'));
beckon('on', 'error', (error) => {
  log('error', error.message);
  say(error.message, 'error');
});

// The shop's backend would hold the API key and send; /demo/send-test stands in for it.
// The snippet keeps the subscriber id in localStorage under `beckon:sid`.
$('send-test').addEventListener('click', async () => {
  const subscriberId = localStorage.getItem('beckon:sid');
  if (!subscriberId) {
    say('Subscribe first: press Allow in the prompt (or “Change topics”).', 'error');
    return;
  }
  say('Sending…');
  try {
    const res = await fetch('/demo/send-test', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subscriberId }),
    });
    const body = await res.json();
    if (!res.ok)
      return say(body.detail || body.error || `The server answered ${res.status}`, 'error');
    const { status, counts = {} } = body;
    if (counts.delivered > 0) say('Delivered to your browser’s push service — watch for it.', 'ok');
    else if (counts.targeted === 0)
      say(
        'This browser’s subscription is not on the server. Press “Change topics”, then Allow.',
        'error',
      );
    else if (counts.failed > 0 || status === 'failed')
      say('The push service refused it (see the server log).', 'error');
    else say(`Queued (${status}); the push service has not answered yet.`);
  } catch (error) {
    say(`Could not reach the server: ${error.message}`, 'error');
  }
});
