// React root: adopt the #token= link (then scrub it from the address bar) and mount the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { adoptTokenFromLocation, getToken, setToken } from './api/client';
import { App } from './app';
import { shellToken } from './shell';
import './styles/app.css';

adoptTokenFromLocation();

async function start(): Promise<void> {
  if (!getToken()) {
    const t = await shellToken();
    if (t) setToken(t);
  }
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void start();
