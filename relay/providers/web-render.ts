// The work-provider pages (issue 19): server-rendered HTML in the portal's manner (escaped
// templates, one stylesheet, one small script), branded with the provider's logo and name.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DELAY_REASONS } from '../../src-shared/exceptions.js';
import { html, type Html, raw } from '../portal/html.js';
import type { OpenException, RepairDetail, RepairSummary, ShopSla } from './access.js';
import type { ApiKey, DeliveryLogEntry } from '../provider-api/records.js';
import type { ShownEndpoint } from '../provider-api/integrations.js';
import { SCOPES } from '../provider-api/secrets.js';
import type { ProviderUser, SlaTargets, WorkProvider } from './records.js';
import { dateFormat, numberFormat } from '../../src-shared/locale/intl-formats.js';

const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232b;background:#f2f4f6}
a{color:#0b5cad}
header.top{background:#fff;border-bottom:1px solid #dde2e7}
header.top .wrap{display:flex;align-items:center;gap:14px;flex-wrap:wrap;padding-top:10px;padding-bottom:10px}
header.top .brand{display:flex;align-items:center;gap:10px;font-weight:700;font-size:1.05rem;color:#1d232b;text-decoration:none;margin-right:auto}
header.top .brand img{height:36px;width:auto;max-width:160px;object-fit:contain}
nav.main{display:flex;gap:4px;flex-wrap:wrap;align-items:center}
nav.main a{padding:6px 10px;border-radius:6px;text-decoration:none;color:#33404d}
nav.main a.on{background:#e6eef8;color:#0b5cad;font-weight:600}
nav.main form{margin:0}
nav.main button{background:none;color:#33404d;padding:6px 10px;font-weight:400}
.wrap{max-width:1100px;margin:0 auto;padding:0 16px}
main.wrap{padding-bottom:48px}
h1{font-size:1.4rem;margin:20px 0 8px}
.card{background:#fff;border-radius:10px;padding:16px;margin-top:14px;box-shadow:0 1px 2px rgba(0,0,0,.07)}
.card h2{font-size:.85rem;margin:0 0 8px;color:#4a5562;text-transform:uppercase;letter-spacing:.05em}
.muted{color:#5d6875;font-size:.9rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:0 14px}
.stage{font-size:1.5rem;font-weight:700;margin:0}
.pill{display:inline-block;border-radius:999px;padding:1px 10px;font-size:.85rem;background:#e6eef8;color:#0b5cad;font-weight:600}
.pill.warn{background:#fff1d6;color:#8a5200}
.pill.ok{background:#e1f4e6;color:#1d6b35}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:7px 8px;border-bottom:1px solid #e4e7ea;vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:#5d6875}
.scroll{overflow-x:auto}
ol.steps{list-style:none;margin:0;padding:0}
ol.steps li{padding:4px 0 4px 22px;position:relative}
ol.steps li::before{content:"";position:absolute;left:0;top:11px;width:10px;height:10px;border-radius:50%;background:#0b5cad}
ol.steps li:last-child{font-weight:700}
ol.steps .when{color:#5d6875;font-size:.9rem;margin-left:6px}
ul.plain{list-style:none;margin:0;padding:0}
ul.plain li{border-top:1px solid #e4e7ea;padding:6px 0}
ul.plain li:first-child{border-top:0}
.photos{display:grid;grid-template-columns:repeat(auto-fill,minmax(110px,1fr));gap:8px}
.photos img{width:100%;aspect-ratio:1;object-fit:cover;border-radius:6px;display:block}
form.find{display:flex;gap:8px;flex-wrap:wrap}
form.find input{flex:1;min-width:200px}
input,select{font:inherit;padding:9px 10px;border:1px solid #9aa4ae;border-radius:7px;background:#fff}
label{display:block;font-weight:600;margin:10px 0 4px}
button,.button{font:inherit;font-weight:600;border:0;border-radius:7px;padding:9px 16px;background:#0b5cad;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.quiet,.button.quiet{background:#e9edf1;color:#1d232b}
input.full{width:100%}
.whole{flex-basis:100%}
form.inline{display:inline}
button.danger{background:#b3261e}
.filters{display:flex;gap:10px;flex-wrap:wrap;align-items:flex-end}
.filters label{margin:0 0 4px;font-size:.85rem}
.alert{background:#fdecea;color:#8c1d18;border-radius:8px;padding:10px 12px;margin-top:12px}
.note{background:#e6eef8;border-radius:8px;padding:10px 12px;margin-top:12px}
.narrow{max-width:420px;margin:40px auto}
.live-note{font-size:.85rem;color:#1d6b35}
.secret{font-family:ui-monospace,monospace;font-size:1.05rem;letter-spacing:.08em;word-break:break-all}
.qr img{width:200px;height:200px}
.or{display:flex;align-items:center;gap:10px;color:#5d6875;font-size:.9rem;margin:14px 0}
.or::before,.or::after{content:"";flex:1;border-top:1px solid #dde2e7}
button.wide{width:100%}
.passkeys td form{margin:0}
.shown-once{background:#fff8e1;border:1px solid #f0d48a;border-radius:8px;padding:10px 12px;margin-top:12px}
.shown-once code{font-family:ui-monospace,monospace;word-break:break-all;font-size:.95rem}
.checks label{display:inline-flex;gap:6px;align-items:center;font-weight:400;margin:4px 14px 4px 0}
.checks input{width:auto}
fieldset.checks{border:0;padding:0;margin:10px 0 0}
fieldset.checks legend{padding:0}
.shown-once .copy-row{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-top:6px}
.shown-once .copy-row code{flex:1;min-width:0;background:#fff;border:1px solid #f0d48a;border-radius:6px;padding:6px 8px}
td.err{max-width:260px;word-break:break-word;font-size:.85rem;color:#8c1d18}
td.url{word-break:break-all}
form.add{margin-top:16px;border-top:1px solid #e4e7ea;padding-top:4px}
form.add h3{font-size:1rem;margin:10px 0 0}
.logo-now img{max-height:64px;max-width:240px;display:block;margin:4px 0}
input[type=file]{border:0;padding:6px 0}
@media (max-width:600px){
  th.wide,td.wide{display:none}
  h1{font-size:1.2rem}
  header.top .wrap{gap:6px}
  table.stack thead{display:none}
  table.stack tr{display:block;border-bottom:1px solid #e4e7ea;padding:8px 0}
  table.stack td{display:block;border:0;padding:2px 0}
  table.stack td:empty{display:none}
  table.stack td.err{max-width:none}
  table.stack td[data-label]::before{content:attr(data-label) ": ";color:#5d6875;font-size:.85rem}
}
`;

const SCRIPT = `
(function(){
  document.querySelectorAll('button[data-copy]').forEach(function(b){
    b.hidden=false;
    b.addEventListener('click',function(){
      var el=document.getElementById(b.getAttribute('data-copy'));
      if(!el||!navigator.clipboard)return;
      navigator.clipboard.writeText(el.textContent.trim()).then(function(){b.textContent='Copied';},function(){b.textContent='Select and copy it';});
    });
  });
})();
(function(){
  var el=document.querySelector('[data-live-src]');
  if(!el)return;
  var src=el.getAttribute('data-live-src'),events=el.getAttribute('data-events');
  function refresh(){
    fetch(src,{credentials:'same-origin',headers:{'accept':'text/html'}}).then(function(r){
      if(r.status===200)return r.text().then(function(t){el.innerHTML=t;var n=document.getElementById('live-note');if(n)n.textContent='Updated '+new Date().toLocaleTimeString();});
      if(r.status===404||r.status===401){el.innerHTML='<p class="alert">This repair is no longer shared with you.</p>';if(es)es.close();}
    });
  }
  var es=null;
  if(window.EventSource){
    es=new EventSource(events);
    es.addEventListener('changed',refresh);
    es.addEventListener('gone',function(){es.close();refresh();});
    es.onerror=function(){if(es.readyState===2)refresh();};
  } else setInterval(refresh,5000);
})();
(function(){
  var W=window.SimpleWebAuthnBrowser;
  function post(url,token,body){
    return fetch(url,{method:'POST',credentials:'same-origin',headers:{'content-type':'application/json','x-csrf-token':token},body:JSON.stringify(body||{})}).then(function(r){
      return r.text().then(function(t){var j={};try{j=JSON.parse(t);}catch(e){j={message:t};}if(!r.ok)throw new Error(j.message||'Refused ('+r.status+')');return j;});
    });
  }
  function say(id,msg){var el=document.getElementById(id);if(el){el.textContent=msg;el.hidden=false;}}
  var add=document.getElementById('passkey-add');
  if(add){
    if(!W||!W.browserSupportsWebAuthn()){say('passkey-status','This browser cannot make passkeys.');add.querySelector('button').disabled=true;}
    add.addEventListener('submit',function(ev){
      ev.preventDefault();
      var token=add.querySelector('[name=_csrf]').value,name=add.querySelector('[name=name]').value;
      say('passkey-status','Follow your browser or phone to make the passkey…');
      post('/provider/passkeys/options',token).then(function(o){
        return W.startRegistration({optionsJSON:o.options}).then(function(answer){return post('/provider/passkeys',token,{challengeId:o.challengeId,name:name,response:answer});});
      }).then(function(){location.href='/provider/account?added=1';},function(e){say('passkey-status','No passkey was added: '+(e&&e.message||e));});
    });
  }
  var sign=document.getElementById('passkey-sign-in');
  if(sign){
    if(!W||!W.browserSupportsWebAuthn()){sign.hidden=true;return;}
    sign.addEventListener('click',function(){
      var token=sign.getAttribute('data-csrf');
      post('/provider/sign-in/passkey/options',token).then(function(o){
        return W.startAuthentication({optionsJSON:o.options}).then(function(answer){return post('/provider/sign-in/passkey',token,{challengeId:o.challengeId,response:answer});});
      }).then(function(j){location.href=j.next;},function(e){say('passkey-error','Not signed in with a passkey: '+(e&&e.message||e));});
    });
  }
})();
`;

function asset(path: string, type: string, body: string) {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: path.replace('*', hash), type, body };
}

export const PROVIDER_CSS = asset('/provider/assets/provider-*.css', 'text/css; charset=utf-8', CSS);
export const PROVIDER_JS = asset('/provider/assets/provider-*.js', 'text/javascript; charset=utf-8', SCRIPT);

/** @simplewebauthn/browser's own bundle, served by the relay (script-src 'self'), loaded only where passkeys are used. */
function packageFile(pkg: string, file: string): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve(pkg));
  const isRoot = (d: string) => fs.existsSync(path.join(d, 'package.json')) && (JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')) as { name?: string }).name === pkg;
  while (!isRoot(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return fs.readFileSync(path.join(dir, file), 'utf8');
}
export const WEBAUTHN_JS = asset('/provider/assets/webauthn-*.js', 'text/javascript; charset=utf-8', packageFile('@simplewebauthn/browser', 'dist/bundle/index.umd.min.js'));

export interface PageContext {
  provider: WorkProvider | null;
  user: ProviderUser | null;
  csrf: string | null;
  /** Which menu item is lit. */
  section?: 'find' | 'exceptions' | 'sla' | 'team' | 'api' | 'account';
  /** The page uses passkeys (loads the WebAuthn browser code). */
  passkeys?: boolean;
}

export function page(ctx: PageContext, title: string, body: Html): string {
  const brand = ctx.provider
    ? html`<a class="brand" href="/provider">${ctx.provider.logo ? html`<img src="/provider/logo/${ctx.provider.slug}" alt="">` : ''}<span>${ctx.provider.name}</span></a>`
    : html`<span class="brand">Bayline repair tracking</span>`;
  const item = (key: PageContext['section'], href: string, label: string) => html`<a href="${href}" class="${ctx.section === key ? 'on' : ''}">${label}</a>`;
  const nav =
    ctx.user && ctx.csrf
      ? html`<nav class="main" aria-label="Main">
          ${item('find', '/provider', 'Find a repair')} ${item('exceptions', '/provider/exceptions', 'Exceptions')} ${item('sla', '/provider/sla', 'SLA')}
          ${ctx.user.role === 'admin' ? html`${item('team', '/provider/team', 'Team')} ${item('api', '/provider/api', 'API & webhooks')}` : ''} ${item('account', '/provider/account', ctx.user.name)}
          <form method="post" action="/provider/sign-out"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit">Sign out</button></form>
        </nav>`
      : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · ${ctx.provider?.name ?? 'Bayline'}</title>
<link rel="stylesheet" href="${PROVIDER_CSS.path}"></head>
<body><header class="top"><div class="wrap">${brand}${nav}</div></header>
<main class="wrap">${body}</main>
${ctx.passkeys ? html`<script src="${WEBAUTHN_JS.path}" defer></script>` : ''}<script src="${PROVIDER_JS.path}" defer></script></body></html>`.value;
}

export const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`;

export function signInPage(options: { csrf: string; error?: string; email?: string; provider: WorkProvider | null }): Html {
  return html`<div class="narrow card"><h1>Sign in</h1>
    <p class="muted">Follow the repairs of the shops that work for ${options.provider?.name ?? 'your company'}.</p>
    ${options.error ? html`<p class="alert" role="alert">${options.error}</p>` : ''}
    <form method="post" action="/provider/sign-in">${csrfField(options.csrf)}
      <label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" required value="${options.email ?? ''}" class="full">
      <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required class="full">
      <p><button type="submit">Continue</button></p>
    </form>
    <div class="or">or</div>
    <p><button type="button" class="quiet wide" id="passkey-sign-in" data-csrf="${options.csrf}">Sign in with a passkey</button></p>
    <p class="alert" role="alert" id="passkey-error" hidden></p></div>`;
}

export function codePage(options: { csrf: string; error?: string }): Html {
  return html`<div class="narrow card"><h1>Sign-in code</h1>
    <p class="muted">Type the 6-digit code your authenticator app shows for Bayline.</p>
    ${options.error ? html`<p class="alert" role="alert">${options.error}</p>` : ''}
    <form method="post" action="/provider/sign-in/code">${csrfField(options.csrf)}
      <label for="code">Code</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required class="full">
      <p><button type="submit">Sign in</button></p>
    </form></div>`;
}

export function invitePage(options: { csrf: string; name: string; email: string; providerName: string; error?: string }): Html {
  return html`<div class="narrow card"><h1>Welcome, ${options.name}</h1>
    <p class="muted">Your account at ${options.providerName}: ${options.email}. Choose a password (12 characters or more); next you set up a sign-in code app.</p>
    ${options.error ? html`<p class="alert" role="alert">${options.error}</p>` : ''}
    <form method="post">${csrfField(options.csrf)}
      <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="12" required class="full">
      <label for="again">Password again</label><input id="again" name="again" type="password" autocomplete="new-password" minlength="12" required class="full">
      <p><button type="submit">Continue</button></p>
    </form></div>`;
}

export function setupCodePage(options: { csrf: string; secret: string; qrDataUrl: string; error?: string }): Html {
  return html`<div class="narrow card"><h1>Set up your sign-in code</h1>
    <p>Scan this with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password…), or type the key by hand.</p>
    <p class="qr"><img src="${options.qrDataUrl}" alt="QR code of the sign-in key"></p>
    <p class="secret" id="totp-secret">${options.secret}</p>
    ${options.error ? html`<p class="alert" role="alert">${options.error}</p>` : ''}
    <form method="post" action="/provider/setup-code">${csrfField(options.csrf)}
      <label for="code">The 6-digit code it shows</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required class="full">
      <p><button type="submit">Finish</button></p>
    </form></div>`;
}

export function messagePage(title: string, text: string): Html {
  return html`<div class="narrow card"><h1>${title}</h1><p>${text}</p><p><a href="/provider/sign-in">Sign in</a></p></div>`;
}

/** A date the en-US way, with a formatter made once per shape (src-shared/locale/intl-formats.ts). */
function formatDate(at: Date, options: Intl.DateTimeFormatOptions): string {
  return Number.isNaN(at.getTime()) ? '' : dateFormat('en-US', options).format(at);
}
const usd = numberFormat('en-US', { style: 'currency', currency: 'USD' });

const day = (iso: string | null, zone: string) =>
  iso ? formatDate(new Date(iso), { timeZone: zone, month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' }) : '';
const dateOnly = (d: string | null) => (d ? formatDate(new Date(`${d}T12:00:00Z`), { timeZone: 'UTC', weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' }) : 'not set');
const money = (cents: number | null) => (cents == null ? '—' : usd.format(cents / 100));

export function findPage(options: { query: string; hits: RepairSummary[] | null; shops: Array<{ name: string; phone: string | null }> }): Html {
  const results =
    options.hits === null
      ? ''
      : options.hits.length === 0
        ? html`<p class="note" id="no-hits">No repair with claim number or plate “${options.query}” at the shops that share with you.</p>`
        : html`<div class="card scroll"><table id="hits"><thead><tr><th>Claim</th><th>Plate</th><th class="wide">Vehicle</th><th>Shop</th><th>Stage</th><th class="wide">Promised</th></tr></thead><tbody>
            ${options.hits.map(
              (h) => html`<tr><td><a href="/provider/r/${h.workspaceId}/${h.roId}">${h.claimNumber ?? `RO ${h.roNumber ?? ''}`}</a></td><td>${h.plate ?? ''}</td><td class="wide">${h.vehicle}</td><td>${h.shopName}</td><td>${h.closedAt ? 'Delivered' : h.stageLabel}</td><td class="wide">${dateOnly(h.promisedDate)}</td></tr>`,
            )}
          </tbody></table></div>`;
  return html`<h1>Find a repair</h1>
    <form class="find" method="get" action="/provider/find" role="search">
      <input name="q" aria-label="Claim number or plate" placeholder="Claim number or plate" value="${options.query}" autofocus>
      <button type="submit">Find</button>
    </form>
    <p class="muted">Spaces, dashes and capitals do not matter: “7abc 123” finds 7ABC-123.</p>
    ${results}
    <div class="card"><h2>Shops sharing with you</h2>
      ${options.shops.length === 0 ? html`<p class="muted">No shop shares its repairs with you yet.</p>` : html`<ul class="plain">${options.shops.map((s) => html`<li>${s.name}${s.phone ? html` <span class="muted">· ${s.phone}</span>` : ''}</li>`)}</ul>`}
    </div>`;
}

export function repairSection(d: RepairDetail): Html {
  const zone = d.shop.timeZone;
  const open = d.exceptions.filter((x) => !x.resolvedAt);
  const closed = d.exceptions.filter((x) => x.resolvedAt);
  return html`
    <div class="grid">
      <div class="card" id="now"><h2>Now</h2>
        <p class="stage" id="stage">${d.closedAt ? 'Delivered' : d.stageLabel}</p>
        <p class="muted">${d.vehicle}${d.plate ? ` · ${d.plate}` : ''}${d.vin ? ` · VIN ${d.vin}` : ''}</p>
        <p>Claim <strong>${d.claimNumber ?? '—'}</strong> · RO ${d.roNumber ?? ''} · ${d.insurer ?? ''}${d.customerName ? ` · ${d.customerName}` : ''}</p>
        <p>Promised: <strong id="promised">${dateOnly(d.promisedDate)}</strong></p>
        <p>Courtesy car: ${d.courtesyCar || 'none'}</p>
        ${open.length > 0 ? html`<p>${open.map((x) => html`<span class="pill warn">${x.reasonLabel}</span> `)}</p>` : ''}
      </div>
      <div class="card"><h2>Stages</h2>
        <ol class="steps" id="stages">${d.stages.map((s) => html`<li>${s.label}<span class="when">${day(s.at, zone)}</span></li>`)}</ol>
        ${d.firstNoticeAt ? html`<p class="muted">First notice ${day(d.firstNoticeAt, zone)} · checked in ${day(d.checkedInAt, zone)}</p>` : ''}
      </div>
      <div class="card"><h2>Promised date</h2>
        ${d.promisedDateChanges.length === 0 ? html`<p class="muted">Never moved.</p>` : html`<ul class="plain" id="date-changes">${d.promisedDateChanges.map((c) => html`<li>${c.from ? html`${dateOnly(c.from)} → ` : 'Set to '}<strong>${dateOnly(c.to)}</strong><br><span class="muted">${c.reason ?? 'no reason given'} · ${day(c.at, zone)}</span></li>`)}</ul>`}
      </div>
      <div class="card"><h2>Exceptions</h2>
        ${d.exceptions.length === 0 ? html`<p class="muted">None.</p>` : ''}
        <ul class="plain" id="exceptions">
          ${open.map((x) => html`<li><span class="pill warn">open</span> ${x.reasonLabel} <span class="muted">${x.tag ?? ''} · since ${day(x.openedAt, zone)}</span></li>`)}
          ${closed.map((x) => html`<li><span class="pill ok">closed</span> ${x.reasonLabel} <span class="muted">${day(x.openedAt, zone)} – ${day(x.resolvedAt, zone)}</span></li>`)}
        </ul>
      </div>
      ${d.shares.photos ? html`<div class="card"><h2>Photos</h2>${d.photos.length === 0 ? html`<p class="muted">None shared yet.</p>` : html`<div class="photos">${d.photos.map((p) => html`<a href="/provider/r/${d.workspaceId}/${d.roId}/files/${p.id}"><img src="/provider/r/${d.workspaceId}/${d.roId}/files/${p.id}" alt="${p.caption ?? p.fileName ?? 'Photo'}" loading="lazy"></a>`)}</div>`}</div>` : ''}
      ${d.shares.documents ? html`<div class="card"><h2>Documents</h2>${d.documents.length === 0 ? html`<p class="muted">None shared yet.</p>` : html`<ul class="plain">${d.documents.map((f) => html`<li><a href="/provider/r/${d.workspaceId}/${d.roId}/files/${f.id}">${f.fileName ?? 'Document'}</a></li>`)}</ul>`}</div>` : ''}
      ${d.shares.messages ? html`<div class="card"><h2>Messages</h2>${d.messages.length === 0 ? html`<p class="muted">None shared yet.</p>` : html`<ul class="plain">${d.messages.map((m) => html`<li>${m.body}<br><span class="muted">${m.direction === 'in' ? 'From the customer' : 'From the shop'} · ${day(m.at, zone)}</span></li>`)}</ul>`}</div>` : ''}
      ${d.amounts ? html`<div class="card"><h2>Amounts</h2><p>Estimate ${money(d.amounts.estimateTotalCents)} · deductible ${money(d.amounts.deductibleCents)}</p></div>` : ''}
      <div class="card"><h2>Shop</h2><p><strong>${d.shop.name}</strong></p>
        ${d.shop.phone ? html`<p><a href="tel:${d.shop.phone}">${d.shop.phone}</a></p>` : ''}${d.shop.email ? html`<p><a href="mailto:${d.shop.email}">${d.shop.email}</a></p>` : ''}${d.shop.address ? html`<p class="muted">${d.shop.address}</p>` : ''}
      </div>
    </div>`;
}

export function repairPage(d: RepairDetail): Html {
  return html`<h1>Claim ${d.claimNumber ?? '—'} <span class="muted">at ${d.shopName}</span></h1>
    <p class="live-note" id="live-note" aria-live="polite">Live: this page follows the shop's changes.</p>
    <div id="repair" data-live-src="/provider/r/${d.workspaceId}/${d.roId}/live" data-events="/provider/r/${d.workspaceId}/${d.roId}/events">${repairSection(d)}</div>`;
}

export const AGE_FILTERS = [0, 2, 7, 14, 30] as const;

export function exceptionsPage(options: { rows: OpenException[]; shops: Array<{ id: string; name: string }>; reason: string; shop: string; age: number; query: string }): Html {
  return html`<h1>Open exceptions</h1>
    <form class="filters card" method="get" action="/provider/exceptions">
      <div><label for="reason">Reason</label><select id="reason" name="reason"><option value="">Every reason</option>${Object.entries(DELAY_REASONS).map(([k, v]) => html`<option value="${k}" ${options.reason === k ? raw('selected') : ''}>${v}</option>`)}</select></div>
      <div><label for="shop">Shop</label><select id="shop" name="shop"><option value="">Every shop</option>${options.shops.map((s) => html`<option value="${s.id}" ${options.shop === s.id ? raw('selected') : ''}>${s.name}</option>`)}</select></div>
      <div><label for="age">Open for</label><select id="age" name="age">${AGE_FILTERS.map((a) => html`<option value="${a}" ${options.age === a ? raw('selected') : ''}>${a === 0 ? 'Any time' : `${a}+ days`}</option>`)}</select></div>
      <div><button type="submit">Show</button> <a class="button quiet" href="/provider/exceptions.csv${options.query}" id="csv">Export CSV</a></div>
    </form>
    <div class="card scroll">${
      options.rows.length === 0
        ? html`<p class="muted" id="no-exceptions">No open exception matches.</p>`
        : html`<table id="exceptions"><thead><tr><th>Age</th><th>Reason</th><th>Shop</th><th>Claim</th><th class="wide">Plate</th><th class="wide">Opened</th></tr></thead><tbody>${options.rows.map(
            (x) => html`<tr><td>${x.ageDays} d</td><td>${x.reasonLabel}</td><td>${x.shopName}</td><td><a href="/provider/r/${x.workspaceId}/${x.roId}">${x.claimNumber ?? `RO ${x.roNumber ?? ''}`}</a></td><td class="wide">${x.plate ?? ''}</td><td class="wide">${x.openedAt?.slice(0, 10) ?? ''}</td></tr>`,
          )}</tbody></table>`
    }</div>`;
}

export function slaPage(options: { rows: ShopSla[]; targets: SlaTargets; csrf: string; admin: boolean; saved?: boolean; error?: string }): Html {
  const t = options.targets;
  const verdict = (value: number | null, target: number | undefined) =>
    value === null ? html`<span class="muted">—</span>` : target === undefined ? html`${value} d` : value <= target ? html`<span class="pill ok">${value} d</span>` : html`<span class="pill warn">${value} d</span>`;
  const overdueShare = (s: ShopSla) => (s.openRepairs === 0 ? 0 : Math.round((s.pastPromised.length / s.openRepairs) * 100));
  return html`<h1>SLA by shop</h1>
    <p class="muted">Targets: first notice → repair start ${t.firstNoticeToStartDays ?? '—'} d · cycle time ${t.cycleDays ?? '—'} d · past promised date ${t.overduePercent ?? '—'} % of open repairs.</p>
    <div class="card scroll"><table id="sla"><thead><tr><th>Shop</th><th>Open</th><th>Past promised date</th><th>First notice → start</th><th>Cycle time</th></tr></thead><tbody>
      ${options.rows.map(
        (s) => html`<tr><td>${s.shopName}</td><td>${s.openRepairs}</td>
          <td>${t.overduePercent !== undefined && overdueShare(s) > t.overduePercent ? html`<span class="pill warn">${s.pastPromised.length}</span>` : html`<span class="pill ok">${s.pastPromised.length}</span>`}
            ${s.pastPromised.length > 0 ? html`<br><span class="muted">${s.pastPromised.map((p) => html`${p.claimNumber ?? `RO ${p.roNumber}`} (${p.promisedDate}) `)}</span>` : ''}</td>
          <td>${verdict(s.firstNoticeToStartDays, t.firstNoticeToStartDays)} <span class="muted">over ${s.startedCount}</span></td>
          <td>${verdict(s.cycleDays, t.cycleDays)} <span class="muted">over ${s.deliveredCount}</span></td></tr>`,
      )}
    </tbody></table></div>
    ${
      options.admin
        ? html`<form class="card filters" method="post" action="/provider/sla">${csrfField(options.csrf)}
        ${options.saved ? html`<p class="note whole">Targets saved.</p>` : ''}${options.error ? html`<p class="alert whole">${options.error}</p>` : ''}
        <div><label for="t-start">First notice → start (days)</label><input id="t-start" name="firstNoticeToStartDays" inputmode="decimal" value="${t.firstNoticeToStartDays ?? ''}"></div>
        <div><label for="t-cycle">Cycle time (days)</label><input id="t-cycle" name="cycleDays" inputmode="decimal" value="${t.cycleDays ?? ''}"></div>
        <div><label for="t-over">Past promised (% of open)</label><input id="t-over" name="overduePercent" inputmode="decimal" value="${t.overduePercent ?? ''}"></div>
        <div><button type="submit">Save targets</button></div></form>`
        : ''
    }`;
}

export function teamPage(options: { users: ProviderUser[]; me: ProviderUser; csrf: string; notice?: string; error?: string; link?: string; provider: WorkProvider }): Html {
  const status = (u: ProviderUser) => (u.removedAt ? 'removed' : u.lockedAt ? 'locked' : u.totpConfirmedAt ? 'active' : 'invited');
  return html`<h1>Team</h1>
    ${options.notice ? html`<p class="note">${options.notice}</p>` : ''}${options.error ? html`<p class="alert">${options.error}</p>` : ''}
    ${options.link ? html`<p class="note">No mail server is set on this relay, so give them this link yourself (it works once, for 72 hours):<br><code>${options.link}</code></p>` : ''}
    <div class="card scroll"><table id="team"><thead><tr><th>Name</th><th class="wide">E-mail</th><th>Role</th><th>Status</th><th></th></tr></thead><tbody>
      ${options.users.map(
        (u) => html`<tr><td>${u.name}</td><td class="wide">${u.email}</td><td>${u.role}</td><td>${status(u)}</td><td>
          ${!u.removedAt && u.id !== options.me.id ? html`<form method="post" action="/provider/team/${u.id}/remove" class="inline">${csrfField(options.csrf)}<button class="danger" type="submit">Remove</button></form>` : ''}
          ${u.lockedAt && !u.removedAt ? html`<form method="post" action="/provider/team/${u.id}/unlock" class="inline">${csrfField(options.csrf)}<button class="quiet" type="submit">Unlock</button></form>` : ''}
        </td></tr>`,
      )}
    </tbody></table></div>
    <form class="card" method="post" action="/provider/team/invite">${csrfField(options.csrf)}<h2>Invite someone</h2>
      <div class="filters"><div><label for="i-name">Name</label><input id="i-name" name="name" required></div>
      <div><label for="i-email">E-mail</label><input id="i-email" name="email" type="email" required></div>
      <div><label for="i-role">Role</label><select id="i-role" name="role"><option value="member">Member</option><option value="admin">Administrator</option></select></div>
      <div><button type="submit">Send invitation</button></div></div>
    </form>
    <form class="card" id="logo" method="post" action="/provider/team/logo" enctype="multipart/form-data">${csrfField(options.csrf)}<h2>Your logo</h2>
      <p class="muted">Shown at the top of every page your team sees. PNG, JPEG or WebP, 200 KB at most; a wide logo about 64 pixels high looks best.</p>
      ${options.provider.logo ? html`<p class="logo-now"><img src="/provider/logo/${options.provider.slug}?v=${options.provider.logo.data.length}" alt="Current logo of ${options.provider.name}"></p>` : html`<p id="no-logo">No logo yet: the pages show your company's name.</p>`}
      <div class="filters"><div><label for="logo-file">Logo file</label><input id="logo-file" name="logo" type="file" accept="image/png,image/jpeg,image/webp" required></div>
      <div><button type="submit">Upload logo</button></div></div>
    </form>`;
}

export interface PasskeyRow {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const onDay = (iso: string | null) => (iso ? formatDate(new Date(iso), { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' }) : 'never');

export function accountPage(options: { user: ProviderUser; csrf: string; notice?: string; passkeys: PasskeyRow[]; passkeysPossible: boolean }): Html {
  const rows = options.passkeys.map(
    (p) => html`<tr><td>${p.name}</td><td>${onDay(p.createdAt)}</td><td>${onDay(p.lastUsedAt)}</td>
      <td><form method="post" action="/provider/passkeys/${p.id}/remove">${csrfField(options.csrf)}<button type="submit" class="quiet" aria-label="Remove passkey ${p.name}">Remove</button></form></td></tr>`,
  );
  return html`<h1>Your account</h1>${options.notice ? html`<p class="note" role="status">${options.notice}</p>` : ''}
    <div class="card" id="passkeys"><h2>Passkeys</h2>
      <p class="muted">A passkey signs you in with your fingerprint, face or device PIN, without password or code.</p>
      ${options.passkeys.length
        ? html`<div class="scroll"><table class="passkeys"><thead><tr><th>Name</th><th>Added</th><th>Last used</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>`
        : html`<p id="no-passkeys">You have no passkey yet.</p>`}
      ${options.passkeysPossible
        ? html`<form id="passkey-add" class="find" method="post" action="/provider/passkeys">${csrfField(options.csrf)}
            <label for="passkey-name" class="whole">Name it (which device)</label><input id="passkey-name" name="name" maxlength="60" placeholder="Work laptop">
            <button type="submit">Add a passkey</button></form>
          <p class="note" id="passkey-status" role="status" hidden></p>`
        : html`<p class="note">Passkeys need this site at a named https address; ask the operator.</p>`}
    </div>
    <div class="card"><p><strong>${options.user.name}</strong> · ${options.user.email} · ${options.user.role}</p>
      <form method="post" action="/provider/sign-out-everywhere">${csrfField(options.csrf)}<p class="muted">Signs you out on every browser and phone, this one too.</p><button class="danger" type="submit">Sign out everywhere</button></form>
    </div>`;
}

// ---- API keys and webhooks (provider admins) -------------------------------------------------

const SCOPE_LABELS: Record<(typeof SCOPES)[number], string> = {
  'repairs:read': 'Repairs (lookup and detail)',
  'exceptions:read': 'Open exceptions',
  'sla:read': 'SLA by shop',
  'webhooks:read': 'Webhook events (catch-up feed)',
};

const EVENT_LABELS: Record<string, string> = {
  'stage-changed': 'Stage changed',
  'promised-date-revised': 'Promised date revised',
  'exception-opened': 'Exception opened',
  'exception-closed': 'Exception closed',
  delivered: 'Delivered',
};

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

const when = (iso: string | null) =>
  iso ? formatDate(new Date(iso), { timeZone: 'UTC', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }) + ' UTC' : '—';

export interface IntegrationsView {
  keys: ApiKey[];
  endpoints: ShownEndpoint[];
  deliveries: DeliveryLogEntry[];
  status: string;
  csrf: string;
  apiUrl: string;
  notice?: string;
  error?: string;
  /** A key or signing secret just made: shown on this answer only. */
  shownOnce?: { what: 'key' | 'secret'; name: string; value: string };
  /** What the forms held when they were refused (typed again otherwise). */
  form?: { name?: string; scopes?: string[]; url?: string; description?: string };
}

export function integrationsPage(v: IntegrationsView): Html {
  const live = v.endpoints.filter((e) => !e.removedAt);
  const once = v.shownOnce
    ? html`<div class="shown-once" id="shown-once" role="status"><strong>${v.shownOnce.what === 'key' ? html`API key “${v.shownOnce.name}”` : html`Signing secret of ${v.shownOnce.name}`}</strong>
        <div class="copy-row"><code id="new-secret">${v.shownOnce.value}</code><button type="button" class="quiet" data-copy="new-secret" hidden>Copy</button></div>
        <p>Copy it now and keep it in your system's secret store: it is <strong>not shown again</strong>. Lost it? ${v.shownOnce.what === 'key' ? 'Revoke this key and make a new one.' : 'Remove this endpoint and add it again.'}</p></div>`
    : '';
  const scopeChecked = (s: string) => (v.form?.scopes ? v.form.scopes.includes(s) : s === 'repairs:read');
  const keys = v.keys.length === 0
    ? html`<p class="muted" id="no-keys">No API key yet.</p>`
    : html`<div class="scroll"><table id="keys" class="stack"><thead><tr><th>Name</th><th>Scopes</th><th class="wide">Created</th><th class="wide">Last used</th><th>Status</th><th></th></tr></thead><tbody>${v.keys.map(
        (k) => html`<tr><td>${k.name}<br><span class="muted"><code>${k.prefix}…</code></span></td><td>${k.scopes.join(', ')}</td><td class="wide" data-label="Created">${onDay(k.createdAt)}<br><span class="muted">${k.createdBy}</span></td><td class="wide" data-label="Last used">${k.lastUsedAt ? when(k.lastUsedAt) : 'never'}</td>
          <td>${k.revokedAt ? html`<span class="pill warn">revoked</span> <span class="muted">${onDay(k.revokedAt)}</span>` : html`<span class="pill ok">live</span>`}</td>
          <td>${k.revokedAt ? '' : html`<a class="button quiet" href="/provider/api/keys/${k.id}/revoke" aria-label="Revoke key ${k.name}">Revoke</a>`}</td></tr>`,
      )}</tbody></table></div>`;
  const endpoints = live.length === 0
    ? html`<p class="muted" id="no-endpoints">No webhook endpoint yet.</p>`
    : html`<div class="scroll"><table id="endpoints" class="stack"><thead><tr><th>Address</th><th class="wide">Description</th><th class="wide">Added</th><th></th></tr></thead><tbody>${live.map(
        (e) => html`<tr><td class="url">${e.url}</td><td class="wide">${e.description ?? ''}</td><td class="wide" data-label="Added">${onDay(e.createdAt)}<br><span class="muted">${e.createdBy}</span></td>
          <td><a class="button quiet" href="/provider/api/webhooks/${e.id}/remove" aria-label="Remove endpoint ${e.url}">Remove</a></td></tr>`,
      )}</tbody></table></div>`;
  const statusPill = (d: DeliveryLogEntry) =>
    html`<span class="pill ${d.status === 'delivered' ? 'ok' : d.status === 'pending' ? '' : 'warn'}">${d.status}</span>${d.lastStatusCode ? html` <span class="muted">HTTP ${d.lastStatusCode}</span>` : ''}`;
  const deliveries = v.deliveries.length === 0
    ? html`<p class="muted" id="no-deliveries">${v.status ? `No ${v.status} delivery.` : 'Nothing sent yet. Events come when a shop moves a stage, revises a promised date, opens or closes an exception, or delivers a car.'}</p>`
    : html`<div class="scroll"><table id="deliveries" class="stack"><thead><tr><th>Event</th><th>Repair</th><th>Status</th><th class="wide">Next try</th><th>Last error</th><th></th></tr></thead><tbody>${v.deliveries.map(
        (d) => html`<tr><td>${EVENT_LABELS[d.kind] ?? d.kind}<br><span class="muted">${when(d.createdAt)} · to ${hostOf(d.url)}</span></td>
          <td>${d.claimNumber ? html`<a href="/provider/r/${d.workspaceId}/${d.roId}">${d.claimNumber}</a>` : html`<a href="/provider/r/${d.workspaceId}/${d.roId}">RO</a>`}</td>
          <td>${statusPill(d)}<br><span class="muted">${d.attempts === 1 ? '1 attempt' : `${d.attempts} attempts`}</span></td><td class="wide" data-label="Next try">${d.nextAttemptAt ? when(d.nextAttemptAt) : '—'}</td><td class="err">${d.lastError ?? ''}</td>
          <td>${d.status === 'failed' ? html`<form method="post" action="/provider/api/deliveries/${d.endpointId}/${encodeURIComponent(d.eventId)}/retry" class="inline">${csrfField(v.csrf)}<button type="submit" class="quiet">Retry</button></form>` : ''}</td></tr>`,
      )}</tbody></table></div>`;
  return html`<h1>API &amp; webhooks</h1>
    <p class="muted">For your own systems: read repairs with an API key (<a href="${v.apiUrl}/openapi.json">OpenAPI description</a>), and receive signed events at your web address.</p>
    ${v.notice ? html`<p class="note" role="status">${v.notice}</p>` : ''}${v.error ? html`<p class="alert" role="alert">${v.error}</p>` : ''}
    ${once}
    <div class="card" id="api-keys"><h2>API keys</h2>${keys}
      <form class="add" method="post" action="/provider/api/keys">${csrfField(v.csrf)}<h3>New key</h3>
        <div class="filters"><div><label for="k-name">Name (what uses it)</label><input id="k-name" name="name" maxlength="80" required placeholder="Claims system" value="${v.form?.name ?? ''}"></div></div>
        <fieldset class="checks"><legend class="muted">What it may read</legend>
          ${SCOPES.map((s) => html`<label><input type="checkbox" name="scopes" value="${s}" ${scopeChecked(s) ? raw('checked') : ''}> ${SCOPE_LABELS[s]}</label>`)}
        </fieldset>
        <p><button type="submit">Create key</button></p>
        <p class="muted">Send it as <code>Authorization: Bearer bkp_…</code> to ${v.apiUrl}; never in the address.</p>
      </form>
    </div>
    <div class="card" id="webhooks"><h2>Webhook endpoints</h2>${endpoints}
      <form class="add" method="post" action="/provider/api/webhooks">${csrfField(v.csrf)}<h3>New endpoint</h3>
        <div class="filters"><div class="whole"><label for="w-url">Address (https://…)</label><input id="w-url" name="url" type="url" required class="full" placeholder="https://claims.example.com/bayline" value="${v.form?.url ?? ''}"></div>
        <div class="whole"><label for="w-desc">Description (optional)</label><input id="w-desc" name="description" maxlength="200" class="full" value="${v.form?.description ?? ''}"></div>
        <div><button type="submit">Add endpoint</button></div></div>
        <p class="muted">Each event is signed: check the <code>Bayline-Signature</code> header (HMAC-SHA256 of the timestamp, a dot and the body, with the endpoint's signing secret).</p>
      </form>
    </div>
    <div class="card" id="delivery-log"><h2>Deliveries</h2>
      <form class="filters" method="get" action="/provider/api"><div><label for="d-status">Status</label><select id="d-status" name="status"><option value="">Every status</option>${['pending', 'delivered', 'failed', 'withheld'].map((st) => html`<option value="${st}" ${v.status === st ? raw('selected') : ''}>${st}</option>`)}</select></div><div><button type="submit" class="quiet">Show</button></div></form>
      ${deliveries}
    </div>`;
}

export function confirmPage(options: { title: string; text: string; action: string; button: string; csrf: string }): Html {
  return html`<div class="narrow card"><h1>${options.title}</h1><p>${options.text}</p>
    <form method="post" action="${options.action}">${csrfField(options.csrf)}<p><button type="submit" class="danger">${options.button}</button> <a class="button quiet" href="/provider/api">Cancel</a></p></form></div>`;
}
