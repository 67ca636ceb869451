// The portal's one stylesheet and one script, served from the relay itself (no third-party
// origin anywhere), named by their content hash so phones may cache them for good. The pages
// work without the script: it only adds live updates and upload progress.
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';

const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232b;background:#f4f5f7}
a{color:var(--primary)}
img{max-width:100%;display:block}
.wrap{max-width:640px;margin:0 auto;padding:0 16px 48px}
header.shop{background:var(--primary);color:#fff;padding:14px 16px}
header.shop .wrap{display:flex;align-items:center;gap:12px;padding:0}
header.shop img{height:40px;width:auto;border-radius:4px;background:#fff}
header.shop h1{font-size:1.1rem;margin:0;flex:1;line-height:1.25}
.call{display:inline-block;background:#fff;color:var(--primary);font-weight:600;text-decoration:none;border-radius:999px;padding:8px 14px;white-space:nowrap}
.card{background:#fff;border-radius:12px;padding:16px;margin-top:16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card h2{font-size:1rem;margin:0 0 8px;color:#4a5562;text-transform:uppercase;letter-spacing:.04em}
.card h3.sub{font-size:1rem;margin:14px 0 4px}
.card p{margin:4px 0}
.hello{margin-top:16px}
.hello p{margin:4px 0}
.muted{color:#5d6875;font-size:.9rem}
.now{border-inline-start:6px solid var(--accent)}
.now .stage{font-size:1.5rem;font-weight:700;margin:0}
.delay{background:#fff4e0;border-radius:8px;padding:8px 12px;margin-top:10px}
.date{font-size:1.25rem;font-weight:700;margin:0}
.passed{background:#fff4e0;border-radius:8px;padding:8px 12px;font-size:1.05rem}
.moved{list-style:none;margin:10px 0 0;padding:0}
.moved li{border-top:1px solid #e4e7ea;padding:8px 0 0;margin-top:8px}
ol.steps{list-style:none;margin:0;padding:0}
ol.steps li{position:relative;padding:0 0 14px;padding-inline-start:34px}
ol.steps li::before{content:"";position:absolute;inset-inline-start:0;top:2px;width:20px;height:20px;border-radius:50%;border:2px solid #9aa4ae;background:#fff}
ol.steps li.done::before{background:var(--primary);border-color:var(--primary)}
ol.steps li.done::after{content:"";position:absolute;inset-inline-start:7px;top:6px;width:5px;height:10px;border:solid #fff;border-width:0 2px 2px 0;transform:rotate(45deg)}
ol.steps li.current::before{border-color:var(--accent);border-width:6px}
ol.steps li.skipped::before{border-style:dashed}
ol.steps li.skipped .name{color:#5d6875;font-weight:400}
ol.steps li:not(:last-child) span.line{position:absolute;inset-inline-start:10px;top:24px;bottom:0;border-inline-start:2px solid #d3d8dd}
ol.steps .name{font-weight:600}
ol.steps .nowmark{color:#5d6875;font-weight:400}
ol.steps .when,ol.steps .what{display:block;font-size:.9rem;color:#5d6875}
.photos{display:grid;grid-template-columns:repeat(auto-fill,minmax(96px,1fr));gap:8px}
.photos a{display:block;aspect-ratio:1;overflow:hidden;border-radius:8px;background:#e4e7ea}
.photos img{width:100%;height:100%;object-fit:cover}
.msgs{list-style:none;margin:0 0 12px;padding:0}
.msgs li{max-width:85%;margin:8px 0;padding:8px 12px;border-radius:12px;background:#eef1f4;white-space:pre-wrap;overflow-wrap:anywhere}
.msgs li.in{margin-inline-start:auto;background:#dcecff}
.msgs .who{display:block;font-size:.8rem;color:#5d6875}
.msgs .files{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.msgs .files img{width:72px;height:72px;object-fit:cover;border-radius:6px}
form.say textarea{width:100%;min-height:88px;font:inherit;padding:10px;border:1px solid #9aa4ae;border-radius:8px}
form.say label,form.bay label{display:block;font-weight:600;margin:8px 0 4px}
.row{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-top:8px}
button,.button{font:inherit;font-weight:600;border:0;border-radius:8px;padding:10px 18px;background:var(--primary);color:#fff;cursor:pointer}
button:disabled{opacity:.6}
a.button{display:inline-block;text-decoration:none}
input[type=file]{font:inherit;max-width:100%}
input[type=file]::file-selector-button{font:inherit;font-weight:600;padding:10px 14px;margin-inline-end:10px;border-radius:8px;border:1px solid #9aa4ae;background:#fff}
.row.check{flex-wrap:nowrap;align-items:flex-start}
.row.check input{width:22px;height:22px;margin:2px 0 0;flex:none}
.row.check label{margin:0;font-weight:400}
input[type=text],input[type=tel]{font:inherit;padding:8px;border:1px solid #9aa4ae;border-radius:8px;width:100%}
progress{width:100%;height:10px}
.note{background:#e9f6ec;border-radius:8px;padding:8px 12px}
.error{background:#fde8e8;border-radius:8px;padding:8px 12px;color:#7d1a1a}
.hidden{display:none}
dl.hours{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:8px 0 0}
dl.hours dt{font-weight:600}
dl.hours dd{margin:0}
footer{margin-top:24px;text-align:center}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
form.book label{display:block;font-weight:600;margin:10px 0 4px}
form.book textarea,input[type=email]{font:inherit;padding:8px;border:1px solid #9aa4ae;border-radius:8px;width:100%}
form.book textarea{min-height:88px}
fieldset.slots{border:0;margin:0;padding:0;min-width:0}
fieldset.slots legend{font-weight:700;padding:0;margin:12px 0 4px}
.times{display:flex;flex-wrap:wrap;gap:6px}
form.book .times label{flex:1 0 auto;min-width:96px}
form.book .times label{margin:0;font-weight:400;display:flex;align-items:center;gap:6px;border:1px solid #9aa4ae;border-radius:8px;padding:8px 6px;min-height:44px;white-space:nowrap}
button.secondary{background:#fff;color:var(--primary);border:1px solid var(--primary)}
.times input{margin:0;flex:none}
label.field{display:block;font-weight:600;margin:10px 0 4px}
ul.acct-list,ul.acct-docs{list-style:none;margin:0;padding:0}
.acct-item{border-top:1px solid #e4e7ea;padding:12px 0}
.acct-item:first-child{border-top:0;padding-top:4px}
.acct-title{font-weight:600}
ul.acct-docs li{display:flex;justify-content:space-between;align-items:center;gap:8px;flex-wrap:wrap;margin-top:8px}
.acct-foot{text-align:center;margin-top:16px}
.nowrap{white-space:nowrap}
form.lang{display:flex;align-items:center;gap:6px;flex-wrap:wrap;justify-content:flex-end}
form.lang label{font-size:.85rem}
form.lang select{font:inherit;font-size:.9rem;padding:4px 6px;border-radius:6px;border:1px solid #fff;max-width:9em}
form.lang button{padding:4px 10px;font-size:.85rem;background:#fff;color:var(--primary)}
.js form.lang button{display:none}
header.shop .wrap{flex-wrap:wrap}
header.shop h1{min-width:0;flex:1 1 11em;overflow-wrap:break-word}
header.shop form.lang{margin-inline-start:auto}
`;

const JS = `(function(){
"use strict";
var body=document.body;
document.documentElement.className+=" js";
document.querySelectorAll("select[data-autosubmit]").forEach(function(s){s.addEventListener("change",function(){s.form.submit();});});
function swap(html){
  var doc=new DOMParser().parseFromString(html,"text/html");
  doc.querySelectorAll("[data-live]").forEach(function(fresh){
    var old=document.getElementById(fresh.id);
    if(old&&old.innerHTML!==fresh.innerHTML){old.innerHTML=fresh.innerHTML;}
  });
}
var busy=false,again=false;
function refresh(){
  if(busy){again=true;return;}
  busy=true;
  fetch(location.pathname,{headers:{"x-bayline-live":"1"},credentials:"same-origin",cache:"no-store"})
    .then(function(r){return r.ok?r.text():null;})
    .then(function(t){if(t)swap(t);})
    .catch(function(){})
    .then(function(){busy=false;if(again){again=false;refresh();}});
}
var live=body.getAttribute("data-events");
if(live){
  var version=body.getAttribute("data-version");
  var poll=function(){
    fetch(live.replace(/events$/,"version"),{cache:"no-store"}).then(function(r){return r.ok?r.text():null;}).then(function(v){
      if(v&&v!==version){version=v;refresh();}
    }).catch(function(){});
  };
  if(window.EventSource){
    var es=new EventSource(live);
    es.addEventListener("changed",function(e){if(e.data!==version){version=e.data;refresh();}});
    es.onerror=function(){if(es.readyState===2){setInterval(poll,15000);}};
  }else{setInterval(poll,15000);}
}
function upload(form,onDone){
  var status=form.querySelector("[data-status]");
  var bar=form.querySelector("progress");
  var button=form.querySelector("button");
  var data=new FormData(form);
  var xhr=new XMLHttpRequest();
  xhr.open("POST",form.action);
  xhr.setRequestHeader("accept","application/json");
  if(bar){bar.value=0;bar.classList.remove("hidden");}
  button.disabled=true;
  status.className="";status.textContent="Sending…";
  xhr.upload.onprogress=function(e){if(bar&&e.lengthComputable){bar.value=e.loaded/e.total;}};
  xhr.onload=function(){
    var reply={};try{reply=JSON.parse(xhr.responseText);}catch(e){}
    button.disabled=false;if(bar)bar.classList.add("hidden");
    if(xhr.status>=200&&xhr.status<300){status.className="note";status.textContent=reply.message||"Sent.";form.reset();onDone();}
    else{status.className="error";status.textContent=reply.message||"That did not go through. Please try again.";}
  };
  xhr.onerror=function(){button.disabled=false;if(bar)bar.classList.add("hidden");status.className="error";status.textContent="No connection. Please try again when you have signal.";};
  xhr.send(data);
}
document.querySelectorAll("form[data-upload]").forEach(function(form){
  form.addEventListener("submit",function(e){e.preventDefault();upload(form,refresh);});
});
})();
`;

export interface Asset {
  path: string;
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

export function asset(name: string, ext: string, type: string, text: string): Asset {
  const body = Buffer.from(text.trim() + '\n');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return {
    path: `/assets/${name}-${hash}.${ext}`,
    type,
    body,
    gzip: zlib.gzipSync(body, { level: 9 }),
    etag: `"${hash}"`,
  };
}

export const PORTAL_CSS = asset('portal', 'css', 'text/css; charset=utf-8', CSS);
export const PORTAL_JS = asset('portal', 'js', 'text/javascript; charset=utf-8', JS);
export const ASSETS: readonly Asset[] = [PORTAL_CSS, PORTAL_JS];
