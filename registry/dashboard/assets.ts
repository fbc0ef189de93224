import { createHash } from 'node:crypto';
import { Router } from 'express';

/**
 * The dashboard's only assets: one stylesheet and one small script, served by the registry itself
 * (it may run offline: no CDN), under a CSP that allows nothing else. Content-hashed URLs, so they
 * can be cached for a long time.
 */
const CSS = `
:root{--fg:#1d2433;--muted:#5b6578;--line:#d5d9e2;--bg:#f6f7fa;--accent:#2950c8;--accent-bg:#e8eefc;--ok:#176b2c;--ok-bg:#e6f4ea;--err:#a11;--err-bg:#fdecec}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,main:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:2}.skip:focus{left:1rem}
header{background:#16203a;color:#fff}
.bar{max-width:72rem;margin:0 auto;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
.brand{color:#fff;font-weight:700;text-decoration:none;font-size:1.1rem;margin-right:.5rem}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem;margin:0;padding:0}
nav a{display:block;color:#cfd7ee;text-decoration:none;padding:.35rem .75rem;border-radius:6px}
nav a:hover{background:#24325a;color:#fff}
nav a[aria-current=page]{background:#fff;color:#16203a;font-weight:600}
.account{margin-left:auto;display:flex;gap:.75rem;align-items:center;color:#cfd7ee}
.account a{color:#fff}
.account a.button{background:var(--accent);padding:.3rem .8rem;border-radius:6px;text-decoration:none}
.account button{margin:0}
main{max-width:72rem;margin:1.5rem auto;padding:0 1rem}
footer{max-width:72rem;margin:2rem auto;padding:0 1rem;color:var(--muted);font-size:.85rem}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.2rem;margin:1.8rem 0 .6rem}
.card>h2:first-child,.card>h3:first-child,.secret>h2:first-child{margin-top:.2rem}
.actions{display:flex;gap:.5rem;align-items:flex-end;flex-wrap:wrap}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:1rem 1.25rem;margin:1rem 0}
.narrow{max-width:26rem}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:10px;overflow:hidden;margin:.5rem 0}
th,td{text-align:left;padding:.5rem .75rem;border-bottom:1px solid #eceff4;vertical-align:top}
th{background:#f0f2f7;font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
tr:last-child td{border-bottom:0}
caption{text-align:left;padding:.5rem .75rem;font-weight:600}
form{margin:0}
form.stack label{display:block;margin:.6rem 0 .2rem;font-weight:600}
form.stack input,form.stack select{display:block;width:100%;max-width:26rem;padding:.45rem .55rem;font:inherit;border:1px solid #b9c0cf;border-radius:6px;background:#fff}
form.row{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end}
form.row .field{display:flex;flex-direction:column;gap:.2rem}
form.row label{font-weight:600;font-size:.9rem}
form.row input,form.row select{padding:.4rem .5rem;font:inherit;border:1px solid #b9c0cf;border-radius:6px;background:#fff;min-width:9rem}
form.row .field.check{flex-direction:row;align-items:center;gap:.4rem;min-height:2.4rem}
form.row .field.check input{min-width:0;width:1.1rem;height:1.1rem;margin:0}
form.row .field.check label{font-weight:400}
form.inline{display:inline}
button,.button{display:inline-block;font:inherit;padding:.4rem 1rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;margin-top:.75rem}
form.row button,form.row .button,td button{margin-top:0}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button.danger{background:#fff;color:var(--err);border-color:#d99}
.flash{padding:.6rem 1rem;border-radius:8px;margin:0 0 1rem}
.flash.ok{background:var(--ok-bg);color:var(--ok);border:1px solid #b7dfc2}
.flash.error,.error{background:var(--err-bg);color:var(--err);border:1px solid #f2b8b8}
p.error{padding:.6rem 1rem;border-radius:8px}
.badge{display:inline-block;font-size:.75rem;font-weight:600;padding:.05rem .5rem;border-radius:999px;border:1px solid}
.badge-public{color:#176b2c;background:#e6f4ea;border-color:#b7dfc2}
.badge-team{color:#2950c8;background:#e8eefc;border-color:#b9c8f2}
.badge-private{color:#6b3fa0;background:#f1eafa;border-color:#d3c0ea}
.status-active{color:var(--ok);font-weight:600}.status-pending{color:#8a5a00;font-weight:600}.status-revoked,.status-expired{color:var(--muted)}
.muted,.cli{color:var(--muted)}.cli{font-size:.85rem;margin:.4rem 0}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em}
pre{background:#0f172a;color:#e2e8f0;padding:.8rem 1rem;border-radius:8px;overflow:auto}
.warn{background:#fffbe6;color:#6b4e00;border:1px solid #f0d78c;padding:.5rem 1rem;border-radius:8px;margin:.5rem 0}
.secret{background:#fffbe6;border:1px solid #f0d78c;border-radius:10px;padding:1rem 1.25rem;margin:1rem 0}
.secret code.token{display:inline-block;background:#fff;border:1px solid var(--line);padding:.3rem .5rem;border-radius:6px;word-break:break-all;font-size:1rem}
.copy{margin:0 0 0 .5rem;padding:.2rem .7rem;font-size:.85rem}
.readme{background:#fff;border:1px solid var(--line);border-radius:10px;padding:.5rem 1.5rem;overflow-wrap:anywhere}
.readme img{max-width:100%}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
.pager{display:flex;gap:1rem;align-items:center;margin:.75rem 0}
.hits{list-style:none;padding:0}.hits li{background:#fff;border:1px solid var(--line);border-radius:10px;padding:.75rem 1rem;margin:.5rem 0}
.subnav{display:flex;gap:.5rem;flex-wrap:wrap;margin:-.5rem 0 1rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}dl.meta dt{font-weight:600;color:var(--muted)}dl.meta dd{margin:0}
`;

/** Copy buttons (hidden without JavaScript): copies the text of the element named by data-copy. */
const JS = `'use strict';
(function () {
  function ready(fn) { if (document.readyState !== 'loading') fn(); else document.addEventListener('DOMContentLoaded', fn); }
  ready(function () {
    document.querySelectorAll('button[data-copy]').forEach(function (b) { b.hidden = false; });
  });
  document.addEventListener('click', function (e) {
    var btn = e.target instanceof Element ? e.target.closest('button[data-copy]') : null;
    if (!btn) return;
    var src = document.getElementById(btn.getAttribute('data-copy'));
    if (!src) return;
    var text = src.textContent || '';
    var done = function () {
      var label = btn.textContent;
      btn.textContent = 'Copied';
      var live = document.getElementById('copy-status');
      if (live) live.textContent = 'Copied to the clipboard';
      setTimeout(function () { btn.textContent = label; }, 2000);
    };
    var fallback = function () {
      var range = document.createRange();
      range.selectNodeContents(src);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      try { document.execCommand('copy'); } catch (err) { /* the text stays selected for Ctrl+C */ }
      done();
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  });
})();
`;

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

export const ASSET_URLS = {
  css: `/-/dashboard/dashboard.css?v=${hash(CSS)}`,
  js: `/-/dashboard/dashboard.js?v=${hash(JS)}`,
};

export function assetRoutes(): Router {
  const r = Router();
  const send = (type: string, body: string) => (_req: unknown, res: import('express').Response) => {
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.type(type).send(body);
  };
  r.get('/-/dashboard/dashboard.css', send('text/css', CSS));
  r.get('/-/dashboard/dashboard.js', send('text/javascript', JS));
  return r;
}
