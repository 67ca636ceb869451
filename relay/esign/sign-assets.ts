// What the signing page loads, all from the relay itself (no third-party origin): its own script
// and stylesheet, signature_pad (drawing on a canvas) and pdf.js (every page of the document drawn
// in the browser at the phone's width), the latter two read from node_modules once at start-up and
// named by their content hash so phones cache them for good.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Asset } from '../portal/assets.js';

const require = createRequire(import.meta.url);

function asset(name: string, ext: string, type: string, body: Buffer | string): Asset {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  return {
    path: `/assets/${name}-${hash}.${ext}`,
    type,
    body: bytes,
    gzip: zlib.gzipSync(bytes, { level: 9 }),
    etag: `"${hash}"`,
  } as Asset;
}

/** A file of an installed package, found from its entry point (packages' `exports` hide their other files). */
function fromPackage(pkg: string, file: string): Buffer {
  let dir = path.dirname(require.resolve(pkg));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return fs.readFileSync(path.join(dir, file));
}

const CSS = `
.doc-pages{margin:12px -8px 0;display:flex;flex-direction:column;gap:12px}
.doc-pages figure{margin:0;background:#fff;border:1px solid #c9cfd6;border-radius:6px;overflow-x:auto}
.doc-pages canvas{display:block;width:100%;height:auto}
.doc-pages.zoom canvas{width:170%}
.doc-pages figcaption{font-size:.85rem;color:#5d6875;padding:4px 8px;border-top:1px solid #e4e7ea;position:sticky;inset-inline-start:0}
.disclosure h3{font-size:1rem;margin:14px 0 4px}
.sigbox{border:2px dashed #9aa4ae;border-radius:8px;background:#fff;touch-action:none}
.sigbox canvas{display:block;width:100%;height:180px}
.tabs{display:flex;gap:8px;margin:8px 0}
.tabs label{flex:1;text-align:center;border:1px solid #9aa4ae;border-radius:8px;padding:8px;font-weight:600}
.tabs input{position:absolute;opacity:0}
.tabs input:checked+span{text-decoration:underline}
.typed{font:italic 2rem/1.2 "Brush Script MT","Segoe Script","Snell Roundhand",cursive;min-height:60px;padding:8px;border-bottom:2px solid #1d232b}
.hash{overflow-wrap:anywhere}
.signlist{list-style:none;margin:0;padding:0}
.signlist li{margin:8px 0}
.state{font-size:1.25rem;font-weight:700}
button.secondary,.button.secondary{background:#fff;color:var(--primary);border:1px solid var(--primary)}
form.decline textarea{width:100%;min-height:72px;font:inherit;padding:8px;border:1px solid #9aa4ae;border-radius:8px}
label.block{display:block;font-weight:600;margin:10px 0 4px}
`;

const JS = `(function(){
"use strict";
// The page's sentences in the reader's language, from the server (data-words on <main>'s signing card).
var words={};try{var holder=document.querySelector("[data-words]");if(holder)words=JSON.parse(holder.getAttribute("data-words"));}catch(e){}
function word(k){return words[k]||k;}
function pageOf(n,total){return word("pageOf").replace("{n}",String(n)).replace("{total}",String(total));}
var pages=document.getElementById("pages");
if(pages){
  var zoom=document.getElementById("zoom");
  if(zoom){zoom.hidden=false;zoom.addEventListener("click",function(){var on=pages.classList.toggle("zoom");zoom.setAttribute("aria-pressed",on?"true":"false");});}
  import(pages.getAttribute("data-pdfjs")).then(function(pdfjs){
    pdfjs.GlobalWorkerOptions.workerSrc=pages.getAttribute("data-worker");
    return pdfjs.getDocument({url:pages.getAttribute("data-pdf"),isEvalSupported:false}).promise.then(function(doc){
      var chain=Promise.resolve();
      var width=Math.max(pages.clientWidth,300)*2;
      var dpr=Math.min(window.devicePixelRatio||1,2);
      function one(n){return doc.getPage(n).then(function(p){
        var base=p.getViewport({scale:1});
        var vp=p.getViewport({scale:width*dpr/base.width});
        var fig=document.createElement("figure");fig.tabIndex=0;
        var c=document.createElement("canvas");
        c.width=Math.floor(vp.width);c.height=Math.floor(vp.height);
        c.setAttribute("role","img");c.setAttribute("aria-label",pageOf(n,doc.numPages));
        var cap=document.createElement("figcaption");cap.textContent=pageOf(n,doc.numPages);
        fig.appendChild(c);fig.appendChild(cap);pages.appendChild(fig);
        return p.render({canvasContext:c.getContext("2d"),viewport:vp,canvas:c}).promise;
      });}
      for(var i=1;i<=doc.numPages;i++){(function(n){chain=chain.then(function(){return one(n);});})(i);}
      return chain.then(function(){pages.setAttribute("data-rendered",String(doc.numPages));var l=document.getElementById("pages-loading");if(l)l.hidden=true;});
    });
  }).catch(function(){var l=document.getElementById("pages-loading");if(l)l.textContent=word("pagesFailed");});
}
var form=document.querySelector("form[data-sign]");
if(!form)return;
var status=form.querySelector("[data-status]");
function say(text,bad){status.textContent=text;status.className=bad?"error":"note";}
var canvas=document.getElementById("sigpad");var pad=null;
function fit(){if(!canvas)return;var r=Math.max(window.devicePixelRatio||1,1);var data=pad&&!pad.isEmpty()?pad.toData():null;canvas.width=canvas.offsetWidth*r;canvas.height=canvas.offsetHeight*r;canvas.getContext("2d").scale(r,r);if(pad){pad.clear();if(data)pad.fromData(data);}}
if(canvas&&window.SignaturePad){document.getElementById("drawn").hidden=false;pad=new window.SignaturePad(canvas,{penColor:"#0b1f44",minWidth:1,maxWidth:3});fit();window.addEventListener("resize",fit);
  document.getElementById("clear").addEventListener("click",function(){pad.clear();});}
var methods=form.querySelectorAll("input[name=method]");
function showMethod(){var m=form.querySelector("input[name=method]:checked");var typed=!m||m.value==="typed";var d=document.getElementById("drawn");if(d)d.hidden=typed||!pad;document.getElementById("typedpreview").hidden=!typed;}
for(var k=0;k<methods.length;k++)methods[k].addEventListener("change",showMethod);
if(pad){var dm=form.querySelector("input[name=method][value=drawn]");if(dm){dm.checked=true;dm.parentNode.hidden=false;}}
showMethod();
var nameInput=form.querySelector("input[name=signerName]");var preview=document.getElementById("typedpreview");
if(nameInput&&preview)nameInput.addEventListener("input",function(){preview.textContent=nameInput.value;});
var codeButton=document.getElementById("sendcode");
if(codeButton){codeButton.addEventListener("click",function(ev){ev.preventDefault();codeButton.disabled=true;
  fetch(codeButton.getAttribute("formaction"),{method:"POST",headers:{accept:"application/json","content-type":"application/json"},body:"{}",credentials:"omit"})
  .then(function(r){return r.json();}).then(function(a){say(a.message,!a.ok);setTimeout(function(){codeButton.disabled=false;},30000);})
  .catch(function(){codeButton.disabled=false;say(word("noConnection"),true);});});}
form.addEventListener("submit",function(ev){ev.preventDefault();
  var m=form.querySelector("input[name=method]:checked");var method=m?m.value:"typed";
  if(method==="drawn"&&(!pad||pad.isEmpty())){say(word("drawFirst"),true);return;}
  var intent=form.querySelector("input[name=intent]");
  var body={intent:intent&&intent.checked?intent.value:"",code:(form.querySelector("input[name=code]")||{}).value||"",signerName:nameInput.value,method:method,signature:method==="drawn"?pad.toDataURL("image/png"):""};
  var button=form.querySelector("button[type=submit]");button.disabled=true;say(word("signing"),false);
  fetch(form.getAttribute("action"),{method:"POST",headers:{accept:"application/json","content-type":"application/json"},body:JSON.stringify(body),credentials:"omit"})
  .then(function(r){return r.json();}).then(function(a){if(a.ok){location.href=a.next;return;}button.disabled=false;say(a.message,true);})
  .catch(function(){button.disabled=false;say(word("noConnectionKept"),true);});
});
})();`;

export const SIGN_CSS = asset('sign', 'css', 'text/css; charset=utf-8', CSS);
export const SIGN_JS = asset('sign', 'js', 'text/javascript; charset=utf-8', JS);
export const SIGNATURE_PAD_JS = asset('signature-pad', 'js', 'text/javascript; charset=utf-8', fromPackage('signature_pad', 'dist/signature_pad.umd.min.js'));
export const PDFJS = asset('pdfjs', 'mjs', 'text/javascript; charset=utf-8', fromPackage('pdfjs-dist', 'build/pdf.min.mjs'));
export const PDFJS_WORKER = asset('pdfjs-worker', 'mjs', 'text/javascript; charset=utf-8', fromPackage('pdfjs-dist', 'build/pdf.worker.min.mjs'));
export const SIGN_ASSETS: readonly Asset[] = [SIGN_CSS, SIGN_JS, SIGNATURE_PAD_JS, PDFJS, PDFJS_WORKER];
