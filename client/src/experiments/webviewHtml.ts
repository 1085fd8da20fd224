import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/**
 * A webview page that loads only its own bundled script (by nonce) and stylesheet from dist/media,
 * with no inline script or remote anything: the Compare Runs panel and the Data Drift view share it.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: { script: string; style: string; title: string; loading: string }): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'media', name));
  const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset(page.style)}">
<title>${page.title}</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="empty">${page.loading}</p></main>
<script nonce="${nonce}" src="${asset(page.script)}"></script>
</body>
</html>`;
}
