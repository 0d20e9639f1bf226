import { Route, Router, Switch } from 'wouter-preact';
import { Layout } from './components/layout.tsx';
import { Loading } from './components/ui.tsx';
import { session } from './lib/session.ts';
import { AudienceEdit } from './pages/audience-edit.tsx';
import { Audiences } from './pages/audiences.tsx';
import { CampaignPage } from './pages/campaign.tsx';
import { Campaigns } from './pages/campaigns.tsx';
import { Overview } from './pages/overview.tsx';
import { Settings } from './pages/settings.tsx';
import { SetPassword } from './pages/set-password.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { SitePage } from './pages/site.tsx';
import { Sites } from './pages/sites.tsx';
import { SubscriberPage } from './pages/subscriber.tsx';
import { Subscribers } from './pages/subscribers.tsx';
import { Triggers } from './pages/triggers.tsx';

/** Served at /dashboard/ (Vite's `base`); every page is a path under it. */
export function App() {
  const current = session.value;
  if (current === undefined) return <Loading />;
  return (
    <Router base="/dashboard">
      <Switch>
        <Route path="/set-password" component={SetPassword} />
        <Route>{current === null ? <SignIn /> : <SignedIn />}</Route>
      </Switch>
    </Router>
  );
}

function SignedIn() {
  return (
    <Layout>
      <Switch>
        <Route path="/" component={Overview} />
        <Route path="/audiences" component={Audiences} />
        <Route path="/audiences/new">{() => <AudienceEdit id={null} />}</Route>
        <Route path="/audiences/:id">{(p) => <AudienceEdit id={p.id} />}</Route>
        <Route path="/campaigns" component={Campaigns} />
        <Route path="/campaigns/:id">{(p) => <CampaignPage id={p.id} />}</Route>
        <Route path="/triggers" component={Triggers} />
        <Route path="/subscribers" component={Subscribers} />
        <Route path="/subscribers/:id">{(p) => <SubscriberPage id={p.id} />}</Route>
        <Route path="/sites" component={Sites} />
        <Route path="/sites/:id">{(p) => <SitePage id={p.id} />}</Route>
        <Route path="/settings" component={Settings} />
        <Route>
          <h1>Not found</h1>
          <p>There is no page here.</p>
        </Route>
      </Switch>
    </Layout>
  );
}
