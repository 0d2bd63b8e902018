package view

import "html/template"

// The page is server-rendered: html/template escapes every value (summaries
// and names are customers' and agents' text). The only script is the
// countdown, which runs on the server's clock (data-now, the instant the
// page was rendered) so a skewed browser or the demo's simulated time
// counts the same as slabot.

const style = `<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.breached{color:#a00}.atrisk{color:#a60}.paused{color:#666}
pre{background:#f7f7f7;padding:1em;overflow:auto;white-space:pre-wrap}.countdown{font-variant-numeric:tabular-nums;white-space:nowrap}
</style>`

const countdownScript = `<script>
(function(){var off=Number(document.body.dataset.now)-Date.now();
function two(n){return (n<10?"0":"")+n}
function tick(){var now=Date.now()+off;document.querySelectorAll(".countdown[data-deadline]").forEach(function(e){
var d=Number(e.dataset.deadline)-now,over=d<0;if(over)d=-d;var s=Math.floor(d/1000),h=Math.floor(s/3600),m=Math.floor(s%3600/60);
var t=h+"h "+two(m)+"m "+two(s%60)+"s";e.textContent=over?"passed "+t+" ago":"in "+t;});}
tick();document.body.dataset.live="counting";setInterval(tick,1000);})();
</script>`

var funcs = template.FuncMap{"countdown": countdown}

var boardPage = template.Must(template.New("board").Funcs(funcs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>slabot</title>` + style + `</head>
<body data-now="{{.NowMS}}">
<h1>slabot</h1>
<p>As of {{.Now}}: the worker's evaluation of its cached issues; what was sent is the outbox's ledger.</p>
{{range .Products}}
<h2 id="product-{{.Name}}">{{.Name}}</h2>
<p>{{.Open}} issues evaluated; deadlines in {{.Zone}}.{{if .LedgerProblem}} Ledger: {{.LedgerProblem}}{{end}}</p>
{{if .Listed}}{{template "section" .AtRisk}}{{template "section" .Breached}}{{template "section" .Paused}}{{else}}<p>Nothing at risk, breached or paused.</p>{{end}}
{{end}}
<h2 id="outbox">Outbox</h2>
{{with .Health}}{{if .Problem}}<p>Outbox: {{.Problem}}</p>{{end}}
<table class="counts"><tr>{{range .Counts}}<th>{{.State}}</th>{{end}}</tr><tr>{{range .Counts}}<td>{{.N}}</td>{{end}}</tr></table>
{{if .Blocked}}<h3>Blocked rows</h3>
<table class="blocked"><tr><th>issue</th><th>goal</th><th>step</th><th>channel</th><th>attempts</th><th>recorded</th><th>next attempt</th><th>reason</th></tr>
{{range .Blocked}}<tr><td><a href="/issue/{{.Issue}}">{{.Issue}}</a></td><td>{{.Goal}}</td><td>{{.Step}}</td><td>{{.Channel}}</td><td>{{.Attempts}}</td><td>{{.CreatedAt.UTC.Format "2006-01-02 15:04:05Z"}}</td><td>{{if not .NextAttemptAt.IsZero}}{{.NextAttemptAt.UTC.Format "2006-01-02 15:04:05Z"}}{{end}}</td><td>{{.LastError}}</td></tr>
{{end}}</table>{{else}}<p>No blocked rows.</p>{{end}}{{end}}
` + countdownScript + `
</body></html>
{{define "section"}}<h3>{{.Title}} ({{len .Rows}}{{if .More}}; {{.More}} more not listed{{end}})</h3>
{{if .Rows}}<table class="section"><tr><th>issue</th><th>goal</th><th>state</th><th>owner</th><th>deadline</th><th>countdown</th><th>business time</th><th>ladder level</th><th>acknowledged by</th></tr>
{{range .Rows}}<tr class="{{if eq .Word "breached"}}breached{{else if .Paused}}paused{{else}}atrisk{{end}}">
<td><a href="/issue/{{.Key}}">{{.Key}}</a> {{.Summary}}</td><td>{{.Goal}}</td><td>{{.Word}}</td><td>{{.Owner}}</td><td>{{.Deadline}}</td>
<td>{{if .Paused}}<span class="countdown">paused: the clock stands still</span>{{else if .DeadlineMS}}<span class="countdown" data-deadline="{{.DeadlineMS}}">{{countdown .DeadlineMS $.NowMS}}</span>{{end}}</td>
<td>{{.Left}}</td><td>{{or .Level "none due"}}</td><td>{{or .Acked "nobody"}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}{{end}}`))

var issuePage = template.Must(template.New("issue").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Key}} · slabot</title>` + style + `</head>
<body>
<p><a href="/">all products</a></p>
<h1>{{.Key}} {{.Summary}}</h1>
<p>As of {{.Now}}.</p>
<h2 id="explain">Explanation</h2>
<p>What <code>slabot explain {{.Key}}</code> prints.</p>
<pre class="explain">{{.Explain}}</pre>
<h2 id="history">History of its notices</h2>
{{if .LedgerWhy}}<p>The ledger could not be read: {{.LedgerWhy}}</p>{{end}}
{{if .History}}<table class="history"><tr><th>when</th><th>goal</th><th>cycle</th><th>step</th><th>what</th><th>detail</th></tr>
{{range .History}}<tr><td>{{.At}}</td><td>{{.Goal}}</td><td>{{.Cycle}}</td><td>{{.Step}}</td><td class="event">{{.Event}}</td><td>{{.Detail}}</td></tr>
{{end}}</table>{{else}}<p>Nothing in the ledger for this issue yet.</p>{{end}}
</body></html>`))
