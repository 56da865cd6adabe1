// The admin's stylesheet, served from /admin/assets/admin.css (the CSP allows no inline styles).
// Colours keep at least 4.5:1 contrast on their backgrounds; focus is always visible.
export const ADMIN_CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--accent:#0b5cad;--bad:#a40e26;--bad-bg:#ffebe9;--ok:#116329;--ok-bg:#dafbe1;--warn:#7d4e00;--warn-bg:#fff8c5}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:var(--bg);padding:.5rem}
.skip:focus{left:.5rem}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.75rem 1rem;border-bottom:1px solid var(--line);background:var(--panel)}
.brand{font-weight:700;color:var(--fg);text-decoration:none}
.top nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
.top nav a{text-decoration:none;padding:.25rem 0;display:inline-block}
.top nav a[aria-current=page]{font-weight:700;border-bottom:2px solid var(--accent)}
.sign-out{margin-left:auto}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.25rem;margin:2rem 0 .5rem}
h3{font-size:1.05rem;margin:1.25rem 0 .5rem}
.muted{color:var(--muted)}
.url,code,pre{overflow-wrap:anywhere;word-break:break-word}
code,pre,textarea.code{font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.75rem;white-space:pre-wrap;max-height:32rem;overflow:auto}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
.hint{display:block;color:var(--muted);font-size:.9rem;margin:.15rem 0 .35rem;font-weight:400}
input[type=text],input[type=email],input[type=password],input[type=search],input[type=number],input[type=url],select,textarea{font:inherit;width:100%;max-width:36rem;padding:.5rem .6rem;border:1px solid #8c959f;border-radius:6px;background:var(--bg);color:var(--fg)}
textarea{min-height:6rem}
textarea.code{max-width:none}
button,.button{font:inherit;display:inline-block;padding:.5rem 1rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;min-height:2.5rem}
button.secondary,.button.secondary{background:var(--bg);color:var(--accent)}
button.danger{background:var(--bad);border-color:var(--bad)}
.link-button{background:none;border:none;color:var(--accent);padding:.25rem 0;text-decoration:underline;min-height:auto}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0;align-items:center}
.inline-form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
.inline-form label{margin:0 0 .25rem}
.inline-form .grow{flex:1 1 16rem}
.notice{border-radius:6px;padding:.75rem 1rem;margin:1rem 0;border:1px solid}
.notice-error{background:var(--bad-bg);border-color:var(--bad);color:var(--bad)}
.notice-ok{background:var(--ok-bg);border-color:var(--ok);color:var(--ok)}
.notice-info{background:var(--panel);border-color:var(--line)}
.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid var(--line)}
th{background:var(--panel);font-weight:600}
tbody tr:last-child td{border-bottom:none}
td.url-cell{max-width:28rem}
dl.attrs{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.25rem 1rem;margin:0}
dl.attrs dt{font-weight:600;overflow-wrap:anywhere}
dl.attrs dd{margin:0;overflow-wrap:anywhere}
.card{border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}
.card h3{margin-top:0}
.badge{display:inline-block;font-size:.8rem;padding:0 .45rem;border-radius:999px;border:1px solid var(--line);background:var(--panel)}
.sign-in{max-width:26rem;margin:3rem auto}
details>summary{cursor:pointer}
fieldset.builder-group{border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem;margin:.5rem 0}
fieldset.builder-group.nested{background:var(--panel)}
fieldset.builder-group legend{padding:0 .25rem;font-weight:600}
label.inline{display:inline;margin:0}
legend select{width:auto;display:inline-block}
.builder-row{display:grid;grid-template-columns:minmax(10rem,2fr) minmax(9rem,1fr) minmax(10rem,2fr) auto;gap:.5rem;align-items:end;padding:.25rem 0;border-bottom:1px dashed var(--line)}
.builder-row label{font-weight:400;font-size:.9rem;margin:0}
.builder-row input,.builder-row select{max-width:none}
.builder-value .hint{min-height:1.2em}
ul.field-issues{color:var(--bad);margin:.25rem 0 .5rem;padding-left:1.25rem}
.check{display:grid;grid-template-columns:auto 1fr;gap:0 .5rem;align-items:center;margin:.75rem 0}
.check label{margin:0}
.check .hint{grid-column:2}
input[type=checkbox]{width:1.25rem;height:1.25rem}
progress{width:100%;max-width:36rem;height:1rem}
.status-sent,.status-member{color:var(--ok)}
.status-failed,.status-dead{color:var(--bad)}
dl.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem;margin:0}
dl.stats>div{border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;background:var(--panel)}
dl.stats dt{color:var(--muted);font-size:.9rem}
dl.stats dd{margin:0;font-size:1.6rem;font-weight:700}
.columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:0 1.5rem}
figure.chart{margin:0}
figure.chart svg{display:block}
.chart-scroll{overflow-x:auto}
.chart-scroll>svg{width:100%;height:auto;max-width:56rem;min-width:30rem}
ul.legend{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;list-style:none;padding:0;margin:.5rem 0}
table caption{text-align:left;padding:.4rem .6rem}
code.nowrap{white-space:nowrap;overflow-wrap:normal;word-break:normal}
ul.log{list-style:none;padding:0;margin:0}
.log-row>summary{padding:.25rem 0}
.log-row dl{margin-bottom:.75rem}
.log-row[open]>summary{border-bottom:1px solid var(--line);margin-bottom:.5rem}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;margin:.5rem 0 1rem}
.filters label{margin:0 0 .25rem}
.filters select{width:auto;min-width:10rem}
@media (max-width:40rem){main{padding:.75rem}.table-wrap table{min-width:38rem}dl.attrs{grid-template-columns:1fr}dl.attrs dd{margin-bottom:.5rem}th,td{padding:.4rem}.builder-row{grid-template-columns:1fr}}
`;
