// "Sign in as": asks the server for a demo user signed for the demo tenant (GET /demo/sso) and sets it as `sso` on
// every widget of the page; Guest removes it (logging out). A file of its own, not an inline <script>: the demo's
// Content-Security-Policy allows scripts from 'self' only.
const select = document.getElementById('sign-in-as');
const status = document.getElementById('sign-in-status');
const KEY = 'image-chat-demo:user';

async function signInAs(user) {
  let sso = null;
  let text = 'Guest: a name of your choice, no avatar.';
  if (user) {
    const response = await fetch(`/demo/sso?user=${encodeURIComponent(user)}`);
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const answer = await response.json();
    sso = answer.sso;
    text = `Signed in as ${answer.user.name}.${answer.user.moderator ? ' A moderator may delete anyone\u2019s comments and markers.' : ''}`;
  }
  for (const widget of document.querySelectorAll('image-chat')) widget.sso = sso;
  status.textContent = text;
  try { sessionStorage.setItem(KEY, user); } catch { /* storage blocked: this page only */ }
}

select.addEventListener('change', () => {
  signInAs(select.value).catch((error) => { status.textContent = `Could not sign in: ${error.message}`; });
});

let saved = '';
try { saved = sessionStorage.getItem(KEY) ?? ''; } catch { /* storage blocked */ }
if (saved && [...select.options].some((option) => option.value === saved)) {
  select.value = saved;
  // The <img data-image-chat> becomes a widget once the widget script has run: sign in after that.
  customElements.whenDefined('image-chat').then(() => setTimeout(() => select.dispatchEvent(new Event('change')), 0));
}
