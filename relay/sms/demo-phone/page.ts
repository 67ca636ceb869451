// The demo phone's page: a phone-sized list of the numbers the shop texted, each number's texts
// as its phone shows them (links clickable), and a box to answer as that customer. Plain HTML and
// a little script that asks /phone/texts every two seconds; the text is put in with textContent,
// never as HTML.
export const DEMO_PHONE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo phone · Bayline</title>
<style>
  :root { color-scheme: light; font-family: system-ui, "Noto Sans", "DejaVu Sans", sans-serif; }
  body { margin: 0; background: #d9dee3; }
  .phone { max-width: 390px; min-height: 100vh; margin: 0 auto; background: #fff; display: flex; flex-direction: column; box-shadow: 0 0 24px rgba(0,0,0,.18); }
  header { background: #0b5d7a; color: #fff; padding: 14px 16px 12px; }
  header h1 { margin: 0; font-size: 1.15rem; }
  header p { margin: 4px 0 0; font-size: .85rem; opacity: .9; }
  main { flex: 1; display: flex; flex-direction: column; }
  .empty { padding: 24px 16px; color: #444; line-height: 1.45; }
  ul.phones { list-style: none; margin: 0; padding: 0; }
  ul.phones button { width: 100%; text-align: left; border: 0; border-bottom: 1px solid #e1e4e8; background: #fff; padding: 12px 16px; font: inherit; cursor: pointer; display: grid; gap: 2px; }
  ul.phones button:hover, ul.phones button:focus-visible { background: #eef5f8; }
  .who { font-weight: 600; color: #111; }
  .number { color: #555; font-size: .85rem; }
  .last { color: #333; font-size: .9rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .bar { display: flex; align-items: center; gap: 8px; padding: 8px 12px; border-bottom: 1px solid #e1e4e8; }
  .bar button { font: inherit; border: 1px solid #0b5d7a; color: #0b5d7a; background: #fff; border-radius: 6px; padding: 4px 10px; cursor: pointer; }
  .bar h2 { margin: 0; font-size: 1rem; }
  .bar .number { display: block; }
  ol.texts { list-style: none; margin: 0; padding: 12px; display: flex; flex-direction: column; gap: 8px; flex: 1; overflow-y: auto; }
  ol.texts li { max-width: 80%; padding: 8px 12px; border-radius: 16px; line-height: 1.35; white-space: pre-wrap; overflow-wrap: anywhere; }
  ol.texts li.in { align-self: flex-start; background: #e9ecef; color: #111; border-bottom-left-radius: 4px; }
  ol.texts li.out { align-self: flex-end; background: #0b5d7a; color: #fff; border-bottom-right-radius: 4px; }
  ol.texts li.out a { color: #fff; }
  ol.texts li a { color: #064e8f; }
  .when { display: block; font-size: .72rem; opacity: .75; margin-top: 3px; }
  form { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #e1e4e8; align-items: flex-end; }
  form label { position: absolute; left: -9999px; }
  textarea { flex: 1; font: inherit; border: 1px solid #888; border-radius: 18px; padding: 8px 12px; resize: none; min-height: 2.4em; }
  form button { font: inherit; background: #0b5d7a; color: #fff; border: 0; border-radius: 18px; padding: 9px 16px; cursor: pointer; }
  .hint { font-size: .8rem; color: #444; padding: 0 12px 10px; margin: 0; }
  .problem { color: #8a1c12; padding: 0 12px 8px; margin: 0; font-size: .9rem; }
</style>
</head>
<body>
<div class="phone">
  <header>
    <h1>Demo phone</h1>
    <p>What each customer's phone received from the shop. A reply sent here reaches the shop as that customer's text.</p>
  </header>
  <main id="app" aria-live="polite"></main>
</div>
<script>
(() => {
  const app = document.getElementById('app');
  let state = { phones: [], connected: false };
  let shown = '';
  const fmtNumber = (n) => { const m = /^\\+1(\\d{3})(\\d{3})(\\d{4})$/.exec(n); return m ? '(' + m[1] + ') ' + m[2] + '-' + m[3] : n; };
  const fmtTime = (iso) => new Date(iso).toLocaleString('en-US', { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
  const current = () => decodeURIComponent(location.hash.slice(2));
  const el = (tag, props = {}, ...children) => { const e = document.createElement(tag); Object.assign(e, props); for (const c of children) e.append(c); return e; };
  const label = (p) => p.name ? p.name + "'s phone" : 'Phone ' + fmtNumber(p.phone);
  function linked(text) {
    const out = document.createDocumentFragment();
    let rest = text;
    const re = /https?:\\/\\/[^\\s]+/;
    for (let m = re.exec(rest); m; m = re.exec(rest)) {
      out.append(rest.slice(0, m.index));
      out.append(el('a', { href: m[0], target: '_blank', rel: 'noopener', textContent: m[0] }));
      rest = rest.slice(m.index + m[0].length);
    }
    out.append(rest);
    return out;
  }
  function list() {
    if (state.phones.length === 0) {
      return [el('p', { className: 'empty', textContent: 'No texts yet. Send a text to a customer from the desk (a repair order, "Text …"), and it shows up here as their phone received it.' })];
    }
    const ul = el('ul', { className: 'phones' });
    ul.setAttribute('aria-label', 'Phones');
    const sorted = [...state.phones].sort((a, b) => b.texts.at(-1).at.localeCompare(a.texts.at(-1).at));
    for (const p of sorted) {
      const last = p.texts.at(-1);
      const b = el('button', { type: 'button' },
        el('span', { className: 'who', textContent: label(p) }),
        el('span', { className: 'number', textContent: fmtNumber(p.phone) + ' · ' + p.texts.length + (p.texts.length === 1 ? ' text' : ' texts') }),
        el('span', { className: 'last', textContent: (last.direction === 'out' ? 'You: ' : '') + last.text }));
      b.addEventListener('click', () => { location.hash = '#/' + encodeURIComponent(p.phone); });
      ul.append(el('li', {}, b));
    }
    return [ul];
  }
  function thread(p) {
    const back = el('button', { type: 'button', textContent: 'All phones' });
    back.addEventListener('click', () => { location.hash = ''; });
    const shop = p.texts.at(-1).shop;
    const bar = el('div', { className: 'bar' }, back, el('div', {}, el('h2', { textContent: label(p) }), el('span', { className: 'number', textContent: 'Texts with ' + fmtNumber(shop) })));
    const calling = el('p', { className: 'hint', role: 'status' });
    const dial = (answered) => {
      const b = el('button', { type: 'button', textContent: answered ? 'Call the shop' : 'Call; nobody answers' });
      b.addEventListener('click', async () => {
        calling.textContent = 'Calling ' + fmtNumber(shop) + '…';
        try {
          const res = await fetch('/phone/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: p.phone, answered }) });
          const body = await res.json();
          calling.textContent = !res.ok ? (body.error || 'The call did not go through.') : body.answered ? 'The shop line answered (forwarded to ' + fmtNumber(body.forwardedTo) + '); you talked 1 min 35 s.' : 'Nobody answered: the desk shows a missed call.';
        } catch {
          calling.textContent = 'The demo phone is not answering; is npm start still running?';
        }
      });
      return b;
    };
    bar.append(dial(true), dial(false));
    const ol = el('ol', { className: 'texts' });
    ol.setAttribute('aria-label', 'Texts on ' + label(p));
    for (const t of p.texts) {
      const li = el('li', { className: t.direction }, linked(t.text), el('span', { className: 'when', textContent: (t.direction === 'out' ? 'Sent ' : 'Received ') + fmtTime(t.at) }));
      ol.append(li);
    }
    return [bar, ol, calling];
  }
  function replyForm(p) {
    const id = 'reply-text';
    const area = el('textarea', { id, rows: 1, maxLength: 1600 });
    const button = el('button', { type: 'submit', textContent: 'Send' });
    const form = el('form', {}, el('label', { htmlFor: id, textContent: 'Text message' }), area, button);
    form.setAttribute('aria-label', 'Reply as ' + (p.name || fmtNumber(p.phone)));
    const problem = el('p', { className: 'problem', role: 'alert' });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      problem.textContent = '';
      button.disabled = true;
      try {
        const res = await fetch('/phone/reply', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: p.phone, text: area.value }) });
        const body = await res.json();
        if (!res.ok) { problem.textContent = body.error || 'The text was not sent.'; return; }
        area.value = '';
        await refresh(true);
      } catch {
        problem.textContent = 'The demo phone is not answering; is npm start still running?';
      } finally {
        button.disabled = false;
      }
    });
    return [problem, form, el('p', { className: 'hint', textContent: 'Reply STOP and the shop can no longer text this number; START undoes it.' })];
  }
  let form = null;
  function render(force) {
    const number = current();
    const p = state.phones.find((x) => x.phone === number);
    const key = JSON.stringify([number, p ? p.texts.length : -1, state.phones.map((x) => x.texts.length)]);
    if (key === shown && !force) return;
    const formKey = p ? p.phone : null;
    if (!p) {
      app.replaceChildren(...list());
      form = null;
    } else {
      if (!form || form.key !== formKey) form = { key: formKey, nodes: replyForm(p) };
      const [bar, ol, calling] = thread(p);
      app.replaceChildren(bar, calling, ol, ...form.nodes);
      ol.scrollTop = ol.scrollHeight;
    }
    shown = key;
  }
  async function refresh(force) {
    try {
      const res = await fetch('/phone/texts', { cache: 'no-store' });
      state = await res.json();
      render(force);
    } catch { /* npm start stopped; the next poll tries again */ }
  }
  window.addEventListener('hashchange', () => render(true));
  refresh(true);
  setInterval(refresh, 2000);
})();
</script>
</body>
</html>
`;
