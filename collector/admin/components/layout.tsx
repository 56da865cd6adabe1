import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { NAV, type Section } from '../nav';
import { ASSET_VERSION } from '../assets';
import { CsrfField } from './csrf-field';

export interface PageView {
  base: string;
  csrf: string;
  signedIn: boolean;
  section?: Section;
}

export function Layout(props: { title: string; view: PageView; children: Child }) {
  const { base, csrf, signedIn, section } = props.view;
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex, nofollow" />
          <title>{`${props.title} · Conversions admin`}</title>
          <link rel="stylesheet" href={`${base}/assets/admin.css?v=${ASSET_VERSION}`} />
          <link rel="icon" href="data:," />
          <script src={`${base}/assets/admin.js?v=${ASSET_VERSION}`} defer></script>
        </head>
        <body>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="top">
            <a class="brand" href={signedIn ? `${base}/` : `${base}/sign-in`}>
              Conversions admin
            </a>
            {signedIn && (
              <nav aria-label="Sections">
                <ul>
                  {NAV.map((item) => (
                    <li>
                      <a href={base + item.path} aria-current={section === item.path ? 'page' : undefined}>
                        {item.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
            )}
            {signedIn && (
              <form method="post" action={`${base}/sign-out`} class="sign-out">
                <CsrfField token={csrf} />
                <button type="submit" class="link-button">
                  Sign out
                </button>
              </form>
            )}
          </header>
          <main id="main">
            <h1>{props.title}</h1>
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}
