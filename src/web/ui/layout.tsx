import type { ComponentChildren } from 'preact';
import type { SiteSettings } from '../../modules/settings/settings.service.ts';
import type { MenuItem, Menus } from '../../modules/site/menus.service.ts';
import type { WidgetAreas } from '../../modules/site/widgets.service.ts';
import { FAVICON_URL } from '../kit/assets.ts';
import { safeHref } from './format.ts';
import { WidgetArea } from './widgets.tsx';

export interface PageChrome {
  site: SiteSettings;
  widgets: WidgetAreas;
  /**
   * Set when the page is to be kept in the cache: each widget area is rendered as this marker, replaced when the
   * page is served by the area's current HTML (src/web/kit/fragments.ts), so a new comment changes no cached page.
   */
  fragmentMarker?: (area: 'header' | 'sidebar' | 'footer') => string;
  /** Navigation menus set in the administration; an empty primary menu means the default navigation. */
  menus: Menus;
  pages: { slug: string; title: string }[];
  baseUrl: string;
  stylesheet: string;
}

export interface Head {
  title: string;
  description?: string;
  /** Site-relative canonical path. */
  path: string;
  noindex?: boolean;
  feeds?: { title: string; rss: string; atom: string; json: string };
  /** Other alternate versions of the page, e.g. the corrections log's Atom feed. */
  alternates?: { type: string; title: string; href: string }[];
  openGraph?: Record<string, string>;
  jsonLd?: unknown[];
  /** Island scripts (site-relative, hashed names), loaded as deferred modules. */
  scripts?: string[];
}

/** JSON inside <script> must not be able to close the element: "<" is written as \u003c. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The links of a menu; the one for the page being shown is marked as current. */
function MenuLinks(props: { items: MenuItem[]; path: string }) {
  return (
    <ul>
      {props.items.map((item) => (
        <li key={item.id}>
          <a href={safeHref(item.url)} aria-current={item.url === props.path ? 'page' : undefined}>
            {item.label}
          </a>
        </li>
      ))}
    </ul>
  );
}

/** The first link of every page, reader's or staff's: straight to the main content. */
export function SkipLink() {
  return (
    <a class="skip-link" href="#main">
      Skip to content
    </a>
  );
}

/** The site's name (a link home) and its tagline at the top of every page, reader's or staff's. */
export function SiteBrand(props: { title: string; tagline?: string }) {
  return (
    <div class="site-brand">
      <p class="site-title">
        <a href="/">{props.title}</a>
      </p>
      {props.tagline ? <p class="site-tagline">{props.tagline}</p> : null}
    </div>
  );
}

/**
 * The site's menu, folded behind a "Menu" button on phones: a <details> works without script. On wide screens
 * site.css shows the links and hides the button (where the browser styles ::details-content; elsewhere the
 * button stays).
 */
function SiteMenu(props: { chrome: PageChrome; path: string }) {
  const { chrome } = props;
  return (
    <details class="site-menu">
      <summary class="site-menu__button">Menu</summary>
      <nav class="site-nav" aria-label="Site">
        {chrome.menus.primary.length > 0 ? (
          <MenuLinks items={chrome.menus.primary} path={props.path} />
        ) : (
          <ul>
            <li>
              <a href="/">Latest</a>
            </li>
            {chrome.pages.map((p) => (
              <li key={p.slug}>
                <a href={`/${p.slug}/`}>{p.title}</a>
              </li>
            ))}
            <li>
              <a href="/search">Search</a>
            </li>
          </ul>
        )}
      </nav>
    </details>
  );
}

export function Layout(props: { chrome: PageChrome; head: Head; children: ComponentChildren }) {
  const { chrome, head } = props;
  const { site } = chrome;
  const fullTitle = head.title === site.title ? site.title : `${head.title} · ${site.title}`;
  const hasSidebar = chrome.widgets.sidebar.length > 0;
  return (
    <html lang={site.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{fullTitle}</title>
        <meta name="description" content={head.description ?? site.description} />
        {head.noindex ? <meta name="robots" content="noindex" /> : null}
        <link rel="canonical" href={`${chrome.baseUrl}${head.path}`} />
        <link rel="stylesheet" href={chrome.stylesheet} />
        <link rel="icon" href={FAVICON_URL} type="image/svg+xml" />
        {(head.scripts ?? []).map((src) => (
          <script type="module" src={src} key={src} />
        ))}
        <link rel="alternate" type="application/rss+xml" title={`${site.title} (RSS)`} href="/feed/" />
        <link rel="alternate" type="application/atom+xml" title={`${site.title} (Atom)`} href="/feed/atom/" />
        <link rel="alternate" type="application/feed+json" title={`${site.title} (JSON Feed)`} href="/feed.json" />
        {head.feeds ? (
          <>
            <link
              rel="alternate"
              type="application/rss+xml"
              title={`${head.feeds.title} (RSS)`}
              href={head.feeds.rss}
            />
            <link
              rel="alternate"
              type="application/atom+xml"
              title={`${head.feeds.title} (Atom)`}
              href={head.feeds.atom}
            />
            <link
              rel="alternate"
              type="application/feed+json"
              title={`${head.feeds.title} (JSON Feed)`}
              href={head.feeds.json}
            />
          </>
        ) : null}
        {(head.alternates ?? []).map((a) => (
          <link rel="alternate" type={a.type} title={a.title} href={a.href} key={a.href} />
        ))}
        <link rel="search" type="application/opensearchdescription+xml" title={site.title} href="/opensearch.xml" />
        {Object.entries(head.openGraph ?? {}).map(([property, content]) => (
          <meta property={property} content={content} key={property} />
        ))}
        {(head.jsonLd ?? []).map((data, i) => (
          <script type="application/ld+json" key={i} dangerouslySetInnerHTML={{ __html: jsonForScript(data) }} />
        ))}
      </head>
      <body>
        <SkipLink />
        <header class="site-header">
          <div class="site-header__inner">
            <SiteBrand title={site.title} tagline={site.tagline} />
            <SiteMenu chrome={chrome} path={head.path} />
            <WidgetArea
              area="header"
              widgets={chrome.widgets.header}
              site={site}
              marker={chrome.fragmentMarker?.('header')}
            />
          </div>
        </header>
        <div class={hasSidebar ? 'layout layout--sidebar' : 'layout'}>
          <main id="main" tabIndex={-1}>
            {props.children}
          </main>
          {hasSidebar ? (
            <WidgetArea
              area="sidebar"
              widgets={chrome.widgets.sidebar}
              site={site}
              marker={chrome.fragmentMarker?.('sidebar')}
            />
          ) : null}
        </div>
        <footer class="site-footer">
          <div class="site-footer__inner">
            <WidgetArea
              area="footer"
              widgets={chrome.widgets.footer}
              site={site}
              marker={chrome.fragmentMarker?.('footer')}
            />
            {chrome.menus.footer.length > 0 ? (
              <nav class="site-nav site-footer-nav" aria-label="Footer">
                <MenuLinks items={chrome.menus.footer} path={head.path} />
              </nav>
            ) : null}
            <p class="site-colophon">
              {site.title} · <a href="/feed/">RSS</a> · <a href="/feed/atom/">Atom</a> ·{' '}
              <a href="/feed.json">JSON Feed</a> · Published with Annalist
            </p>
          </div>
        </footer>
      </body>
    </html>
  );
}
