import { render } from 'preact';
import { App } from './app.tsx';
import { loadSession } from './lib/session.ts';
import './styles.css';

void loadSession();
render(<App />, document.getElementById('app') as HTMLElement);
