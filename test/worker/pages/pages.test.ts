// The desk and wallboard pages and their files come from ASSETS (worker/public),
// only the files pages/routes.ts names; /desk/config.json says whether a
// softphone endpoint is configured.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { PAGE_FILES } from '../../../worker/src/pages/routes.ts';

const BASE = 'http://crier.test';

describe('the pages', () => {
  it.each(['/wallboard', '/desk'])('%s is an HTML page loading its module', async (path) => {
    const res = await SELF.fetch(`${BASE}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain(`<script type="module" src="/pages/${path.slice(1)}.js"></script>`);
  });

  it('serves every named file, and nothing else of the folder', async () => {
    for (const file of PAGE_FILES) {
      const res = await SELF.fetch(`${BASE}/pages/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toMatch(file.endsWith('.css') ? /^text\/css/ : /javascript/);
      await res.arrayBuffer();
    }
    for (const path of ['/pages/desk.html', '/pages/../wrangler.toml', '/swagger-ui/swagger-ui.css', '/pages/vendor/other.js']) {
      const res = await SELF.fetch(`${BASE}${path}`);
      expect(res.status, path).toBe(404);
      await res.arrayBuffer();
    }
  });

  it('tells the desk no softphone endpoint is configured by default', async () => {
    expect(await (await SELF.fetch(`${BASE}/desk/config.json`)).json()).toEqual({ softphone_wss_url: null });
  });
});
