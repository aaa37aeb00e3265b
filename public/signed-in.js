// The viewer's sign-in callback (its OpenID Connect redirect URI), loaded in the sign-in popup.
//
// Hands the authorization response to the viewer window that opened the popup, and closes the
// popup — but only when that window is a page of this very origin: the viewer's own page. The
// answer is posted with this origin as the target, so the browser delivers it to no other page
// even if the opener navigated away meanwhile. Any other opener — a message.html opened from
// disk (origin "null"), a webmail's preview, or a page that opened the provider's authorization
// URL itself with the viewer's client id — gets nothing: a message.html hands its envelope to the
// viewer's own page, which runs the sign-in there.
//
// The response is not stored and not sent anywhere else; it is also taken out of this window's
// address and history. When the answer cannot be handed over, the page's own text says to go back
// to the message.
'use strict';

const params = new URLSearchParams(window.location.search);
const answer = { type: 'waxseal-sign-in' };
for (const name of ['code', 'state', 'error', 'error_description', 'iss']) {
  const value = params.get(name);
  if (value !== null) answer[name] = value;
}
window.history.replaceState(null, '', window.location.pathname);

/** Whether the opener is a page of this origin (reading a cross-origin location throws). */
function openerIsOurs() {
  try {
    return window.opener !== null && window.opener.location.origin === window.location.origin;
  } catch {
    return false;
  }
}

if (openerIsOurs()) {
  window.opener.postMessage(answer, window.location.origin);
  window.close();
}

/**
 * Shows the page's text in the first language the browser prefers that the page has, else in
 * English (the page holds it in every language of crates/l10n, made by its tests). The same
 * choice as the viewer's: Chinese by script or region, any Norwegian as Bokmål.
 */
function showOneLanguage() {
  const paragraphs = [...document.querySelectorAll('main p[lang]')];
  const pick = (tag) => {
    const wanted = tag.toLowerCase().replace(/_/g, '-');
    const primary = wanted.split('-')[0];
    let lang = primary;
    if (primary === 'zh') lang = /-(hant|tw|hk|mo)(-|$)/.test(wanted) ? 'zh-hant' : 'zh-hans';
    if (primary === 'no' || primary === 'nn') lang = 'nb';
    return paragraphs.find((p) => {
      const have = p.lang.toLowerCase();
      return have === lang || have.split('-')[0] === lang;
    });
  };
  const chosen = (navigator.languages || [])
    .map(pick)
    .find(Boolean) || paragraphs.find((p) => p.lang === 'en');
  if (!chosen) return;
  for (const p of paragraphs) p.hidden = p !== chosen;
  document.documentElement.lang = chosen.lang;
  document.documentElement.dir = chosen.dir;
}

document.addEventListener('DOMContentLoaded', showOneLanguage);
