// The viewer's sign-in callback (its OpenID Connect redirect URI), loaded in the sign-in popup.
//
// Hands the authorization response to the viewer tab that opened the popup and closes the popup.
// The viewer accepts it only from this popup, from this page's origin and with the `state` it
// made; the code is useless without the PKCE verifier, which only that tab holds. The target
// origin is '*' because that tab may be a message.html opened from disk, whose origin is "null".
// The response is not stored and not sent anywhere else; it is also taken out of this window's
// address and history. Without an opener (the tab was closed, or the page was opened some other
// way), the page's own text says to go back to the message.
'use strict';

const params = new URLSearchParams(window.location.search);
const answer = { type: 'waxseal-sign-in' };
for (const name of ['code', 'state', 'error', 'error_description', 'iss']) {
  const value = params.get(name);
  if (value !== null) answer[name] = value;
}
window.history.replaceState(null, '', window.location.pathname);

if (window.opener) {
  window.opener.postMessage(answer, '*');
  window.close();
}
