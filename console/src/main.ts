import { ApiError, get } from "./api.js";
import { ProblemView } from "./components/problem.js";
import { AuditPage } from "./pages/auditPage.js";
import { HealthPage } from "./pages/healthPage.js";
import { MappingPage } from "./pages/mappingPage.js";
import { MappingsPage } from "./pages/mappingsPage.js";
import { NewMappingPage } from "./pages/newMappingPage.js";
import { RunPage } from "./pages/runPage.js";
import { parseRoute, type Route } from "./router.js";
import type { Me } from "./types.js";
import { html, render, useEffect, useErrorBoundary, useState, type VNode } from "./vendor/htm-preact.js";

const TITLES: Record<Route["page"], string> = {
  mappings: "Mappings",
  new: "New mapping",
  health: "Health",
  audit: "Audit",
  mapping: "Mapping",
  run: "Run",
  "not-found": "Not found",
};

function Page({ route, me }: { route: Route; me: Me }): VNode {
  switch (route.page) {
    case "mappings":
      return html`<${MappingsPage} me=${me} query=${route.query} />`;
    case "new":
      return me.canWrite
        ? html`<${NewMappingPage} />`
        : html`<section><h1>New mapping</h1><p>Creating mappings needs the app role Mappings.ReadWrite.</p></section>`;
    case "health":
      return html`<${HealthPage} />`;
    case "audit":
      return html`<${AuditPage} query=${route.query} />`;
    case "mapping":
      return html`<${MappingPage} key=${`${route.collectionId}/${route.groupId}`} me=${me} collectionId=${route.collectionId} groupId=${route.groupId} query=${route.query} />`;
    case "run":
      return html`<${RunPage} key=${route.runId} me=${me} collectionId=${route.collectionId} groupId=${route.groupId} runId=${route.runId} query=${route.query} />`;
    case "not-found":
      return html`<section><h1>Not found</h1><p>Nothing lives at ${route.path}. <a href="#/">Go to the mappings</a>.</p></section>`;
  }
}

/** Signing in is App Service Authentication's job: the console only sends the browser there. */
function SignIn({ error }: { error: ApiError }): VNode {
  const back = encodeURIComponent(`/${window.location.hash}`);
  return html`<section><h1>Sign in</h1><${ProblemView} error=${error} />
    <p><a href=${`/.auth/login/aad?post_login_redirect_uri=${back}`}>Sign in with your organisation account</a></p></section>`;
}

/** The page a route shows, without its query: a new query (search, page) is the same page, a new path is not. */
function placeOf(route: Route): string {
  switch (route.page) {
    case "mapping":
      return `mapping/${route.collectionId}/${route.groupId}`;
    case "run":
      return `run/${route.runId}`;
    case "not-found":
      return `not-found/${route.path}`;
    default:
      return route.page;
  }
}

function App(): VNode {
  const [route, setRoute] = useState<Route>(parseRoute(window.location.hash));
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [crash, resetCrash] = useErrorBoundary();

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onHash);
    get<Me>("/me").then(setMe, setError);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  // A new page starts at the top with focus on its content; a new search or page number keeps focus where it is.
  const place = placeOf(route);
  useEffect(() => {
    if (crash) resetCrash();
    document.title = `${TITLES[route.page]} · collection-sync`;
    window.scrollTo(0, 0);
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [place]);

  const current = (page: Route["page"]) => (route.page === page ? "page" : undefined);
  let content: VNode;
  if (crash) content = html`<section><h1>Error</h1><${ProblemView} error=${crash} /><p><a href="#/">Go to the mappings</a></p></section>`;
  else if (error instanceof ApiError && error.status === 401) content = html`<${SignIn} error=${error} />`;
  else if (error) content = html`<section><h1>collection-sync</h1><${ProblemView} error=${error} /></section>`;
  else if (me === null) content = html`<p aria-live="polite">Loading…</p>`;
  else content = html`<${Page} route=${route} me=${me} />`;

  return html`<a class="skip" href="#main" onClick=${(e: Event) => {
    e.preventDefault();
    document.getElementById("main")?.focus();
  }}>Skip to content</a>
    <header class="top">
      <span class="brand">collection-sync</span>
      <nav aria-label="Main">
        <a href="#/" aria-current=${current("mappings")}>Mappings</a>
        <a href="#/audit" aria-current=${current("audit")}>Audit</a>
        <a href="#/health" aria-current=${current("health")}>Health</a>
      </nav>
      <span class="who">${me ? `${me.name}${me.canWrite ? "" : " (read only)"}` : ""}</span>
    </header>
    <main id="main" tabindex="-1">${content}</main>`;
}

const root = document.getElementById("app");
if (root) render(html`<${App} />`, root);
