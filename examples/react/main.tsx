// The page's own layout styles, shared with the Vue example; crmkit's elements bring none to the page.
import '../shared/app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
