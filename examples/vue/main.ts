// Registers the crm-* tags before Vue renders, so Vue sets their properties rather than attributes.
import '@crmkit/elements/define';
import { createApp } from 'vue';
import App from './App.vue';
// The page's own layout styles, shared with the React example; crmkit's elements bring none to the page.
import '../shared/app.css';

createApp(App).mount('#app');
