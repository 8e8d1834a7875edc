// Astro + Starlight configuration for the NANO documentation site.
// The build runs offline: no web fonts, no remote images, telemetry off.
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';

// The npm scripts set this too; setting it here also covers a bare `npx astro build`.
process.env.ASTRO_TELEMETRY_DISABLED = '1';

export default defineConfig({
  // The published address: Starlight's sitemap (sitemap-index.xml) and canonical links need it.
  site: 'https://nano.dev',
  integrations: [
    starlight({
      title: 'NANO',
      customCss: ['./src/styles/custom.css'],
      description:
        'A self-hosted runtime that serves many Workers-style JavaScript apps, each in its own V8 isolate, from one Node.js process.',
      sidebar: [
        { label: 'Overview', slug: 'index' },
        {
          label: 'Guides',
          items: [
            { label: 'Getting started', slug: 'guides/getting-started' },
            { label: 'Examples', slug: 'guides/examples' },
            { label: 'Coming from Cloudflare Workers', slug: 'guides/coming-from-workers' },
            { label: 'Configuration', slug: 'guides/configuration' },
            { label: 'Command line', slug: 'guides/cli' },
            { label: 'Limits', slug: 'guides/limits' },
            { label: 'Operations', slug: 'guides/operations' },
            { label: 'Deployment', slug: 'guides/deployment' },
            { label: 'Security', slug: 'guides/security' },
            { label: 'Performance', slug: 'guides/performance' },
          ],
        },
        {
          // Every page here is written by a script; see docs/README.md.
          label: 'Reference',
          items: [
            { label: 'Config fields', slug: 'reference/config' },
            { label: 'Error codes', slug: 'reference/errors' },
            { label: 'Troubleshooting', slug: 'reference/troubleshooting' },
            { label: 'WinterCG compliance', slug: 'reference/wintercg' },
          ],
        },
        {
          // Generated from scripts/docs/api/*.md by `npm run docs:gen`; order from each page's sidebar.order.
          label: 'API reference',
          items: [{ autogenerate: { directory: 'reference/api' } }],
        },
      ],
    }),
  ],
});
