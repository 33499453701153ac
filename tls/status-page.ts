// The page the HTTP port shows while Podium has no certificate yet: what it is waiting for and what to check.

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function certificatePendingPage(name: string, directoryUrl: string, problem: string | null): string {
  const status = problem
    ? `<p class="problem"><strong>What went wrong:</strong> ${escapeHtml(problem)}</p>`
    : '<p>The certificate is being requested now; this usually takes a few seconds.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="15">
<title>Podium is getting its HTTPS certificate</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; padding: 0 1rem; color: #1d2330; }
  .problem { background: #fdecea; border-left: 4px solid #c62828; padding: .75rem 1rem; }
  code { background: #f1f3f6; padding: 0 .25rem; border-radius: 3px; }
</style>
</head>
<body>
<h1>Podium is getting its HTTPS certificate</h1>
<p>Podium will serve <strong>https://${escapeHtml(name)}</strong> as soon as the certificate authority at
<code>${escapeHtml(directoryUrl)}</code> has issued a certificate for <code>${escapeHtml(name)}</code>.
Browsers allow cameras and microphones only on HTTPS pages, so the rooms open there. This page reloads itself.</p>
${status}
<p>If this does not go away, the person who runs this server should check that:</p>
<ul>
  <li>the DNS <code>A</code>/<code>AAAA</code> records of <code>${escapeHtml(name)}</code> point at this server's public address;</li>
  <li>ports 80 and 443 are open to the internet (firewall, cloud security group) and forwarded to Podium's
    <code>HTTP_PORT</code> and <code>HTTPS_PORT</code>: the certificate authority checks the name by fetching a file over port 80;</li>
  <li>the authority's rate limits were not reached by repeated failures (Podium backs off and retries by itself).</li>
</ul>
<p>Alternatives: give Podium a certificate you already have with <code>TLS_CERT</code> and <code>TLS_KEY</code>, or run it
behind nginx with <code>TRUST_PROXY=loopback</code> (see the README's "Deploying on a VPS").</p>
</body>
</html>
`;
}
