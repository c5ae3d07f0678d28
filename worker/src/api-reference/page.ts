/**
 * The HTML of the API reference page: Swagger UI (swagger-ui-dist, served by
 * this Worker from its static assets, never from a CDN) showing both OpenAPI
 * documents, with a selector to switch between them.
 */
import { API_DOCUMENTS, type ApiName } from './documents.ts';

/** The files of swagger-ui-dist the page loads, served under ASSETS_PREFIX. */
export const PAGE_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png'] as const;
export const ASSETS_PREFIX = '/docs/assets/';

const NAMES: Record<ApiName, string> = {
  broadcast: 'Voice Broadcast API (/voice/v1)',
  dialer: 'Dialer API (/v1)',
};

export function referencePage(primary: ApiName): string {
  const config = {
    urls: API_DOCUMENTS.map((d) => ({ url: d.path, name: NAMES[d.api] })),
    'urls.primaryName': NAMES[primary],
    dom_id: '#swagger-ui',
    layout: 'StandaloneLayout',
    // No calls to the public validator: the page works with no internet access.
    validatorUrl: null,
    deepLinking: true,
    docExpansion: 'none',
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Crier API reference</title>
<link rel="icon" type="image/png" href="${ASSETS_PREFIX}favicon-32x32.png">
<link rel="stylesheet" href="${ASSETS_PREFIX}swagger-ui.css">
<style>body { margin: 0 } .swagger-ui .topbar .download-url-wrapper { display: flex }</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ASSETS_PREFIX}swagger-ui-bundle.js"></script>
<script src="${ASSETS_PREFIX}swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle(Object.assign(${JSON.stringify(config)}, {
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
}));
</script>
</body>
</html>
`;
}
